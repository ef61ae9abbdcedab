//! The in-memory configuration every service holds, following the compacted `en.config` topic.
//!
//! At start-up [`ConfigLog::start`] reads the topic from its first offset, applying each
//! [`ConfigEvent`] to a [`ConfigSnapshot`]; once it reaches the end it publishes the snapshot and
//! reports itself caught up, then keeps following the topic and publishes a new immutable
//! snapshot after every change (readers swap `Arc`s, never lock). Changes therefore reach every
//! service within the consumer's fetch latency, well under a second, without restarts.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use prometheus::{IntCounterVec, IntGauge, Opts, Registry};
use rdkafka::client::ClientContext;
use rdkafka::consumer::{Consumer, ConsumerContext, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Offset, TopicPartitionList};
use schemas::config::{
    AuthorizedApp, ConfigChange, ConfigEvent, ExportConfig, HealthAuthority, HealthAuthorityKey,
    SignatureInfo,
};
use schemas::topics::Topic;
use schemas::Envelope;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use crate::kafka::KafkaSettings;

/// The configuration as of one position of `en.config`. Immutable once published.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigSnapshot {
    health_authorities: BTreeMap<i64, HealthAuthority>,
    keys: BTreeMap<(i64, String), HealthAuthorityKey>,
    apps: BTreeMap<String, AuthorizedApp>,
    export_configs: BTreeMap<i64, ExportConfig>,
    signature_infos: BTreeMap<i64, SignatureInfo>,
    /// Offset of the next record to read: every record before it is applied.
    position: i64,
}

impl ConfigSnapshot {
    /// Applies one change.
    pub fn apply(&mut self, change: &ConfigChange) {
        match change {
            ConfigChange::HealthAuthoritySaved { entity } => {
                self.health_authorities.insert(entity.id, entity.clone());
            }
            ConfigChange::HealthAuthorityKeySaved { entity } => {
                self.keys.insert(
                    (entity.health_authority_id, entity.version.clone()),
                    entity.clone(),
                );
            }
            ConfigChange::HealthAuthorityKeyDeleted {
                health_authority_id,
                version,
            } => {
                self.keys.remove(&(*health_authority_id, version.clone()));
            }
            ConfigChange::AuthorizedAppSaved { entity } => {
                self.apps
                    .insert(entity.health_authority_id.to_lowercase(), entity.clone());
            }
            ConfigChange::AuthorizedAppDeleted {
                health_authority_id,
            } => {
                self.apps.remove(&health_authority_id.to_lowercase());
            }
            ConfigChange::ExportConfigSaved { entity } => {
                self.export_configs.insert(entity.id, entity.clone());
            }
            ConfigChange::SignatureInfoSaved { entity } => {
                self.signature_infos.insert(entity.id, entity.clone());
            }
        }
    }

    /// Offset of the next `en.config` record not yet applied.
    pub fn position(&self) -> i64 {
        self.position
    }

    /// A health authority by id.
    pub fn health_authority(&self, id: i64) -> Option<&HealthAuthority> {
        self.health_authorities.get(&id)
    }

    /// The health authority whose certificates carry `issuer`.
    pub fn health_authority_by_issuer(&self, issuer: &str) -> Option<&HealthAuthority> {
        self.health_authorities
            .values()
            .find(|ha| ha.issuer == issuer)
    }

    /// All health authorities, by id.
    pub fn health_authorities(&self) -> impl Iterator<Item = &HealthAuthority> {
        self.health_authorities.values()
    }

    /// The id the next new health authority gets.
    pub fn next_health_authority_id(&self) -> i64 {
        self.health_authorities
            .keys()
            .next_back()
            .map_or(1, |id| id + 1)
    }

    /// Keys of one health authority, by version.
    pub fn keys_of(&self, health_authority_id: i64) -> impl Iterator<Item = &HealthAuthorityKey> {
        self.keys
            .range((health_authority_id, String::new())..)
            .take_while(move |((id, _), _)| *id == health_authority_id)
            .map(|(_, key)| key)
    }

    /// One key of a health authority.
    pub fn key(&self, health_authority_id: i64, version: &str) -> Option<&HealthAuthorityKey> {
        self.keys.get(&(health_authority_id, version.to_owned()))
    }

    /// The authorized app for a `healthAuthorityID` (case-insensitive).
    pub fn app(&self, health_authority_id: &str) -> Option<&AuthorizedApp> {
        self.apps.get(&health_authority_id.to_lowercase())
    }

    /// All authorized apps, by name.
    pub fn apps(&self) -> impl Iterator<Item = &AuthorizedApp> {
        self.apps.values()
    }

    /// An export config by id.
    pub fn export_config(&self, id: i64) -> Option<&ExportConfig> {
        self.export_configs.get(&id)
    }

    /// All export configs, by id.
    pub fn export_configs(&self) -> impl Iterator<Item = &ExportConfig> {
        self.export_configs.values()
    }

    /// The id the next new export config gets.
    pub fn next_export_config_id(&self) -> i64 {
        self.export_configs
            .keys()
            .next_back()
            .map_or(1, |id| id + 1)
    }

    /// A signature info by id.
    pub fn signature_info(&self, id: i64) -> Option<&SignatureInfo> {
        self.signature_infos.get(&id)
    }

    /// All signature infos, by id.
    pub fn signature_infos(&self) -> impl Iterator<Item = &SignatureInfo> {
        self.signature_infos.values()
    }

    /// The id the next new signature info gets.
    pub fn next_signature_info_id(&self) -> i64 {
        self.signature_infos
            .keys()
            .next_back()
            .map_or(1, |id| id + 1)
    }
}

/// Metrics of the config reader.
#[derive(Debug, Clone)]
struct ConfigMetrics {
    events: IntCounterVec,
    position: IntGauge,
}

impl ConfigMetrics {
    fn register(registry: &Registry) -> anyhow::Result<Self> {
        let events = IntCounterVec::new(
            Opts::new(
                "config_events_total",
                "Configuration events read, by result",
            ),
            &["result"],
        )?;
        let position = IntGauge::new("config_position", "Next en.config offset to apply")?;
        registry.register(Box::new(events.clone()))?;
        registry.register(Box::new(position.clone()))?;
        Ok(Self { events, position })
    }
}

/// Client context of consumers that read to the end of a partition (`enable.partition.eof`).
///
/// librdkafka reports every "reached the end of the partition" as an error event too, and
/// rdkafka's default context logs each one at ERROR level, so a reader following `en.config`
/// would log an error after every configuration change. This context drops those (the consumer
/// still receives them as [`KafkaError::PartitionEOF`]) and logs real client errors as warnings:
/// librdkafka retries them itself, and callers see the ones that matter.
#[derive(Debug, Clone, Copy, Default)]
pub struct EofAwareContext;

impl ClientContext for EofAwareContext {
    fn error(&self, error: KafkaError, reason: &str) {
        match error {
            KafkaError::Global(RDKafkaErrorCode::PartitionEOF) | KafkaError::PartitionEOF(_) => {
                tracing::trace!(reason, "Partition end reached");
            }
            other => tracing::warn!(error = %other, reason, "Kafka client error"),
        }
    }
}

impl ConsumerContext for EofAwareContext {}

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
            .client_config()
            .set(
                "group.id",
                format!("config-reader-{}", uuid::Uuid::new_v4()),
            )
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("enable.partition.eof", "true")
            .set("auto.offset.reset", "earliest")
            .set("fetch.wait.max.ms", crate::kafka::FETCH_WAIT_MAX_MS)
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
