//! `/admin/v1/health-authorities/{id}/keys`: list, add, and the revoke / reinstate / activate
//! actions. Keys are answered with their status at the time of the answer.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use chrono::{DateTime, Utc};
use schemas::config::HealthAuthorityKey;
use serde::Serialize;

use super::{created, parse_authority_id, AppState, ACTOR};
use crate::error::{ApiError, ApiJson};
use crate::validation::{self, HealthAuthorityKeyForm, KeyAction, KeyStatus, ValidationError};
use crate::writer::{Decision, WriteKind};

/// A key as the API shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyView {
    #[serde(flatten)]
    pub key: HealthAuthorityKey,
    /// `current`, `future` or `inactive`, at the time of the answer.
    pub status: KeyStatus,
}

impl KeyView {
    fn at(key: HealthAuthorityKey, now: DateTime<Utc>) -> Self {
        let status = validation::key_status(&key, now);
        Self { key, status }
    }
}

/// `GET`: the keys of one health authority, by version.
pub async fn list(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<KeyView>>, ApiError> {
    let id = parse_authority_id(&id)?;
    let snapshot = state.writer.snapshot();
    if snapshot.health_authority(id).is_none() {
        return Err(ValidationError::not_found(format!("no health authority with id {id}")).into());
    }
    let now = Utc::now();
    Ok(Json(
        snapshot
            .keys_of(id)
            .cloned()
            .map(|key| KeyView::at(key, now))
            .collect(),
    ))
}

/// `POST`: adds a key; 201 with the key.
pub async fn add(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(form): ApiJson<HealthAuthorityKeyForm>,
) -> Result<Response, ApiError> {
    let id = parse_authority_id(&id)?;
    let view = state
        .writer
        .write(ACTOR, WriteKind::KeyAdd, |snapshot, now| {
            let key = validation::add_key(id, &form, snapshot, now)?;
            Ok(Decision::created(key).map(|key| KeyView::at(key, now)))
        })
        .await?;
    Ok(created(
        format!(
            "/admin/v1/health-authorities/{id}/keys/{}",
            view.key.version
        ),
        view,
    ))
}

/// `POST /{version}/revoke`: ends the key now (never before its start).
pub async fn revoke(
    state: State<AppState>,
    path: Path<(String, String)>,
) -> Result<Json<KeyView>, ApiError> {
    act(state, path, KeyAction::Revoke).await
}

/// `POST /{version}/reinstate`: clears the key's end.
pub async fn reinstate(
    state: State<AppState>,
    path: Path<(String, String)>,
) -> Result<Json<KeyView>, ApiError> {
    act(state, path, KeyAction::Reinstate).await
}

/// `POST /{version}/activate`: a future key becomes valid now.
pub async fn activate(
    state: State<AppState>,
    path: Path<(String, String)>,
) -> Result<Json<KeyView>, ApiError> {
    act(state, path, KeyAction::Activate).await
}

async fn act(
    State(state): State<AppState>,
    Path((id, version)): Path<(String, String)>,
    action: KeyAction,
) -> Result<Json<KeyView>, ApiError> {
    let id = parse_authority_id(&id)?;
    let view = state
        .writer
        .write(ACTOR, action.into(), |snapshot, now| {
            let (key, changed) = action.apply(id, &version, snapshot, now)?;
            Ok(Decision::saved_if(changed, key).map(|key| KeyView::at(key, now)))
        })
        .await?;
    Ok(Json(view))
}
