//! `/admin/v1/health-authorities`: list, create, read, replace.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use schemas::config::HealthAuthority;

use super::{created, parse_authority_id, AppState, ACTOR};
use crate::error::{ApiError, ApiJson};
use crate::validation::{self, HealthAuthorityForm};
use crate::writer::{Decision, WriteKind};

/// `GET`: every health authority, by id.
pub async fn list(State(state): State<AppState>) -> Json<Vec<HealthAuthority>> {
    Json(
        state
            .writer
            .snapshot()
            .health_authorities()
            .cloned()
            .collect(),
    )
}

/// `POST`: creates one; 201 with the entity and its new id.
pub async fn create(
    State(state): State<AppState>,
    ApiJson(form): ApiJson<HealthAuthorityForm>,
) -> Result<Response, ApiError> {
    let authority = state
        .writer
        .write(ACTOR, WriteKind::HealthAuthorityCreate, |snapshot, _now| {
            Ok(Decision::created(validation::create_health_authority(
                &form, snapshot,
            )?))
        })
        .await?;
    Ok(created(
        format!("/admin/v1/health-authorities/{}", authority.id),
        authority,
    ))
}

/// `GET /{id}`.
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<HealthAuthority>, ApiError> {
    let id = parse_authority_id(&id)?;
    state
        .writer
        .snapshot()
        .health_authority(id)
        .cloned()
        .map(Json)
        .ok_or_else(|| {
            validation::ValidationError::not_found(format!("no health authority with id {id}"))
                .into()
        })
}

/// `PUT /{id}`: replaces the whole state (omitted `enableStats` means true, `jwksUri` none).
pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(form): ApiJson<HealthAuthorityForm>,
) -> Result<Json<HealthAuthority>, ApiError> {
    let id = parse_authority_id(&id)?;
    let authority = state
        .writer
        .write(ACTOR, WriteKind::HealthAuthorityUpdate, |snapshot, _now| {
            let authority = validation::update_health_authority(id, &form, snapshot)?;
            Ok(Decision::edited(snapshot.health_authority(id), authority))
        })
        .await?;
    Ok(Json(authority))
}
