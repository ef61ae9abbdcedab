//! Prometheus metrics of the processor.

use prometheus::{Histogram, HistogramOpts, IntCounter, IntCounterVec, Opts, Registry};

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
    pub fn register(registry: &Registry) -> anyhow::Result<Self> {
        let events = IntCounterVec::new(
            Opts::new(
                "processor_events_total",
                "Received events handled, by result",
            ),
            &["result"],
        )?;
        let batch_size = Histogram::with_opts(
            HistogramOpts::new("processor_batch_events", "Events per batch")
                .buckets(vec![1.0, 2.0, 5.0, 10.0, 50.0, 100.0, 250.0, 500.0, 1000.0]),
        )?;
        let batch_seconds = Histogram::with_opts(
            HistogramOpts::new(
                "processor_batch_seconds",
                "Duration of a batch, first produce to last acknowledgement",
            )
            .buckets(vec![
                0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
            ]),
        )?;
        let retries = IntCounter::new(
            "processor_batch_retries_total",
            "Batches produced again after a record was refused",
        )?;
        registry.register(Box::new(events.clone()))?;
        registry.register(Box::new(batch_size.clone()))?;
        registry.register(Box::new(batch_seconds.clone()))?;
        registry.register(Box::new(retries.clone()))?;
        Ok(Self {
            events,
            batch_size,
            batch_seconds,
            retries,
        })
    }
}
