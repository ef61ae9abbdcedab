//! Where configuration events go and where the current configuration comes from.
//!
//! [`ConfigStore`] is the small seam between the admin's logic and Kafka: the service uses
//! [`KafkaStore`] (produce to `en.config` and `en.config.audit`, follow `en.config` through a
//! [`ConfigLog`](config::ConfigLog)); router and JWKS tests, and the console's tests,
//! use [`MemoryStore`], which applies events synchronously.

mod audit;
mod kafka;
mod memory;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use config::ConfigSnapshot;
use futures::future::BoxFuture;
use schemas::config::ConfigEvent;
use schemas::Envelope;
use serde::Serialize;

pub use kafka::KafkaStore;
pub use memory::MemoryStore;

/// One event of the audit trail, with its position.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// Offset in `en.config.audit`.
    pub offset: i64,
    /// The event as it was written to `en.config`.
    #[serde(flatten)]
    pub event: Envelope<ConfigEvent>,
}

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The broker did not acknowledge the event; it may not be durable.
    #[error("event not acknowledged: {0}")]
    NotAcknowledged(#[from] platform::kafka::ProduceError),
    /// The audit trail could not be read.
    #[error("cannot read the audit trail: {0}")]
    AuditRead(String),
}

/// The configuration log as the admin sees it.
pub trait ConfigStore: Send + Sync + fmt::Debug {
    /// The current configuration.
    fn snapshot(&self) -> Arc<ConfigSnapshot>;

    /// Whether the configuration has been read up to the end of the log at least once; before
    /// that, uniqueness checks and id allocation would be made against a partial view.
    fn is_ready(&self) -> bool;

    /// Appends `event` to `en.config` under `key`, returning its offset once durable.
    fn append<'a>(
        &'a self,
        key: &'a str,
        event: &'a Envelope<ConfigEvent>,
    ) -> BoxFuture<'a, Result<i64, StoreError>>;

    /// Appends a copy of `event` to the audit trail.
    fn append_audit<'a>(
        &'a self,
        key: &'a str,
        event: &'a Envelope<ConfigEvent>,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Waits until the event at `offset` shows in [`snapshot`](Self::snapshot); false on timeout.
    fn wait_visible(&self, offset: i64, timeout: Duration) -> BoxFuture<'_, bool>;

    /// The last `limit` audit events, newest first.
    fn recent_audit(&self, limit: usize) -> BoxFuture<'_, Result<Vec<AuditEntry>, StoreError>>;
}
