//! The processor: turns `PublishReceived` events into `PublishProcessed` events.
//!
//! It consumes `en.publish.received` in a consumer group, runs the publish transform of the
//! `domain` crate on each event (certificate claims, transmission-risk backfill, days since
//! symptom onset, region metadata, traveler flag, embargo time) with the batch time and settings
//! the event carries — so replays decide the same — and produces the result to
//! `en.publish.processed`, in the partition its source came from, with the source's position.
//! It uses no Kafka transactions: the *effect* is exactly once because the output is a pure
//! function of the input and readers skip a repeated source position (see `pipeline`). Events it
//! cannot decode go to the dead-letter topic with a reason.

mod convert;
mod metrics;
mod pipeline;
mod settings;

use platform::service::Service;
use platform::skeleton::Skeleton;
use tokio_util::sync::CancellationToken;

pub use convert::{process, processed_event};
pub use settings::ProcessorSettings;

/// The processor service.
#[derive(Debug)]
pub struct Processor {
    settings: ProcessorSettings,
    skeleton: Skeleton,
}

impl Service for Processor {
    const NAME: &'static str = "processor";
    type Settings = ProcessorSettings;

    async fn build(settings: Self::Settings, shutdown: CancellationToken) -> anyhow::Result<Self> {
        settings.kafka.ensure_topics_if_enabled().await?;
        let skeleton = Skeleton::worker(
            Self::NAME,
            &settings.listen_addr,
            settings.http.clone(),
            shutdown,
        )
        .await?;
        Ok(Self { settings, skeleton })
    }

    fn skeleton(&self) -> &Skeleton {
        &self.skeleton
    }

    async fn run(self) -> anyhow::Result<()> {
        let metrics = metrics::Metrics::register(&self.skeleton.ops().registry)?;
        let pipeline = pipeline::Pipeline::new(&self.settings, metrics)?;
        let shutdown = self.skeleton.shutdown().clone();
        self.skeleton.run_worker(pipeline.run(shutdown)).await
    }
}
