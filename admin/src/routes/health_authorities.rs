//! `/admin/v1/health-authorities`: list, create, read, replace.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use schemas::config::{ConfigChange, HealthAuthority};

use super::{parse_authority_id, AppState, ACTOR};
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
            let authority = validation::create_health_authority(&form, snapshot)?;
            Ok(Decision::one(
                ConfigChange::HealthAuthoritySaved {
                    entity: authority.clone(),
                },
                authority,
            ))
        })
        .await?;
    let location = format!("/admin/v1/health-authorities/{}", authority.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(authority),
    )
        .into_response())
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
            if snapshot.health_authority(id) == Some(&authority) {
                return Ok(Decision::none(authority));
            }
            Ok(Decision::one(
                ConfigChange::HealthAuthoritySaved {
                    entity: authority.clone(),
                },
                authority,
            ))
        })
        .await?;
    Ok(Json(authority))
}
