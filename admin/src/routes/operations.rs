//! Operator routes: the audit trail and the JWKS sync trigger.

use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;

use super::AppState;
use crate::error::ApiError;
use crate::jwks::SyncReport;
use crate::store::AuditEntry;

/// Events returned when `limit` is not given.
pub const DEFAULT_AUDIT_LIMIT: usize = 50;
/// Most events one request may ask for.
pub const MAX_AUDIT_LIMIT: usize = 1000;

/// Query of `GET /admin/v1/audit`.
#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    limit: Option<String>,
}

/// `GET /admin/v1/audit?limit=N`: the last N configuration events, newest first.
pub async fn audit(
    State(state): State<AppState>,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest {
        field: Some("limit"),
        message: e.body_text(),
    })?;
    let limit = match query.limit {
        None => DEFAULT_AUDIT_LIMIT,
        Some(text) => match text.trim().parse::<usize>() {
            Ok(limit) if (1..=MAX_AUDIT_LIMIT).contains(&limit) => limit,
            _ => {
                return Err(ApiError::BadRequest {
                    field: Some("limit"),
                    message: format!("limit must be a whole number from 1 to {MAX_AUDIT_LIMIT}"),
                })
            }
        },
    };
    match state.writer.store().recent_audit(limit).await {
        Ok(entries) => Ok(Json(entries)),
        Err(e) => {
            tracing::error!(error = %e, "Cannot read the audit trail");
            Err(ApiError::Unavailable(
                "the audit trail cannot be read right now".into(),
            ))
        }
    }
}

/// `POST /admin/v1/jwks-sync`: runs a JWKS sync now and answers with its report (200 even when
/// some health authorities failed; see `ok` and each entry's `error`).
pub async fn jwks_sync(State(state): State<AppState>) -> Json<SyncReport> {
    Json(state.jwks.run_once().await)
}
