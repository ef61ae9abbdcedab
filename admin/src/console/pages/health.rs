//! `GET /console/health`: the pipeline at a glance, for operators who would rather look than
//! read metrics. Five charts of the last hour, queried from Prometheus (`PROMETHEUS_URL`) and
//! drawn as SVG on the server: uploads per minute by result, degraded answers, round-trip p50
//! and p99, consumer lag per partition, and the age of the newest export batch. Without
//! Prometheus the page says how to configure it; a failed query shows its reason in place of
//! its chart.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;

use crate::console::auth::session::SignedIn;
use crate::console::kit::chart::{Chart, Line};
use crate::console::kit::html::Markup;
use crate::console::pages::page::{Page, Section};
use crate::console::ConsoleState;
use crate::prometheus::{PrometheusClient, Series};

/// The window charted.
const WINDOW: Duration = Duration::from_secs(3600);
/// Seconds between points (120 points an hour).
const STEP: Duration = Duration::from_secs(30);

/// One chart: what it shows and how to read its series.
struct Panel {
    title: &'static str,
    help: &'static str,
    expr: &'static str,
    unit: &'static str,
    /// The label naming each series (`None`: the panel's one series is named `single`).
    label: Option<&'static str>,
    single: &'static str,
}

const PANELS: &[Panel] = &[
    Panel {
        title: "Uploads per minute, by result",
        help: "Publish requests answered, by the reference's result (chaff excluded).",
        expr: "sum by (result) (rate(keyserver_publish_requests_total[2m])) * 60",
        unit: "/min",
        label: Some("result"),
        single: "",
    },
    Panel {
        title: "Degraded answers per minute",
        help: "Uploads answered without their outcome: the pipeline behind ingest is slow or down.",
        expr: "sum(rate(keyserver_publish_degraded_total[2m])) * 60",
        unit: "/min",
        label: None,
        single: "degraded",
    },
    Panel {
        title: "Round trip of accepted uploads, p50 and p99",
        help: "Request to answer, including the wait for the outcome; objective p50 25 ms, p99 60 ms.",
        expr: "label_replace(histogram_quantile(0.5, sum by (le) (rate(keyserver_publish_request_duration_seconds_bucket{result=\"OK\"}[2m]))) * 1000, \"quantile\", \"p50\", \"\", \"\") or label_replace(histogram_quantile(0.99, sum by (le) (rate(keyserver_publish_request_duration_seconds_bucket{result=\"OK\"}[2m]))) * 1000, \"quantile\", \"p99\", \"\", \"\")",
        unit: " ms",
        label: Some("quantile"),
        single: "",
    },
    Panel {
        title: "Consumer lag per partition",
        help: "Records the projector has not stored yet, per partition of en.publish.processed.",
        expr: "max by (partition) (keyserver_projector_consumer_lag)",
        unit: "",
        label: Some("partition"),
        single: "",
    },
    Panel {
        title: "Newest export batch age",
        help: "Minutes since the end of the newest completed export batch.",
        expr: "(time() - max(keyserver_export_newest_batch_end_timestamp_seconds > 0)) / 60",
        unit: " min",
        label: None,
        single: "age",
    },
];

fn lines(panel: &Panel, series: Vec<Series>) -> Vec<Line> {
    let mut lines: Vec<Line> = series
        .into_iter()
        .filter(|s| !s.points.is_empty())
        .map(|s| Line {
            label: match panel.label {
                Some(name) => {
                    let value = s.labels.get(name).cloned().unwrap_or_default();
                    if name == "partition" {
                        format!("partition {value}")
                    } else {
                        value
                    }
                }
                None => panel.single.to_owned(),
            },
            points: s.points,
        })
        .collect();
    lines.sort_by(|a, b| a.label.cmp(&b.label));
    lines
}

async fn section(client: &PrometheusClient, panel: &Panel, m: &mut Markup) {
    let end = Utc::now();
    let start = end - chrono::Duration::from_std(WINDOW).unwrap_or_default();
    m.raw("<section><h2>")
        .text(panel.title)
        .raw("</h2><p class=\"muted\">")
        .text(panel.help)
        .raw("</p>");
    match client.range(panel.expr, start, end, STEP).await {
        Ok(series) => {
            let lines = lines(panel, series);
            if lines.is_empty() {
                m.raw("<p class=\"note\">No data in the last hour.</p>");
            } else {
                #[allow(clippy::cast_precision_loss)] // Unix seconds fit an f64 exactly
                let chart = Chart {
                    title: panel.title,
                    start: start.timestamp() as f64,
                    end: end.timestamp() as f64,
                    gap: 3.0 * STEP.as_secs_f64(),
                    unit: panel.unit,
                    lines: &lines,
                };
                m.append(&chart.render());
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, chart = panel.title, "Health page query failed");
            m.raw("<p class=\"flash error\">").display(&e).raw("</p>");
        }
    }
    m.raw("</section>");
}

/// `GET /console/health`.
pub async fn page(State(state): State<ConsoleState>, signed: SignedIn) -> Response {
    let mut body = Markup::new();
    match &state.prometheus {
        None => {
            body.raw("<p class=\"note\">Prometheus is not configured, so there is nothing to chart. Set <code>PROMETHEUS_URL</code> on the admin service to the Prometheus server that scrapes the services' ops listeners (<code>./dev/up</code> starts one and writes it to <code>.dev/env</code>), then reload this page. The metrics are listed in <code>docs/metrics.md</code>.</p>");
        }
        Some(client) => {
            body.raw("<p class=\"muted\">The last hour from ")
                .text(client.base())
                .raw(", one point every 30 seconds. Reload for the latest.</p><div class=\"charts\">");
            for panel in PANELS {
                section(client, panel, &mut body).await;
            }
            body.raw("</div>");
        }
    }
    Page {
        section: Section::Health,
        title: "Health".to_owned(),
        lead: "Whether uploads are flowing through the pipeline and exports keep up.",
        flash: state.sessions.take_flash(signed.key),
        signed: &signed,
        body,
        status: StatusCode::OK,
    }
    .render()
}
