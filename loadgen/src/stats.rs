//! What came back: every request's kind, status, code and latency, for the live progress line
//! and the final report.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;

/// What a request was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A first upload of fresh keys.
    Upload,
    /// A revision of an accepted upload.
    Revision,
    /// Chaff (`X-Chaff: 1`).
    Chaff,
}

/// One answered (or failed) request.
#[derive(Debug, Clone)]
pub struct Sample {
    pub kind: Kind,
    /// HTTP status; 0 when no answer arrived (connection error or timeout).
    pub status: u16,
    /// The answer's `code`, or what went wrong without an answer.
    pub code: String,
    pub latency: Duration,
}

#[derive(Debug, Default)]
struct Inner {
    latencies_us: Vec<u64>,
    window_us: Vec<u64>,
    window_failures: u64,
    by_kind: BTreeMap<Kind, u64>,
    by_status: BTreeMap<u16, u64>,
    by_code: BTreeMap<String, u64>,
    accepted: u64,
    failures: u64,
}

/// Thread-safe collector.
#[derive(Debug, Default)]
pub struct Stats {
    inner: Mutex<Inner>,
}

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Percentiles {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
    pub mean: f64,
}

/// The numbers since the previous [`Stats::take_window`].
#[derive(Debug, Clone, Default)]
pub struct Window {
    pub requests: u64,
    pub failures: u64,
    pub latency: Percentiles,
}

/// Totals of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Totals {
    pub requests: u64,
    /// Non-chaff requests answered 200.
    pub accepted: u64,
    /// Requests answered other than 200, or not answered.
    pub failures: u64,
    pub by_kind: BTreeMap<Kind, u64>,
    pub by_status: BTreeMap<String, u64>,
    pub by_code: BTreeMap<String, u64>,
    pub latency_ms: Percentiles,
}

impl Stats {
    pub fn record(&self, sample: Sample) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        let micros = u64::try_from(sample.latency.as_micros()).unwrap_or(u64::MAX);
        inner.latencies_us.push(micros);
        inner.window_us.push(micros);
        *inner.by_kind.entry(sample.kind).or_default() += 1;
        *inner.by_status.entry(sample.status).or_default() += 1;
        if !sample.code.is_empty() {
            *inner.by_code.entry(sample.code).or_default() += 1;
        }
        if sample.status == 200 {
            if sample.kind != Kind::Chaff {
                inner.accepted += 1;
            }
        } else {
            inner.failures += 1;
            inner.window_failures += 1;
        }
    }

    /// Requests recorded so far.
    pub fn requests(&self) -> u64 {
        self.inner
            .lock()
            .map(|i| i.latencies_us.len() as u64)
            .unwrap_or(0)
    }

    /// The numbers since the previous call, for the progress line.
    pub fn take_window(&self) -> Window {
        let Ok(mut inner) = self.inner.lock() else {
            return Window::default();
        };
        let mut latencies = std::mem::take(&mut inner.window_us);
        let failures = std::mem::take(&mut inner.window_failures);
        drop(inner);
        Window {
            requests: latencies.len() as u64,
            failures,
            latency: percentiles(&mut latencies),
        }
    }

    /// Everything recorded.
    pub fn totals(&self) -> Totals {
        let Ok(inner) = self.inner.lock() else {
            return Totals::default();
        };
        let mut latencies = inner.latencies_us.clone();
        Totals {
            requests: latencies.len() as u64,
            accepted: inner.accepted,
            failures: inner.failures,
            by_kind: inner.by_kind.clone(),
            by_status: inner
                .by_status
                .iter()
                .map(|(status, n)| {
                    let name = if *status == 0 {
                        "no answer".to_owned()
                    } else {
                        status.to_string()
                    };
                    (name, *n)
                })
                .collect(),
            by_code: inner.by_code.clone(),
            latency_ms: percentiles(&mut latencies),
        }
    }
}

/// Nearest-rank percentiles of `micros` (sorted in place), in milliseconds.
pub fn percentiles(micros: &mut [u64]) -> Percentiles {
    if micros.is_empty() {
        return Percentiles::default();
    }
    micros.sort_unstable();
    let rank = |p: f64| {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let index = ((p / 100.0) * micros.len() as f64).ceil() as usize;
        micros[index.clamp(1, micros.len()) - 1]
    };
    #[allow(clippy::cast_precision_loss)]
    let ms = |us: u64| us as f64 / 1000.0;
    let sum: u128 = micros.iter().map(|&m| u128::from(m)).sum();
    #[allow(clippy::cast_precision_loss)]
    let mean = sum as f64 / micros.len() as f64 / 1000.0;
    Percentiles {
        p50: ms(rank(50.0)),
        p90: ms(rank(90.0)),
        p99: ms(rank(99.0)),
        max: ms(micros[micros.len() - 1]),
        mean,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut us: Vec<u64> = (1..=100).map(|i| i * 1000).collect();
        let p = percentiles(&mut us);
        assert_eq!((p.p50, p.p90, p.p99, p.max), (50.0, 90.0, 99.0, 100.0));
        assert!((p.mean - 50.5).abs() < 1e-9);
        assert_eq!(percentiles(&mut []), Percentiles::default());
    }

    #[test]
    fn totals_count_kinds_statuses_codes_and_failures() {
        let stats = Stats::default();
        let sample = |kind, status: u16, code: &str| Sample {
            kind,
            status,
            code: code.into(),
            latency: Duration::from_millis(5),
        };
        stats.record(sample(Kind::Upload, 200, ""));
        stats.record(sample(Kind::Revision, 200, ""));
        stats.record(sample(Kind::Chaff, 200, ""));
        stats.record(sample(Kind::Upload, 400, "bad_request"));
        stats.record(sample(Kind::Upload, 0, "timeout"));
        let t = stats.totals();
        assert_eq!((t.requests, t.accepted, t.failures), (5, 2, 2));
        assert_eq!(t.by_status["200"], 3);
        assert_eq!(t.by_status["no answer"], 1);
        assert_eq!(t.by_code["bad_request"], 1);
        assert_eq!(t.by_kind[&Kind::Chaff], 1);
        assert_eq!(stats.take_window().requests, 5);
        assert_eq!(stats.take_window().requests, 0);
    }
}
