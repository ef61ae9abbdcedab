//! Prometheus metrics of the admin service. Labels come from small fixed sets.

use platform::metrics::Registrar;
use prometheus::{IntCounter, IntCounterVec, Registry};

/// Counters of the admin service.
#[derive(Debug, Clone)]
pub struct AdminMetrics {
    config_writes: IntCounterVec,
    audit_failures: IntCounter,
    auth_failures: IntCounterVec,
    jwks_runs: IntCounterVec,
    jwks_failures: IntCounterVec,
    jwks_keys: IntCounterVec,
}

impl AdminMetrics {
    /// Creates the metrics and registers them in `registry`.
    pub fn register(registry: &Registry) -> anyhow::Result<Self> {
        let r = Registrar::new(registry);
        Ok(Self {
            config_writes: r.counters(
                "admin_config_writes_total",
                "Configuration write requests, by kind of write and result",
                &["kind", "result"],
            )?,
            audit_failures: r.counter(
                "admin_audit_write_failures_total",
                "Configuration events saved whose copy to the audit trail failed",
            )?,
            auth_failures: r.counters(
                "admin_auth_failures_total",
                "Admin API requests refused for a missing or wrong token",
                &["reason"],
            )?,
            jwks_runs: r.counters(
                "admin_jwks_sync_runs_total",
                "JWKS sync runs, by result (failed = at least one health authority failed)",
                &["result"],
            )?,
            jwks_failures: r.counters(
                "admin_jwks_sync_failures_total",
                "Health authorities whose JWKS sync failed, by reason",
                &["reason"],
            )?,
            jwks_keys: r.counters(
                "admin_jwks_sync_keys_total",
                "Keys changed by the JWKS sync, by action",
                &["action"],
            )?,
        })
    }

    /// Counts one configuration write (`result`: ok, invalid, not_found, conflict, unavailable).
    pub fn config_write(&self, kind: &str, result: &str) {
        self.config_writes.with_label_values(&[kind, result]).inc();
    }

    /// Counts an audit copy that could not be written.
    pub fn audit_failure(&self) {
        self.audit_failures.inc();
    }

    /// Counts a refused request (`reason`: missing, invalid).
    pub fn auth_failure(&self, reason: &str) {
        self.auth_failures.with_label_values(&[reason]).inc();
    }

    /// Counts a JWKS sync run (`result`: ok, failed).
    pub fn jwks_run(&self, result: &str) {
        self.jwks_runs.with_label_values(&[result]).inc();
    }

    /// Counts a failed health authority in a JWKS sync run.
    pub fn jwks_failure(&self, reason: &str) {
        self.jwks_failures.with_label_values(&[reason]).inc();
    }

    /// Counts keys changed by the JWKS sync (`action`: added, revoked, deleted).
    pub fn jwks_keys(&self, action: &str, count: usize) {
        self.jwks_keys
            .with_label_values(&[action])
            .inc_by(u64::try_from(count).unwrap_or(u64::MAX));
    }
}
