//! Prometheus metrics of the projector.

use platform::metrics::Registrar;
use prometheus::{Histogram, IntCounter, IntCounterVec, IntGaugeVec, Registry};

/// Projector metrics.
#[derive(Debug, Clone)]
pub struct Metrics {
    /// Publish outcomes by result (`ok`, `partial_failure`, error codes).
    pub outcomes: IntCounterVec,
    /// Keys inserted.
    pub keys_inserted: IntCounter,
    /// Keys revised.
    pub keys_revised: IntCounter,
    /// Redelivered records skipped (already applied).
    pub duplicates: IntCounter,
    /// Records that were not decodable events.
    pub undecodable: IntCounter,
    /// Events per transaction.
    pub batch_size: Histogram,
    /// Seconds per PostgreSQL transaction (begin to commit).
    pub transaction_seconds: Histogram,
    /// Failed transactions (retried).
    pub transaction_failures: IntCounter,
    /// Times the consumer was found past the store and went back to the store's position.
    pub rewinds: IntCounter,
    /// Records behind the partition's high watermark, per partition.
    pub lag: IntGaugeVec,
    /// Received events (per partition of `en.publish.received`) not yet applied to the store:
    /// the processor's and the projector's lag together.
    pub pipeline_lag: IntGaugeVec,
    /// Keys deleted by the retention cleanup.
    pub keys_expired: IntCounter,
}

impl Metrics {
    /// Creates and registers every metric.
    pub fn register(registry: &Registry) -> anyhow::Result<Self> {
        let r = Registrar::new(registry);
        Ok(Self {
            outcomes: r.counters(
                "projector_outcomes_total",
                "Publish outcomes, by result",
                &["result"],
            )?,
            keys_inserted: r.counter("projector_keys_inserted_total", "Keys inserted")?,
            keys_revised: r.counter("projector_keys_revised_total", "Keys revised")?,
            duplicates: r.counter(
                "projector_duplicates_skipped_total",
                "Redelivered records skipped because they were already applied",
            )?,
            undecodable: r.counter(
                "projector_undecodable_total",
                "Records that were not decodable events",
            )?,
            batch_size: r.histogram(
                "projector_batch_events",
                "Events per PostgreSQL transaction",
                &[
                    1.0, 2.0, 5.0, 10.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2000.0,
                ],
            )?,
            transaction_seconds: r.histogram(
                "projector_transaction_seconds",
                "Duration of a PostgreSQL transaction, begin to commit",
                prometheus::DEFAULT_BUCKETS,
            )?,
            transaction_failures: r.counter(
                "projector_transaction_failures_total",
                "Transactions that failed and were retried",
            )?,
            rewinds: r.counter(
                "projector_rewinds_total",
                "Times the consumer was past the store's position and read again from it",
            )?,
            lag: r.int_gauges(
                "projector_consumer_lag",
                "Records behind the high watermark",
                &["partition"],
            )?,
            pipeline_lag: r.int_gauges(
                "projector_pipeline_lag",
                "Received events behind the high watermark of en.publish.received, against the source offsets stored with the data",
                &["partition"],
            )?,
            keys_expired: r.counter("projector_keys_expired_total", "Keys deleted by retention")?,
        })
    }
}
