//! `GET /stats/csv/{health_authority_id}` on the exporter's **ops** listener: the reference's
//! CSV form of one health authority's released days, for the admin console's download (the
//! console has no database; it asks the exporter, which owns the read side of the statistics).
//! The ops listener is loopback or cluster-internal only, like `/metrics`; the same release
//! rule as `/v1/stats` applies, so the console never shows a day the authority could not see.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::Utc;

use crate::stats::handler::StatsState;
use crate::stats::release::{released_days, to_csv};

/// The router merged into the exporter's ops listener.
pub fn ops_router(state: StatsState) -> Router {
    Router::new()
        .route("/stats/csv/{health_authority_id}", get(csv))
        .with_state(state)
}

async fn csv(State(state): State<StatsState>, Path(id): Path<String>) -> Response {
    let Some(authority) = id
        .parse::<i64>()
        .ok()
        .filter(|id| state.config.snapshot().health_authority(*id).is_some())
    else {
        return (StatusCode::NOT_FOUND, "no such health authority\n").into_response();
    };
    let now = Utc::now();
    let rows = state.completed_hours(authority, now).await;
    match rows {
        Ok(rows) => (
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            to_csv(&released_days(&rows, now, &state.settings.release)),
        )
            .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "Cannot read health-authority statistics");
            (StatusCode::INTERNAL_SERVER_ERROR, "error reading stats\n").into_response()
        }
    }
}
