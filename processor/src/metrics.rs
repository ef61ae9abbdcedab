//! Prometheus metrics of the processor.

use prometheus::{Histogram, HistogramOpts, IntCounterVec, Opts, Registry};

/// Processor metrics.
#[derive(Debug, Clone)]
pub struct Metrics {
    /// Events by result: `processed`, `rejected`, `dead_letter`.
    pub events: IntCounterVec,
    /// Events per transaction.
    pub batch_size: Histogram,
    /// Seconds from begin to commit of a transaction.
    pub transaction_seconds: Histogram,
    /// Aborted transactions (retried).
    pub aborts: IntCounterVec,
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
            HistogramOpts::new("processor_batch_events", "Events per transaction")
                .buckets(vec![1.0, 2.0, 5.0, 10.0, 50.0, 100.0, 250.0, 500.0, 1000.0]),
        )?;
        let transaction_seconds = Histogram::with_opts(HistogramOpts::new(
            "processor_transaction_seconds",
            "Duration of a Kafka transaction, begin to commit",
        ))?;
        let aborts = IntCounterVec::new(
            Opts::new(
                "processor_transaction_aborts_total",
                "Aborted transactions, by reason",
            ),
            &["reason"],
        )?;
        registry.register(Box::new(events.clone()))?;
        registry.register(Box::new(batch_size.clone()))?;
        registry.register(Box::new(transaction_seconds.clone()))?;
        registry.register(Box::new(aborts.clone()))?;
        Ok(Self {
            events,
            batch_size,
            transaction_seconds,
            aborts,
        })
    }
}
