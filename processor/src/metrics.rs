//! Prometheus metrics of the processor.

use platform::metrics::Registrar;
use prometheus::{Histogram, IntCounter, IntCounterVec, Registry};

/// Processor metrics.
#[derive(Debug, Clone)]
pub struct Metrics {
    /// Events by result: `processed`, `rejected`, `dead_letter`.
    pub events: IntCounterVec,
    /// Events per batch.
    pub batch_size: Histogram,
    /// Seconds from the first produce of a batch to its last acknowledgement.
    pub batch_seconds: Histogram,
    /// Batches produced again after a refused record.
    pub retries: IntCounter,
}

impl Metrics {
    /// Creates and registers every metric.
    pub fn register(registry: &Registry) -> anyhow::Result<Self> {
        let r = Registrar::new(registry);
        Ok(Self {
            events: r.counters(
                "processor_events_total",
                "Received events handled, by result",
                &["result"],
            )?,
            batch_size: r.histogram(
                "processor_batch_events",
                "Events per batch",
                &[1.0, 2.0, 5.0, 10.0, 50.0, 100.0, 250.0, 500.0, 1000.0],
            )?,
            batch_seconds: r.histogram(
                "processor_batch_seconds",
                "Duration of a batch, first produce to last acknowledgement",
                &[
                    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
                ],
            )?,
            retries: r.counter(
                "processor_batch_retries_total",
                "Batches produced again after a record was refused",
            )?,
        })
    }
}
