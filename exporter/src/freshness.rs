//! Export freshness and signing-key validity as metrics, for the alert rules and dashboards:
//! how late the stalest export config's batches are, when the newest batch ended, and the
//! earliest moment an export config runs out of active signature infos. Pure rules here; the
//! jobs' freshness timer feeds them the newest completed batch per config from the database.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use config::ConfigSnapshot;
use schemas::config::ExportConfig;

use crate::metrics::ExportMetrics;
use crate::worker::ExportContext;

/// What the freshness gauges show at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Freshness {
    /// Seconds the stalest active export config is behind: now − end of its newest completed
    /// batch (or its `from` without one) − its period, never below 0. A healthy exporter keeps
    /// this near 0; it grows when batches are not cut or not completed.
    pub late_seconds: f64,
    /// Unix time of the end of the newest completed batch of any config (`None`: none yet).
    pub newest_batch_end: Option<f64>,
    /// Unix time until which every active export config has an active signature info
    /// (+∞ when none ends; now or earlier when a config has none left).
    pub signers_valid_until: f64,
}

/// Whether the config cuts batches at `now`.
fn is_active(config: &ExportConfig, now: DateTime<Utc>) -> bool {
    config.from <= now && config.thru.is_none_or(|thru| thru > now)
}

#[allow(clippy::cast_precision_loss)] // Unix seconds fit an f64 exactly
fn unix(t: DateTime<Utc>) -> f64 {
    t.timestamp() as f64
}

/// Computes the gauges from the configuration and the newest completed batch end per config.
pub fn assess(
    snapshot: &ConfigSnapshot,
    newest_complete: &BTreeMap<i64, DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Freshness {
    let mut late_seconds = 0.0_f64;
    let mut signers_valid_until = f64::INFINITY;
    for config in snapshot.export_configs().filter(|c| is_active(c, now)) {
        let newest = newest_complete
            .get(&config.id)
            .copied()
            .unwrap_or(config.from);
        #[allow(clippy::cast_precision_loss)]
        let behind = unix(now) - unix(newest) - config.period_seconds as f64;
        late_seconds = late_seconds.max(behind);
        let until = config
            .signature_info_ids
            .iter()
            .filter_map(|id| snapshot.signature_info(*id))
            .filter(|info| info.is_active_at(now))
            .map(|info| info.thru.map_or(f64::INFINITY, unix))
            .fold(unix(now), f64::max);
        signers_valid_until = signers_valid_until.min(until);
    }
    Freshness {
        late_seconds,
        newest_batch_end: newest_complete.values().max().map(|t| unix(*t)),
        signers_valid_until,
    }
}

impl ExportMetrics {
    /// Sets the freshness gauges.
    pub fn set_freshness(&self, f: &Freshness) {
        self.late_seconds.set(f.late_seconds);
        if let Some(end) = f.newest_batch_end {
            self.newest_batch_end.set(end);
        }
        self.signers_valid_until.set(f.signers_valid_until);
    }
}

/// Reads the newest completed batches and updates the gauges.
pub async fn refresh(
    ctx: &ExportContext,
    snapshot: &ConfigSnapshot,
    now: DateTime<Utc>,
) -> Result<(), crate::repository::RepoError> {
    let newest = crate::repository::batches::newest_complete_ends(&ctx.pool).await?;
    ctx.metrics.set_freshness(&assess(snapshot, &newest, now));
    Ok(())
}

#[cfg(test)]
#[path = "freshness_tests.rs"]
mod tests;
