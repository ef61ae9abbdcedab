//! [`ConfigLog`]: the Kafka follower of `en.config`. At start-up it reads the topic from its
//! first offset, applying each [`ConfigEvent`] to a [`ConfigSnapshot`]; once it reaches the end it
//! publishes the snapshot and reports itself caught up, then keeps following the topic and
//! publishes a new immutable snapshot after every change (readers swap `Arc`s, never lock).
//! Changes therefore reach every service within the consumer's fetch latency, well under a
//! second, without restarts.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use platform::kafka::{EofAwareContext, KafkaSettings};
use platform::kafka_consumers::ConsumerProfile;
use platform::metrics::Registrar;
use prometheus::{IntCounterVec, IntGauge, Registry};
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};
use schemas::config::ConfigEvent;
use schemas::topics::Topic;
use schemas::Envelope;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use crate::snapshot::ConfigSnapshot;

/// Metrics of the config reader.
#[derive(Debug, Clone)]
struct ConfigMetrics {
    events: IntCounterVec,
    position: IntGauge,
}

impl ConfigMetrics {
    fn register(registry: &Registry) -> anyhow::Result<Self> {
        let r = Registrar::new(registry);
        Ok(Self {
            events: r.counters(
                "config_events_total",
                "Configuration events read, by result",
                &["result"],
            )?,
            position: r.int_gauge("config_position", "Next en.config offset to apply")?,
        })
    }
}

/// Handle to the configuration a service follows.
#[derive(Debug, Clone)]
pub struct ConfigLog {
    snapshots: watch::Receiver<Arc<ConfigSnapshot>>,
    caught_up: watch::Receiver<bool>,
}

impl ConfigLog {
    /// Starts following `en.config` from its beginning. The returned task ends when `shutdown`
    /// is cancelled.
    pub fn start(
        settings: &KafkaSettings,
        registry: &Registry,
        shutdown: CancellationToken,
    ) -> anyhow::Result<(Self, JoinHandle<()>)> {
        let metrics = ConfigMetrics::register(registry)?;
        let topic = settings.topic(Topic::Config);
        let consumer: StreamConsumer<EofAwareContext> = settings
            .consumer_config(ConsumerProfile::Follower {
                name: "config-reader",
            })
            .create_with_context(EofAwareContext)
            .context("cannot create the config consumer")?;
        let mut assignment = TopicPartitionList::new();
        assignment
            .add_partition_offset(&topic, 0, Offset::Beginning)
            .context("cannot build the config assignment")?;
        consumer
            .assign(&assignment)
            .context("cannot assign the config topic")?;

        let (snapshot_tx, snapshots) = watch::channel(Arc::new(ConfigSnapshot::default()));
        let (caught_up_tx, caught_up) = watch::channel(false);
        let span = tracing::info_span!("config_log", topic = %topic);
        let task = tokio::spawn(
            follow(consumer, snapshot_tx, caught_up_tx, metrics, shutdown).instrument(span),
        );
        Ok((
            Self {
                snapshots,
                caught_up,
            },
            task,
        ))
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> Arc<ConfigSnapshot> {
        self.snapshots.borrow().clone()
    }

    /// A receiver that sees every published snapshot.
    pub fn subscribe(&self) -> watch::Receiver<Arc<ConfigSnapshot>> {
        self.snapshots.clone()
    }

    /// Whether the reader has reached the end of the topic at least once.
    pub fn is_caught_up(&self) -> bool {
        *self.caught_up.borrow()
    }

    /// Waits until the reader has reached the end of the topic, up to `timeout`.
    pub async fn wait_caught_up(&self, timeout: Duration) -> bool {
        let mut rx = self.caught_up.clone();
        tokio::time::timeout(timeout, rx.wait_for(|c| *c))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Waits until the record at `offset` is applied (read-your-writes), up to `timeout`.
    pub async fn wait_for_offset(&self, offset: i64, timeout: Duration) -> bool {
        let mut rx = self.snapshots.clone();
        tokio::time::timeout(timeout, rx.wait_for(|s| s.position > offset))
            .await
            .is_ok_and(|r| r.is_ok())
    }
}

async fn follow(
    consumer: StreamConsumer<EofAwareContext>,
    snapshots: watch::Sender<Arc<ConfigSnapshot>>,
    caught_up: watch::Sender<bool>,
    metrics: ConfigMetrics,
    shutdown: CancellationToken,
) {
    let mut current = ConfigSnapshot::default();
    let mut is_caught_up = false;
    loop {
        let received = tokio::select! {
            () = shutdown.cancelled() => break,
            received = consumer.recv() => received,
        };
        match received {
            Ok(message) => {
                current.position = message.offset() + 1;
                metrics.position.set(current.position);
                match message.payload().map(Envelope::<ConfigEvent>::from_bytes) {
                    Some(Ok(envelope)) => {
                        current.apply(&envelope.payload.change);
                        metrics.events.with_label_values(&["applied"]).inc();
                    }
                    Some(Err(e)) => {
                        metrics.events.with_label_values(&["undecodable"]).inc();
                        tracing::warn!(offset = message.offset(), error = %e, "Skipping undecodable config event");
                    }
                    None => {
                        // A tombstone: nothing to apply (deletions are explicit events).
                        metrics.events.with_label_values(&["tombstone"]).inc();
                    }
                }
                if is_caught_up {
                    snapshots.send_replace(Arc::new(current.clone()));
                }
            }
            Err(KafkaError::PartitionEOF(_)) => {
                snapshots.send_replace(Arc::new(current.clone()));
                if !is_caught_up {
                    is_caught_up = true;
                    caught_up.send_replace(true);
                    tracing::info!(position = current.position, "Configuration caught up");
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "Config consumer error; retrying");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}
