//! Prometheus metrics made and registered in one step, so a service cannot create a metric and
//! forget to expose it, and every metrics file reads as a list of names and help texts.

use prometheus::core::Collector;
use prometheus::{
    Gauge, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry,
};

/// Makes metrics in a registry. Each method registers what it makes, and fails like
/// [`Registry::register`] (a name registered twice, an invalid name).
#[derive(Debug, Clone, Copy)]
pub struct Registrar<'a> {
    registry: &'a Registry,
}

impl<'a> Registrar<'a> {
    /// Registers into `registry`.
    pub fn new(registry: &'a Registry) -> Self {
        Self { registry }
    }

    /// Registers `metric` (made elsewhere) and hands it back.
    pub fn add<C: Collector + Clone + 'static>(&self, metric: C) -> prometheus::Result<C> {
        self.registry.register(Box::new(metric.clone()))?;
        Ok(metric)
    }

    /// A counter.
    pub fn counter(&self, name: &str, help: &str) -> prometheus::Result<IntCounter> {
        self.add(IntCounter::new(name, help)?)
    }

    /// A family of counters, one per value of `labels`.
    pub fn counters(
        &self,
        name: &str,
        help: &str,
        labels: &[&str],
    ) -> prometheus::Result<IntCounterVec> {
        self.add(IntCounterVec::new(Opts::new(name, help), labels)?)
    }

    /// A gauge of whole numbers.
    pub fn int_gauge(&self, name: &str, help: &str) -> prometheus::Result<IntGauge> {
        self.add(IntGauge::new(name, help)?)
    }

    /// A family of gauges of whole numbers, one per value of `labels`.
    pub fn int_gauges(
        &self,
        name: &str,
        help: &str,
        labels: &[&str],
    ) -> prometheus::Result<IntGaugeVec> {
        self.add(IntGaugeVec::new(Opts::new(name, help), labels)?)
    }

    /// A gauge.
    pub fn gauge(&self, name: &str, help: &str) -> prometheus::Result<Gauge> {
        self.add(Gauge::new(name, help)?)
    }

    /// A histogram with these bucket bounds.
    pub fn histogram(
        &self,
        name: &str,
        help: &str,
        buckets: &[f64],
    ) -> prometheus::Result<Histogram> {
        self.add(Histogram::with_opts(
            HistogramOpts::new(name, help).buckets(buckets.to_vec()),
        )?)
    }

    /// A family of histograms with these bucket bounds, one per value of `labels`.
    pub fn histograms(
        &self,
        name: &str,
        help: &str,
        labels: &[&str],
        buckets: &[f64],
    ) -> prometheus::Result<HistogramVec> {
        self.add(HistogramVec::new(
            HistogramOpts::new(name, help).buckets(buckets.to_vec()),
            labels,
        )?)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn what_it_makes_is_exposed_once() {
        let registry = Registry::new();
        let r = Registrar::new(&registry);
        let requests = r
            .counters("t_requests_total", "Requests", &["result"])
            .unwrap();
        let latency = r.histogram("t_seconds", "Latency", &[0.1, 1.0]).unwrap();
        requests.with_label_values(&["ok"]).inc();
        latency.observe(0.5);
        let names: Vec<String> = registry
            .gather()
            .iter()
            .map(|f| f.name().to_owned())
            .collect();
        assert_eq!(names, ["t_requests_total", "t_seconds"]);
        assert!(r.counter("t_requests_total", "again").is_err());
    }
}
