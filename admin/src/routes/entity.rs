//! The shape the entity routes share: read one from the snapshot, 404 when it names nothing;
//! create one with its "saved" event, 201 at its location; replace one, writing nothing when
//! the state is unchanged. The entities with a numeric id ([`NumberedEntity`]: health
//! authorities, export configs, signature infos) use the generic handlers here whole.
//!
//! None of those three can be deleted: a health authority is retired by revoking its keys, an
//! export config ends with `thru`, a signature info stops signing at its `thru` (rotation: add
//! the new info to the config, then end the old one).

use axum::extract::{MatchedPath, Path, State};
use axum::response::Response;
use axum::Json;
use chrono::{DateTime, Utc};
use config::ConfigSnapshot;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{created, AppState, ACTOR};
use crate::error::{ApiError, ApiJson};
use crate::validation::ValidationError;
use crate::writer::{Decision, NumberedEntity, Saved, WriteKind};

/// A numeric id from the path; anything else names no `noun` (404).
pub(super) fn parse_id(noun: &str, text: &str) -> Result<i64, ApiError> {
    text.parse()
        .map_err(|_| ValidationError::not_found(format!("no {noun} with id {text:?}")).into())
}

/// The entity read, or 404 with `missing()` as the message.
pub(super) fn found<E: Clone>(
    entity: Option<&E>,
    missing: impl FnOnce() -> String,
) -> Result<Json<E>, ApiError> {
    entity
        .cloned()
        .map(Json)
        .ok_or_else(|| ValidationError::not_found(missing()).into())
}

/// Writes the saved event of the entity `rule` decides; 201 at `location(&entity)`.
pub(super) async fn create_with<E: Saved + Serialize>(
    state: &AppState,
    kind: WriteKind,
    rule: impl FnOnce(&ConfigSnapshot, DateTime<Utc>) -> Result<E, ValidationError>,
    location: impl FnOnce(&E) -> String,
) -> Result<Response, ApiError> {
    let entity = state
        .writer
        .write(ACTOR, kind, |snapshot, now| {
            Ok(Decision::created(rule(snapshot, now)?))
        })
        .await?;
    Ok(created(location(&entity), entity))
}

/// `GET`: every one, by id.
pub async fn list<E: NumberedEntity + Serialize>(State(state): State<AppState>) -> Json<Vec<E>> {
    Json(E::all(&state.writer.snapshot()).cloned().collect())
}

/// `POST`: creates one; 201 with the entity and its new id, located under the list's path.
pub async fn create<E: NumberedEntity + Serialize>(
    State(state): State<AppState>,
    list: MatchedPath,
    ApiJson(form): ApiJson<E::Form>,
) -> Result<Response, ApiError>
where
    E::Form: DeserializeOwned,
{
    create_with(
        &state,
        E::WRITES.0,
        |snapshot, now| E::rule(None, &form, snapshot, now),
        |entity| format!("{}/{}", list.as_str(), entity.id()),
    )
    .await
}

/// `GET /{id}`.
pub async fn get<E: NumberedEntity + Serialize>(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<E>, ApiError> {
    let id = parse_id(E::NOUN, &id)?;
    found(E::find(&state.writer.snapshot(), id), || {
        format!("no {} with id {id}", E::NOUN)
    })
}

/// `PUT /{id}`: replaces the whole state; an unchanged state writes nothing.
pub async fn update<E: NumberedEntity + Serialize>(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(form): ApiJson<E::Form>,
) -> Result<Json<E>, ApiError>
where
    E::Form: DeserializeOwned,
{
    let id = parse_id(E::NOUN, &id)?;
    let entity = state
        .writer
        .write(ACTOR, E::WRITES.1, |snapshot, now| {
            let entity = E::rule(Some(id), &form, snapshot, now)?;
            Ok(Decision::edited(E::find(snapshot, id), entity))
        })
        .await?;
    Ok(Json(entity))
}
