//! The projector: the only writer of the query store's `exposure` table.
//!
//! It consumes `en.publish.processed` (as a `Worker` consumer: offsets stored only after the
//! batch is durable) in batches; each batch is applied in one PostgreSQL transaction with
//! the revision rules of the `domain` crate, together with the consumer offsets it consumed
//! ([`batch`]), so every event changes the store exactly once even across crashes, redeliveries
//! and rebalances. After the commit it produces one `PublishOutcome` per request for the ingest
//! instance waiting on it. [`rebuild`] replays the log (all of it, or up to an instant) into
//! another database and checksums it; [`log_range`] and [`progress`] serve every replay tool.

pub mod apply;
pub mod batch;
pub mod bulk;
mod consumer;
mod gap_probe;
pub mod identical_retry;
mod lag;
pub mod log_range;
mod metrics;
pub mod migrations;
pub mod progress;
pub mod rebuild;
mod repeats;
pub mod repository;
pub mod retention;
mod settings;
pub mod stats;
pub mod stats_repository;

use anyhow::Context as _;
use platform::kafka_consumers::ConsumerProfile;
use platform::opaque::Opaque;
use platform::service::Service;
use platform::skeleton::Skeleton;
use rdkafka::consumer::{Consumer, StreamConsumer};
use schemas::topics::Topic;
use tokio_util::sync::CancellationToken;

pub use settings::ProjectorSettings;

/// The projector service.
#[derive(Debug)]
pub struct Projector {
    settings: ProjectorSettings,
    skeleton: Skeleton,
    pool: deadpool_postgres::Pool,
}

impl Service for Projector {
    const NAME: &'static str = "projector";
    type Settings = ProjectorSettings;

    async fn build(settings: Self::Settings, shutdown: CancellationToken) -> anyhow::Result<Self> {
        settings.kafka.ensure_topics_if_enabled().await?;
        let pool = settings.pg.pool()?;
        platform::pg::migrate(&pool, migrations::MIGRATIONS)
            .await
            .context("cannot migrate the query store")?;
        let skeleton = Skeleton::worker(
            Self::NAME,
            &settings.listen_addr,
            settings.http.clone(),
            shutdown,
        )
        .await?;
        Ok(Self {
            settings,
            skeleton,
            pool,
        })
    }

    fn skeleton(&self) -> &Skeleton {
        &self.skeleton
    }

    async fn run(self) -> anyhow::Result<()> {
        let metrics = metrics::Metrics::register(&self.skeleton.ops().registry)?;
        let shutdown = self.skeleton.shutdown().clone();
        let input = self.settings.kafka.topic(Topic::PublishProcessed);
        // Offsets are stored after each committed batch: only a hint where to resume;
        // PostgreSQL's stored offsets decide what is applied.
        let consumer: StreamConsumer = self
            .settings
            .kafka
            .consumer_config(ConsumerProfile::Worker {
                group: &self.settings.group_id,
            })
            .create()
            .context("cannot create the projector consumer")?;
        consumer.subscribe(&[&input]).context("cannot subscribe")?;
        let worker = consumer::Loop {
            probe: gap_probe::GapProbe::new(&self.settings.kafka, &self.settings.group_id, &input)?,
            empty_gaps: std::sync::Mutex::default(),
            fatal: std::sync::Mutex::default(),
            consumer: Opaque(consumer),
            producer: Opaque(self.settings.kafka.producer()?),
            pool: self.pool.clone(),
            group: self.settings.group_id.clone(),
            input,
            outcome_topic: self.settings.kafka.topic(Topic::PublishOutcome),
            batch_size: self.settings.batch_size,
            commit: self.settings.commit,
            batch_wait: self.settings.batch_wait,
            metrics: metrics.clone(),
        };
        let tracker = tokio_util::task::TaskTracker::new();
        if !self.settings.cleanup_interval.is_zero() {
            tracker.spawn(retention::run(
                self.pool.clone(),
                self.settings.retention,
                self.settings.cleanup_interval,
                metrics.clone(),
                shutdown.clone(),
            ));
        }
        tracker.spawn(lag::run(
            self.settings.kafka.clone(),
            self.pool.clone(),
            self.settings.group_id.clone(),
            worker.input.clone(),
            self.settings.kafka.topic(Topic::PublishReceived),
            worker.metrics.clone(),
            std::time::Duration::from_secs(5),
            shutdown.clone(),
        ));
        tracker.close();
        let result = self.skeleton.run_worker(worker.run(shutdown)).await;
        tracker.wait().await;
        result
    }
}
