//! The live progress line and the final report (a table, or JSON with `--json`).

use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::options::Options;
use crate::stats::{Stats, Totals};

/// The result of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// `closed` or `open`.
    pub mode: &'static str,
    pub url: String,
    pub connections: usize,
    /// Target rate of an open loop.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    pub seconds: f64,
    /// Requests answered per second.
    pub throughput: f64,
    /// Accepted (non-chaff 200) uploads and revisions per second.
    pub accepted_per_second: f64,
    #[serde(flatten)]
    pub totals: Totals,
    /// Growth of every `*_degraded_total` counter of the `--metrics-url` endpoints (answers given
    /// without the pipeline's outcome), by metric and endpoint.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub degraded: BTreeMap<String, f64>,
}

impl Report {
    pub fn new(
        options: &Options,
        totals: Totals,
        elapsed: Duration,
        degraded: BTreeMap<String, f64>,
    ) -> Self {
        let seconds = elapsed.as_secs_f64().max(f64::EPSILON);
        #[allow(clippy::cast_precision_loss)]
        let (throughput, accepted_per_second) = (
            totals.requests as f64 / seconds,
            totals.accepted as f64 / seconds,
        );
        Self {
            mode: if options.rate.is_some() {
                "open"
            } else {
                "closed"
            },
            url: options.url.clone(),
            connections: options.connections,
            rate: options.rate,
            seconds,
            throughput,
            accepted_per_second,
            totals,
            degraded,
        }
    }

    /// Answers given without the pipeline's outcome, over every endpoint read.
    pub fn degraded_total(&self) -> f64 {
        self.degraded.values().sum()
    }

    /// 0 when every request got 200 and nothing was answered in degraded mode, else 1.
    pub fn exit_code(&self) -> std::process::ExitCode {
        if self.totals.failures == 0 && self.degraded_total() == 0.0 {
            std::process::ExitCode::SUCCESS
        } else {
            std::process::ExitCode::from(1)
        }
    }

    /// The human-readable report.
    pub fn table(&self) -> String {
        use std::fmt::Write as _;
        let t = &self.totals;
        let l = &t.latency_ms;
        let mut out = String::new();
        let rate = self
            .rate
            .map(|r| format!(", rate {r}/s"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{} loop, {} connections{rate}, {:.1} s against {}",
            self.mode, self.connections, self.seconds, self.url
        );
        let _ = writeln!(
            out,
            "requests   {:>10}   {:>9.1}/s",
            t.requests, self.throughput
        );
        let _ = writeln!(
            out,
            "accepted   {:>10}   {:>9.1}/s",
            t.accepted, self.accepted_per_second
        );
        let _ = writeln!(out, "failures   {:>10}", t.failures);
        for (kind, n) in &t.by_kind {
            let _ = writeln!(out, "  {:<9}{:>10}", format!("{kind:?}").to_lowercase(), n);
        }
        for (status, n) in &t.by_status {
            let _ = writeln!(out, "  status {status:<10}{n:>8}");
        }
        for (code, n) in &t.by_code {
            let _ = writeln!(out, "  code {code:<24}{n:>8}");
        }
        for (metric, n) in &self.degraded {
            let _ = writeln!(out, "  degraded {metric}: {n}");
        }
        let _ = writeln!(
            out,
            "latency ms p50 {:.2}  p90 {:.2}  p99 {:.2}  max {:.2}  mean {:.2}",
            l.p50, l.p90, l.p99, l.max, l.mean
        );
        out
    }
}

/// Prints a progress line every second on standard error: in place on a terminal, as plain
/// lines (every 5 s) otherwise.
pub fn spawn_progress(stats: Arc<Stats>, duration: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let terminal = std::io::stderr().is_terminal();
        let every = if terminal {
            Duration::from_secs(1)
        } else {
            Duration::from_secs(5)
        };
        let started = std::time::Instant::now();
        let mut ticker = tokio::time::interval(every);
        ticker.tick().await;
        loop {
            ticker.tick().await;
            let w = stats.take_window();
            let line = format!(
                "[{:>4.0}/{:.0} s] {:>8} requests  {:>7.1}/s  failures {:>5}  p50 {:>7.2} ms  p99 {:>7.2} ms",
                started.elapsed().as_secs_f64(),
                duration.as_secs_f64(),
                stats.requests(),
                w.requests as f64 / every.as_secs_f64(),
                w.failures,
                w.latency.p50,
                w.latency.p99,
            );
            if terminal {
                eprint!("\r{line}");
            } else {
                eprintln!("{line}");
            }
        }
    })
}

/// The `*_degraded_total` counters of each endpoint (`metric@url` → value); endpoints that
/// cannot be read are left out.
pub async fn scrape_degraded(urls: &[String]) -> BTreeMap<String, f64> {
    let mut values = BTreeMap::new();
    let client = reqwest::Client::new();
    for url in urls {
        let Ok(response) = client.get(url).timeout(Duration::from_secs(5)).send().await else {
            eprintln!("loadgen: cannot read metrics at {url}");
            continue;
        };
        let Ok(text) = response.text().await else {
            continue;
        };
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let Some((name, value)) = line.rsplit_once(' ') else {
                continue;
            };
            let metric = name.split('{').next().unwrap_or(name);
            if metric.ends_with("_degraded_total") {
                if let Ok(v) = value.parse::<f64>() {
                    *values.entry(format!("{name}@{url}")).or_insert(0.0) += v;
                }
            }
        }
    }
    values
}

/// How much each counter grew between `before` and `after`.
pub fn grown(
    before: &BTreeMap<String, f64>,
    after: &BTreeMap<String, f64>,
) -> BTreeMap<String, f64> {
    after
        .iter()
        .map(|(k, v)| (k.clone(), v - before.get(k).copied().unwrap_or(0.0)))
        .collect()
}
