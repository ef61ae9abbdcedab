//! Prometheus metrics of the projector.

use prometheus::{
    Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGaugeVec, Opts, Registry,
};

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
    pub fn register(registry: &Registry) -> anyhow::Result<Self> {
        let m = Self {
            outcomes: IntCounterVec::new(
                Opts::new("projector_outcomes_total", "Publish outcomes, by result"),
                &["result"],
            )?,
            keys_inserted: IntCounter::new("projector_keys_inserted_total", "Keys inserted")?,
            keys_revised: IntCounter::new("projector_keys_revised_total", "Keys revised")?,
            duplicates: IntCounter::new(
                "projector_duplicates_skipped_total",
                "Redelivered records skipped because they were already applied",
            )?,
            undecodable: IntCounter::new(
                "projector_undecodable_total",
                "Records that were not decodable events",
            )?,
            batch_size: Histogram::with_opts(
                HistogramOpts::new(
                    "projector_batch_events",
                    "Events per PostgreSQL transaction",
                )
                .buckets(vec![
                    1.0, 2.0, 5.0, 10.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2000.0,
                ]),
            )?,
            transaction_seconds: Histogram::with_opts(HistogramOpts::new(
                "projector_transaction_seconds",
                "Duration of a PostgreSQL transaction, begin to commit",
            ))?,
            transaction_failures: IntCounter::new(
                "projector_transaction_failures_total",
                "Transactions that failed and were retried",
            )?,
            rewinds: IntCounter::new(
                "projector_rewinds_total",
                "Times the consumer was past the store's position and read again from it",
            )?,
            lag: IntGaugeVec::new(
                Opts::new(
                    "projector_consumer_lag",
                    "Records behind the high watermark",
                ),
                &["partition"],
            )?,
            pipeline_lag: IntGaugeVec::new(
                Opts::new(
                    "projector_pipeline_lag",
                    "Received events behind the high watermark of en.publish.received, against the source offsets stored with the data",
                ),
                &["partition"],
            )?,
            keys_expired: IntCounter::new(
                "projector_keys_expired_total",
                "Keys deleted by retention",
            )?,
        };
        registry.register(Box::new(m.outcomes.clone()))?;
        registry.register(Box::new(m.keys_inserted.clone()))?;
        registry.register(Box::new(m.keys_revised.clone()))?;
        registry.register(Box::new(m.duplicates.clone()))?;
        registry.register(Box::new(m.undecodable.clone()))?;
        registry.register(Box::new(m.batch_size.clone()))?;
        registry.register(Box::new(m.transaction_seconds.clone()))?;
        registry.register(Box::new(m.transaction_failures.clone()))?;
        registry.register(Box::new(m.rewinds.clone()))?;
        registry.register(Box::new(m.lag.clone()))?;
        registry.register(Box::new(m.pipeline_lag.clone()))?;
        registry.register(Box::new(m.keys_expired.clone()))?;
        Ok(m)
    }
}
