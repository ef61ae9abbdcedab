//! `GET /console/health-authorities/{id}/stats.csv`: the health authority's released statistics
//! in the reference's CSV form, as a download. The admin service has no database: it reads the
//! CSV from the exporter's ops listener (`EXPORTER_OPS_URL`, `/stats/csv/{id}`), which applies
//! the same release rule as `/v1/stats`. Without that setting, or when the exporter does not
//! answer, the operator gets a page saying so.

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::console::auth::session::SignedIn;
use crate::console::kit::html::Markup;
use crate::console::pages::page::{Page, Section};
use crate::console::ConsoleState;

/// Longest wait for the exporter.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Largest CSV accepted from the exporter (years of days are a few hundred KB).
const MAX_BYTES: usize = 4 * 1024 * 1024;

fn problem(
    state: &ConsoleState,
    signed: &SignedIn,
    status: StatusCode,
    message: &'static str,
) -> Response {
    let mut body = Markup::new();
    body.raw("<p class=\"note\">").raw(message).raw(
        "</p><p><a href=\"/console/health-authorities\">Back to the health authorities</a></p>",
    );
    Page {
        section: Section::HealthAuthorities,
        title: "Statistics unavailable".to_owned(),
        lead: "The statistics download could not be prepared.",
        flash: state.sessions.take_flash(signed.key),
        signed,
        body,
        status,
    }
    .render()
}

/// `GET /console/health-authorities/{id}/stats.csv`.
pub async fn download(
    State(state): State<ConsoleState>,
    signed: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let Some(id) = id
        .parse::<i64>()
        .ok()
        .filter(|id| state.writer.snapshot().health_authority(*id).is_some())
    else {
        return problem(
            &state,
            &signed,
            StatusCode::NOT_FOUND,
            "There is no such health authority.",
        );
    };
    let Some(base) = &state.exporter_ops else {
        return problem(
            &state,
            &signed,
            StatusCode::SERVICE_UNAVAILABLE,
            "The statistics are read from the exporter, and <code>EXPORTER_OPS_URL</code> (the exporter's ops listener) is not set on the admin service.",
        );
    };
    let fetched = async {
        let response = reqwest::Client::new()
            .get(format!("{base}/stats/csv/{id}"))
            .timeout(TIMEOUT)
            .send()
            .await
            .ok()?;
        if !response.status().is_success() {
            return None;
        }
        let bytes = response.bytes().await.ok()?;
        (bytes.len() <= MAX_BYTES).then_some(bytes)
    }
    .await;
    match fetched {
        Some(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"health-authority-{id}-stats.csv\""),
                ),
            ],
            csv,
        )
            .into_response(),
        None => {
            tracing::warn!(
                health_authority_id = id,
                "The exporter did not give the statistics CSV"
            );
            problem(
                &state,
                &signed,
                StatusCode::BAD_GATEWAY,
                "The exporter did not answer with the statistics; try again shortly, and check that it runs and that <code>EXPORTER_OPS_URL</code> points at its ops listener.",
            )
        }
    }
}
