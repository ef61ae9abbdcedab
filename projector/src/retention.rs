//! Retention: keys are personal data with a short life; delete those released before
//! `now - EXPOSURE_RETENTION`, in bounded chunks so no transaction holds many locks; and the
//! health-authority statistics of the UTC days before that cutoff (whole days only).

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use crate::metrics::Metrics;
use crate::repository;
use crate::stats_repository;

const CHUNK: i64 = 10_000;

/// Deletes every key released before `now - retention`. Returns how many were deleted.
pub async fn cleanup(
    pool: &deadpool_postgres::Pool,
    now: DateTime<Utc>,
    retention: Duration,
) -> anyhow::Result<u64> {
    let cutoff = now - chrono::Duration::from_std(retention)?;
    let client = pool.get().await?;
    let stats = stats_repository::delete_expired(&**client, cutoff).await?;
    if stats > 0 {
        tracing::info!(
            deleted = stats,
            "Deleted expired health-authority statistics"
        );
    }
    let mut total = 0;
    loop {
        let deleted = repository::delete_expired(&**client, cutoff, CHUNK).await?;
        total += deleted;
        if deleted < u64::try_from(CHUNK).unwrap_or(u64::MAX) {
            return Ok(total);
        }
    }
}

/// Runs [`cleanup`] every `interval` until shutdown.
pub async fn run(
    pool: deadpool_postgres::Pool,
    retention: Duration,
    interval: Duration,
    metrics: Metrics,
    shutdown: CancellationToken,
) {
    loop {
        match cleanup(&pool, Utc::now(), retention).await {
            Ok(n) => {
                metrics.keys_expired.inc_by(n);
                if n > 0 {
                    tracing::info!(deleted = n, "Deleted expired keys");
                }
            }
            Err(e) => tracing::warn!(error = format!("{e:#}"), "Retention cleanup failed"),
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(interval) => {}
        }
    }
}
