//! A small client of the Prometheus HTTP API for the console's Health page: range queries
//! (`/api/v1/query_range`) over the metrics the services expose (`docs/metrics.md`).
//!
//! The admin service reads Prometheus only when `PROMETHEUS_URL` is set; every query has its
//! own timeout (`PROMETHEUS_QUERY_TIMEOUT`), and a failure becomes a message on the page, never
//! an error of the console.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;

/// Most series one chart draws (a query returning more is cut, and the page says so).
pub const MAX_SERIES: usize = 12;

/// Why a query gave no series.
#[derive(Debug, thiserror::Error)]
pub enum PrometheusError {
    #[error("Prometheus did not answer: {0}")]
    Unreachable(String),
    #[error("Prometheus answered HTTP {0}")]
    Status(u16),
    #[error("Prometheus refused the query: {0}")]
    Query(String),
}

/// One series of a range query: its labels and its finite points (Unix seconds, value).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub labels: BTreeMap<String, String>,
    pub points: Vec<(f64, f64)>,
}

/// The Prometheus server the Health page reads.
#[derive(Debug, Clone)]
pub struct PrometheusClient {
    base: String,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct Answer {
    status: String,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    data: Option<Data>,
}

#[derive(Deserialize)]
struct Data {
    #[serde(default)]
    result: Vec<RawSeries>,
}

#[derive(Deserialize)]
struct RawSeries {
    #[serde(default)]
    metric: BTreeMap<String, String>,
    #[serde(default)]
    values: Vec<(f64, String)>,
}

impl PrometheusClient {
    /// A client of the server at `base` (`http://host:port`, no trailing path needed).
    pub fn new(base: &str, timeout: Duration) -> Result<Self, PrometheusError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| PrometheusError::Unreachable(e.to_string()))?;
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            http,
        })
    }

    /// The server's address, for messages.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Runs `expr` over `[start, end]` every `step`; at most [`MAX_SERIES`] series, each with
    /// only its finite points.
    pub async fn range(
        &self,
        expr: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        step: Duration,
    ) -> Result<Vec<Series>, PrometheusError> {
        let response = self
            .http
            .get(format!("{}/api/v1/query_range", self.base))
            .query(&[
                ("query", expr.to_owned()),
                ("start", start.timestamp().to_string()),
                ("end", end.timestamp().to_string()),
                ("step", format!("{}s", step.as_secs().max(1))),
            ])
            .send()
            .await
            .map_err(|e| PrometheusError::Unreachable(without_url(&e)))?;
        let status = response.status();
        let answer: Answer = response
            .json()
            .await
            .map_err(|_| PrometheusError::Status(status.as_u16()))?;
        if answer.status != "success" {
            return Err(PrometheusError::Query(
                answer.error.unwrap_or_else(|| status.to_string()),
            ));
        }
        Ok(answer
            .data
            .map(|d| d.result)
            .unwrap_or_default()
            .into_iter()
            .take(MAX_SERIES)
            .map(|raw| Series {
                labels: raw.metric,
                points: raw
                    .values
                    .into_iter()
                    .filter_map(|(t, v)| {
                        v.parse::<f64>()
                            .ok()
                            .filter(|v| v.is_finite())
                            .map(|v| (t, v))
                    })
                    .collect(),
            })
            .collect())
    }
}

/// A transport error's text without the URL (it is shown on the page next to the base anyway).
fn without_url(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "connection refused or unreachable".to_owned()
    } else {
        "request failed".to_owned()
    }
}
