//! Metrics of the exporter (counters end in `_total`; labels from small fixed sets).

use platform::metrics::Registrar;
use prometheus::{Gauge, Histogram, IntCounter, IntCounterVec, Registry};

/// The exporter's metrics.
#[derive(Debug, Clone)]
pub struct ExportMetrics {
    /// Batches cut.
    pub batches_created: IntCounter,
    /// Batches processed, by `result` (`complete`, `empty`, `skipped_locked`, or an error
    /// reason such as `no_signers`).
    pub batches: IntCounterVec,
    /// Files written.
    pub files_written: IntCounter,
    /// Keys written into files, by `kind` (`primary`, `revised`, `padding`).
    pub keys_exported: IntCounterVec,
    /// Stored keys skipped because they are not 16 bytes.
    pub keys_dropped: IntCounter,
    /// Export files deleted by the cleanup.
    pub files_deleted: IntCounter,
    /// Job failures, by `job` (`create_batches`, `freshness`, `work`, `cleanup`, `index`).
    pub job_failures: IntCounterVec,
    /// Seconds to build, sign and store one batch's files.
    pub batch_seconds: Histogram,
    /// Seconds the stalest active export config is behind (the freshness rules).
    pub late_seconds: Gauge,
    /// Unix time of the end of the newest completed batch (0 before the first).
    pub newest_batch_end: Gauge,
    /// Unix time until which every active export config has an active signature info.
    pub signers_valid_until: Gauge,
}

impl ExportMetrics {
    /// Registers the metrics in `registry`.
    pub fn register(registry: &Registry) -> anyhow::Result<Self> {
        let r = Registrar::new(registry);
        Ok(Self {
            batches_created: r.counter(
                "export_batches_created_total",
                "Export batches cut from export configs",
            )?,
            batches: r.counters(
                "export_batches_total",
                "Export batches processed, by result",
                &["result"],
            )?,
            files_written: r.counter("export_files_written_total", "Export files written")?,
            keys_exported: r.counters(
                "export_keys_total",
                "Keys written into export files, by kind",
                &["kind"],
            )?,
            keys_dropped: r.counter(
                "export_keys_dropped_total",
                "Stored keys skipped because they are not 16 bytes",
            )?,
            files_deleted: r.counter(
                "export_files_deleted_total",
                "Export files deleted past retention",
            )?,
            job_failures: r.counters(
                "export_job_failures_total",
                "Failed exporter job runs, by job",
                &["job"],
            )?,
            batch_seconds: r.histogram(
                "export_batch_seconds",
                "Seconds to build, sign and store one batch",
                &[0.01, 0.05, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0],
            )?,
            late_seconds: r.gauge(
                "export_late_seconds",
                "Seconds the stalest active export config is behind, beyond one period",
            )?,
            newest_batch_end: r.gauge(
                "export_newest_batch_end_timestamp_seconds",
                "Unix time of the end of the newest completed export batch",
            )?,
            signers_valid_until: r.gauge(
                "export_signers_valid_until_timestamp_seconds",
                "Unix time until which every active export config has an active signing key",
            )?,
        })
    }
}
