//! The real [`ConfigStore`]: the idempotent producer (`acks=all`) writes to `en.config` and
//! `en.config.audit`; a [`ConfigLog`] following `en.config` provides the snapshot, so the admin
//! reads its own writes exactly as every other service will.

use platform::opaque::Opaque;
use std::sync::Arc;
use std::time::Duration;

use config::{ConfigLog, ConfigSnapshot};
use futures::future::BoxFuture;
use futures::FutureExt as _;
use platform::kafka::{produce, KafkaSettings};
use rdkafka::producer::FutureProducer;
use schemas::config::ConfigEvent;
use schemas::topics::Topic;
use schemas::Envelope;

use super::{audit, AuditEntry, ConfigStore, StoreError};

/// How long reading the audit trail may take before the request fails.
const AUDIT_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Kafka-backed configuration store.
#[derive(Debug)]
pub struct KafkaStore {
    settings: KafkaSettings,
    producer: Opaque<FutureProducer>,
    config: ConfigLog,
    config_topic: String,
    audit_topic: String,
}

impl KafkaStore {
    /// A store writing with `producer` and reading through `config`.
    pub fn new(settings: &KafkaSettings, producer: FutureProducer, config: ConfigLog) -> Self {
        Self {
            config_topic: settings.topic(Topic::Config),
            audit_topic: settings.topic(Topic::ConfigAudit),
            settings: settings.clone(),
            producer: Opaque(producer),
            config,
        }
    }
}

impl ConfigStore for KafkaStore {
    fn snapshot(&self) -> Arc<ConfigSnapshot> {
        self.config.snapshot()
    }

    fn is_ready(&self) -> bool {
        self.config.is_caught_up()
    }

    fn append<'a>(
        &'a self,
        key: &'a str,
        event: &'a Envelope<ConfigEvent>,
    ) -> BoxFuture<'a, Result<i64, StoreError>> {
        async move {
            let (_, offset) = produce(
                &self.producer,
                &self.config_topic,
                key,
                event,
                self.settings.produce_timeout,
            )
            .await?;
            Ok(offset)
        }
        .boxed()
    }

    fn append_audit<'a>(
        &'a self,
        key: &'a str,
        event: &'a Envelope<ConfigEvent>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        async move {
            produce(
                &self.producer,
                &self.audit_topic,
                key,
                event,
                self.settings.produce_timeout,
            )
            .await?;
            Ok(())
        }
        .boxed()
    }

    fn wait_visible(&self, offset: i64, timeout: Duration) -> BoxFuture<'_, bool> {
        self.config.wait_for_offset(offset, timeout).boxed()
    }

    fn recent_audit(&self, limit: usize) -> BoxFuture<'_, Result<Vec<AuditEntry>, StoreError>> {
        audit::read_recent(&self.settings, limit, AUDIT_READ_TIMEOUT).boxed()
    }
}
