//! An in-memory [`ConfigStore`] for tests: events apply at once, offsets count from 0.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use config::ConfigSnapshot;
use futures::future::BoxFuture;
use futures::FutureExt as _;
use platform::kafka::ProduceError;
use schemas::config::ConfigEvent;
use schemas::Envelope;

use super::{AuditEntry, ConfigStore, StoreError};

#[derive(Debug, Default)]
struct State {
    snapshot: Arc<ConfigSnapshot>,
    log: Vec<(String, Envelope<ConfigEvent>)>,
    audit: Vec<AuditEntry>,
    unavailable: bool,
}

/// Configuration held in memory; every appended event is applied immediately.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    /// An empty configuration.
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave `State` half-updated in a way that matters
        // to tests, so a poisoned lock is simply taken over.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Makes later appends fail as if the broker were down (or recover).
    pub fn set_unavailable(&self, unavailable: bool) {
        self.state().unavailable = unavailable;
    }

    /// Every `(key, event)` appended to the configuration log, in order.
    pub fn events(&self) -> Vec<(String, Envelope<ConfigEvent>)> {
        self.state().log.clone()
    }
}

impl ConfigStore for MemoryStore {
    fn snapshot(&self) -> Arc<ConfigSnapshot> {
        self.state().snapshot.clone()
    }

    fn is_ready(&self) -> bool {
        true
    }

    fn append<'a>(
        &'a self,
        key: &'a str,
        event: &'a Envelope<ConfigEvent>,
    ) -> BoxFuture<'a, Result<i64, StoreError>> {
        let result = {
            let mut state = self.state();
            if state.unavailable {
                Err(StoreError::NotAcknowledged(ProduceError::NotAcknowledged(
                    rdkafka::error::KafkaError::Canceled,
                )))
            } else {
                let mut snapshot = (*state.snapshot).clone();
                snapshot.apply(&event.payload.change);
                state.snapshot = Arc::new(snapshot);
                state.log.push((key.to_owned(), event.clone()));
                Ok(i64::try_from(state.log.len()).unwrap_or(i64::MAX) - 1)
            }
        };
        futures::future::ready(result).boxed()
    }

    fn append_audit<'a>(
        &'a self,
        _key: &'a str,
        event: &'a Envelope<ConfigEvent>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let mut state = self.state();
        let offset = i64::try_from(state.audit.len()).unwrap_or(i64::MAX);
        state.audit.push(AuditEntry {
            offset,
            event: event.clone(),
        });
        futures::future::ready(Ok(())).boxed()
    }

    fn wait_visible(&self, _offset: i64, _timeout: Duration) -> BoxFuture<'_, bool> {
        futures::future::ready(true).boxed()
    }

    fn recent_audit(&self, limit: usize) -> BoxFuture<'_, Result<Vec<AuditEntry>, StoreError>> {
        let entries = self
            .state()
            .audit
            .iter()
            .rev()
            .take(limit)
            .cloned()
            .collect();
        futures::future::ready(Ok(entries)).boxed()
    }
}
