//! The single path by which configuration changes are written.
//!
//! **The admin service is the only writer of `en.config`, and writes are serialised by one
//! mutex in this process.** Two rules need it: ids of new entities are allocated as
//! "highest id + 1" of the current snapshot ([`ids`]), and uniqueness (issuer, app id, key version) is
//! checked against the snapshot. Both are only sound if no other write lands between the check
//! and the event becoming visible. So a write, under the lock:
//!
//! 1. refuses to run before the configuration has been read to the end of the log (503);
//! 2. waits until the previous write is visible in the snapshot;
//! 3. lets the caller decide the events from the snapshot and the current time (pure rules in
//!    [`crate::validation`]);
//! 4. produces each event to `en.config` and awaits the broker's acknowledgement (`acks=all`,
//!    idempotent producer), then a copy to `en.config.audit`;
//! 5. waits until the snapshot shows the last event, so the response (and any `GET` after it)
//!    reflects the change.
//!
//! Running a second admin instance against the same topics would break these guarantees; run
//! one (a restart is fine: the new instance reads the log before accepting writes). The audit
//! copy is written after the change is durable; if it fails, the change stands and the failure
//! is logged and counted (`admin_audit_write_failures_total`).

mod decision;
mod numbered;

pub use decision::{Decision, Saved};
pub use numbered::NumberedEntity;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use config::ConfigSnapshot;
use schemas::config::ConfigEvent;
use schemas::Envelope;
use tokio::sync::Mutex;

use crate::metrics::AdminMetrics;
use crate::store::{ConfigStore, StoreError};
use crate::validation::{KeyAction, Rejection, ValidationError};

/// What kind of write is made, for metrics and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteKind {
    HealthAuthorityCreate,
    HealthAuthorityUpdate,
    KeyAdd,
    KeyRevoke,
    KeyReinstate,
    KeyActivate,
    AppCreate,
    AppUpdate,
    AppDelete,
    JwksSync,
    ExportConfigCreate,
    ExportConfigUpdate,
    SignatureInfoCreate,
    SignatureInfoUpdate,
}

impl WriteKind {
    /// The metric label.
    pub fn label(self) -> &'static str {
        match self {
            WriteKind::HealthAuthorityCreate => "health_authority_create",
            WriteKind::HealthAuthorityUpdate => "health_authority_update",
            WriteKind::KeyAdd => "key_add",
            WriteKind::KeyRevoke => "key_revoke",
            WriteKind::KeyReinstate => "key_reinstate",
            WriteKind::KeyActivate => "key_activate",
            WriteKind::AppCreate => "app_create",
            WriteKind::AppUpdate => "app_update",
            WriteKind::AppDelete => "app_delete",
            WriteKind::JwksSync => "jwks_sync",
            WriteKind::ExportConfigCreate => "export_config_create",
            WriteKind::ExportConfigUpdate => "export_config_update",
            WriteKind::SignatureInfoCreate => "signature_info_create",
            WriteKind::SignatureInfoUpdate => "signature_info_update",
        }
    }
}

impl From<KeyAction> for WriteKind {
    fn from(action: KeyAction) -> Self {
        match action {
            KeyAction::Revoke => WriteKind::KeyRevoke,
            KeyAction::Reinstate => WriteKind::KeyReinstate,
            KeyAction::Activate => WriteKind::KeyActivate,
        }
    }
}

/// Why a write did not happen.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The rules refused the change; nothing was written.
    #[error(transparent)]
    Rejected(#[from] ValidationError),
    /// The configuration is not loaded yet, or a previous write is not visible yet.
    #[error("the configuration is still loading; retry shortly")]
    NotReady,
    /// Kafka did not acknowledge the change. `written` events of the decision were durable.
    #[error("the configuration log did not acknowledge the change")]
    Unavailable {
        written: usize,
        #[source]
        source: StoreError,
    },
}

impl WriteError {
    fn label(&self) -> &'static str {
        match self {
            WriteError::Rejected(e) => match e.rejection {
                Rejection::Invalid => "invalid",
                Rejection::NotFound => "not_found",
                Rejection::Conflict => "conflict",
            },
            WriteError::NotReady | WriteError::Unavailable { .. } => "unavailable",
        }
    }
}

/// Position of the last event this process wrote; guarded by the write lock.
#[derive(Debug, Default)]
struct WriterState {
    last_offset: Option<i64>,
}

/// Serialised writer of configuration events.
#[derive(Debug)]
pub struct ConfigWriter {
    store: Arc<dyn ConfigStore>,
    lock: Mutex<WriterState>,
    metrics: AdminMetrics,
    visibility_timeout: Duration,
}

impl ConfigWriter {
    /// A writer over `store`; `visibility_timeout` bounds each wait for the snapshot.
    pub fn new(
        store: Arc<dyn ConfigStore>,
        metrics: AdminMetrics,
        visibility_timeout: Duration,
    ) -> Self {
        Self {
            store,
            lock: Mutex::new(WriterState::default()),
            metrics,
            visibility_timeout,
        }
    }

    /// The current configuration (for reads; no lock).
    pub fn snapshot(&self) -> Arc<ConfigSnapshot> {
        self.store.snapshot()
    }

    /// The store (for reading the audit trail).
    pub fn store(&self) -> &Arc<dyn ConfigStore> {
        &self.store
    }

    /// The metrics.
    pub fn metrics(&self) -> &AdminMetrics {
        &self.metrics
    }

    /// Makes one change: `decide` turns the current snapshot and time into events, which are
    /// then made durable and visible (see the module docs). Returns `decide`'s result.
    pub async fn write<T>(
        &self,
        actor: &str,
        kind: WriteKind,
        decide: impl FnOnce(&ConfigSnapshot, DateTime<Utc>) -> Result<Decision<T>, ValidationError>,
    ) -> Result<T, WriteError> {
        let outcome = self.write_locked(actor, kind, decide).await;
        let result = match &outcome {
            Ok(_) => "ok",
            Err(e) => e.label(),
        };
        self.metrics.config_write(kind.label(), result);
        outcome
    }

    async fn write_locked<T>(
        &self,
        actor: &str,
        kind: WriteKind,
        decide: impl FnOnce(&ConfigSnapshot, DateTime<Utc>) -> Result<Decision<T>, ValidationError>,
    ) -> Result<T, WriteError> {
        let mut state = self.lock.lock().await;
        if !self.store.is_ready() {
            return Err(WriteError::NotReady);
        }
        if let Some(last) = state.last_offset {
            if !self.store.wait_visible(last, self.visibility_timeout).await {
                tracing::warn!(
                    offset = last,
                    "Previous configuration change is not visible yet"
                );
                return Err(WriteError::NotReady);
            }
        }
        let snapshot = self.store.snapshot();
        let now = Utc::now();
        let decision = decide(&snapshot, now)?;
        let count = decision.changes.len();
        let mut last = None;
        for (written, change) in decision.changes.into_iter().enumerate() {
            let key = change.entity_key();
            let event = Envelope::at(
                ConfigEvent {
                    actor: actor.to_owned(),
                    change,
                },
                None,
                now,
            );
            let offset = match self.store.append(&key, &event).await {
                Ok(offset) => offset,
                Err(source) => {
                    tracing::error!(kind = kind.label(), entity = %key, written, error = %source, "Configuration change not saved");
                    return Err(WriteError::Unavailable { written, source });
                }
            };
            state.last_offset = Some(offset);
            last = Some(offset);
            tracing::info!(kind = kind.label(), entity = %key, actor, offset, event_id = %event.event_id, "Configuration changed");
            if let Err(e) = self.store.append_audit(&key, &event).await {
                self.metrics.audit_failure();
                tracing::error!(entity = %key, offset, error = %e, "Configuration change saved, but its audit copy failed");
            }
        }
        if let Some(offset) = last {
            if !self
                .store
                .wait_visible(offset, self.visibility_timeout)
                .await
            {
                tracing::warn!(
                    offset,
                    events = count,
                    "Configuration change is durable but not visible yet"
                );
            }
        }
        Ok(decision.result)
    }
}
