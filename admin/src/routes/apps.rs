//! `/admin/v1/authorized-apps`: list, create, read, replace (or rename), delete.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use schemas::config::AuthorizedApp;

use super::entity::{self, found};
use super::{AppState, ACTOR};
use crate::error::{ApiError, ApiJson};
use crate::validation::{self, AuthorizedAppForm};
use crate::writer::{Decision, WriteKind};

/// `GET`: every authorized app, by id.
pub async fn list(State(state): State<AppState>) -> Json<Vec<AuthorizedApp>> {
    Json(state.writer.snapshot().apps().cloned().collect())
}

/// `POST`: creates one; 201 with the app.
pub async fn create(
    State(state): State<AppState>,
    ApiJson(form): ApiJson<AuthorizedAppForm>,
) -> Result<Response, ApiError> {
    entity::create_with(
        &state,
        WriteKind::AppCreate,
        |snapshot, _now| validation::create_app(&form, snapshot),
        |app| format!("/admin/v1/authorized-apps/{}", app.health_authority_id),
    )
    .await
}

/// `GET /{healthAuthorityID}` (case-insensitive).
pub async fn get(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<AuthorizedApp>, ApiError> {
    found(state.writer.snapshot().app(&name), || {
        format!("no authorized app {name:?}")
    })
}

/// `PUT /{healthAuthorityID}`: replaces the whole state; a different `healthAuthorityID` in the
/// body renames the app.
pub async fn update(
    State(state): State<AppState>,
    Path(name): Path<String>,
    ApiJson(form): ApiJson<AuthorizedAppForm>,
) -> Result<Json<AuthorizedApp>, ApiError> {
    let app = state
        .writer
        .write(ACTOR, WriteKind::AppUpdate, |snapshot, _now| {
            let update = validation::update_app(&name, &form, snapshot)?;
            Ok(Decision::app_update(snapshot.app(&name), update))
        })
        .await?;
    Ok(Json(app))
}

/// `DELETE /{healthAuthorityID}`: 204.
pub async fn delete(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .writer
        .write(ACTOR, WriteKind::AppDelete, |snapshot, _now| {
            Ok(Decision::one(validation::delete_app(&name, snapshot)?, ()))
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
