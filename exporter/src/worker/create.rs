//! Cutting batches: for every export config active at the effective now
//! (`now - MIN_WINDOW_AGE`), the windows [`batch_windows`] decides after its latest batch.

use chrono::{DateTime, Utc};
use config::ConfigSnapshot;

use super::{ExportContext, ExportError};
use crate::batching::ranges::batch_windows;
use crate::repository::batches::{self, Batch};

/// Whether a config is cut at the effective now: `from < effective` and (`thru` unset or
/// `thru > effective`).
pub fn is_active(config: &schemas::config::ExportConfig, effective: DateTime<Utc>) -> bool {
    config.from < effective && config.thru.is_none_or(|thru| thru > effective)
}

/// Cuts the due batches of every active config. A failing config does not stop the others;
/// the first error is returned after all were tried.
pub async fn create_batches(
    ctx: &ExportContext,
    snapshot: &ConfigSnapshot,
    now: DateTime<Utc>,
) -> Result<Vec<Batch>, ExportError> {
    let age = chrono::Duration::from_std(ctx.settings.min_window_age).unwrap_or_default();
    let effective = now - age;
    let truncate = i64::try_from(ctx.settings.truncate_window.as_secs()).unwrap_or(3600);
    let mut created = Vec::new();
    let mut first_error = None;
    for config in snapshot
        .export_configs()
        .filter(|c| is_active(c, effective))
    {
        let windows = |latest| {
            batch_windows(
                config.period_seconds,
                latest,
                effective.timestamp(),
                truncate,
            )
        };
        match batches::create_batches(&ctx.pool, config, windows).await {
            Ok(new) => {
                ctx.metrics.batches_created.inc_by(new.len() as u64);
                for batch in &new {
                    tracing::debug!(config_id = config.id, batch_id = batch.batch_id, start = %batch.start, end = %batch.end, "Batch created");
                }
                created.extend(new);
            }
            Err(e) => {
                tracing::error!(config_id = config.id, error = %e, "Cannot create batches");
                first_error.get_or_insert(ExportError::from(e));
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(created),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// Conformance case C26.
    #[test]
    fn configs_active_at_now() {
        let now = Utc
            .timestamp_opt(1_700_000_000, 0)
            .single()
            .unwrap_or_default();
        let m = chrono::Duration::minutes(1);
        let h = chrono::Duration::hours(1);
        let config = |from, thru| schemas::config::ExportConfig {
            id: 1,
            filename_root: "r".into(),
            period_seconds: 3600,
            output_region: "US".into(),
            input_regions: vec![],
            exclude_regions: vec![],
            include_travelers: false,
            only_non_travelers: false,
            from,
            thru,
            max_records_override: None,
            signature_info_ids: vec![],
        };
        assert!(is_active(&config(now - m, Some(now + m)), now));
        assert!(is_active(&config(now - m, None), now));
        assert!(!is_active(&config(now - h, Some(now - m)), now));
        assert!(!is_active(&config(now + m, None), now));
    }
}
