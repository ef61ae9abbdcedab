//! Prometheus metrics of the publish edge, registered in the service's own registry. Labels come
//! from small fixed sets (reference `result`/`blame` values, key outcome types); never a health
//! authority, app, key or message text.

use platform::metrics::Registrar;
use prometheus::{Gauge, Histogram, HistogramVec, IntCounter, IntCounterVec, IntGauge, Registry};

use crate::codes::ResultLabel;

/// All metrics of the service.
#[derive(Debug, Clone)]
pub struct Metrics {
    /// Publish requests answered, by reference `result` and `blame`.
    pub requests: IntCounterVec,
    /// Latency of publish requests (chaff excluded), by `result`.
    pub latency: HistogramVec,
    /// Chaff requests answered.
    pub chaff: IntCounter,
    /// Requests answered 200 without waiting for their outcome.
    pub degraded: IntCounter,
    /// Certificates that failed verification but were accepted because the app bypasses it.
    pub verification_bypassed: IntCounter,
    /// Certificates rejected for a future `iat`/`nbf`.
    pub jwt_not_yet_valid: IntCounter,
    /// Keys by what happened to them (`inserted`, `revised`, `dropped`) per answered request.
    pub exposures: IntCounterVec,
    /// Events Kafka did not acknowledge in time (answered 503).
    pub enqueue_failures: IntCounter,
    /// Time from produce to acknowledgement.
    pub enqueue_latency: Histogram,
    /// Revision tokens presented, by state (`valid`, `invalid`, `not_base64`).
    pub revision_tokens: IntCounterVec,
    /// Outcome events read, by what became of them (`matched`, `late`, `foreign`,
    /// `undecodable`).
    pub outcomes: IntCounterVec,
    /// Requests waiting for their outcome right now.
    pub pending_outcomes: IntGauge,
    /// Requests refused because the concurrency limit was reached.
    pub overloaded: IntCounter,
    /// Requests that hit the request timeout.
    pub timeouts: IntCounter,
    /// Unix time the encrypting revision-token key was created (set only when its configuration
    /// carries a creation date).
    pub token_key_created: Gauge,
}

impl Metrics {
    /// Creates and registers every metric.
    pub fn register(registry: &Registry) -> prometheus::Result<Self> {
        const LATENCY_BUCKETS: &[f64] = &[
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
        ];
        let r = Registrar::new(registry);
        Ok(Self {
            requests: r.counters(
                "publish_requests_total",
                "Publish requests answered, by result",
                &["result", "blame"],
            )?,
            latency: r.histograms(
                "publish_request_duration_seconds",
                "Publish request latency",
                &["result"],
                LATENCY_BUCKETS,
            )?,
            chaff: r.counter("publish_chaff_total", "Chaff requests answered")?,
            degraded: r.counter(
                "publish_degraded_total",
                "Publish requests answered without their outcome (degraded mode)",
            )?,
            verification_bypassed: r.counter(
                "publish_verification_bypassed_total",
                "Failed certificates accepted because the app bypasses verification",
            )?,
            jwt_not_yet_valid: r.counter(
                "publish_jwt_not_yet_valid_total",
                "Certificates rejected because iat or nbf is in the future",
            )?,
            exposures: r.counters(
                "publish_exposures_total",
                "Keys of answered publish requests, by type",
                &["type"],
            )?,
            enqueue_failures: r.counter(
                "publish_enqueue_failures_total",
                "PublishReceived events Kafka did not acknowledge",
            )?,
            enqueue_latency: r.histogram(
                "publish_enqueue_duration_seconds",
                "Time until Kafka acknowledged a PublishReceived event",
                LATENCY_BUCKETS,
            )?,
            revision_tokens: r.counters(
                "publish_revision_tokens_total",
                "Revision tokens presented, by state",
                &["state"],
            )?,
            outcomes: r.counters(
                "publish_outcome_events_total",
                "Outcome events read, by disposition",
                &["disposition"],
            )?,
            pending_outcomes: r.int_gauge(
                "publish_pending_outcomes",
                "Publish requests waiting for their outcome",
            )?,
            overloaded: r.counter(
                "publish_overloaded_total",
                "Requests refused at the concurrency limit",
            )?,
            timeouts: r.counter("publish_request_timeouts_total", "Requests that timed out")?,
            // Registered only once its value is known (`register_token_key_age`).
            token_key_created: Gauge::new(
                "publish_revision_token_key_created_timestamp_seconds",
                "Unix time (UTC midnight) the revision-token key that encrypts was created",
            )?,
        })
    }

    /// Registers the creation time of the encrypting revision-token key, when it is known (the
    /// gauge stays out of `/metrics` otherwise, so the age alert never fires on a guess).
    pub fn register_token_key_age(
        &self,
        registry: &Registry,
        created: Option<chrono::NaiveDate>,
    ) -> prometheus::Result<()> {
        let Some(day) = created else { return Ok(()) };
        #[allow(clippy::cast_precision_loss)] // Unix seconds fit an f64 exactly
        self.token_key_created
            .set(day.and_time(chrono::NaiveTime::MIN).and_utc().timestamp() as f64);
        registry.register(Box::new(self.token_key_created.clone()))
    }

    /// Counts one answered publish request.
    pub fn observe(&self, result: ResultLabel, seconds: f64) {
        self.requests
            .with_label_values(&[result.as_str(), result.blame()])
            .inc();
        self.latency
            .with_label_values(&[result.as_str()])
            .observe(seconds);
    }
}
