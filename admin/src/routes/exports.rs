//! `/admin/v1/export-configs` and `/admin/v1/signature-infos`: list, create, read, replace.
//! Neither can be deleted: an export config ends with `thru`, a signature info stops signing at
//! its `thru` (rotation: add the new info to the config, then end the old one).

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use schemas::config::{ExportConfig, SignatureInfo};

use super::{created, AppState, ACTOR};
use crate::error::{ApiError, ApiJson};
use crate::validation::{self, ExportConfigForm, SignatureInfoForm, ValidationError};
use crate::writer::{Decision, WriteKind};

/// A numeric id from the path; anything else names nothing (404).
fn parse_id(kind: &str, text: &str) -> Result<i64, ApiError> {
    text.parse()
        .map_err(|_| ValidationError::not_found(format!("no {kind} with id {text:?}")).into())
}

/// `GET /export-configs`: every export config, by id.
pub async fn list_configs(State(state): State<AppState>) -> Json<Vec<ExportConfig>> {
    Json(state.writer.snapshot().export_configs().cloned().collect())
}

/// `POST /export-configs`: creates one; 201 with the config and its new id.
pub async fn create_config(
    State(state): State<AppState>,
    ApiJson(form): ApiJson<ExportConfigForm>,
) -> Result<Response, ApiError> {
    let config = state
        .writer
        .write(ACTOR, WriteKind::ExportConfigCreate, |snapshot, now| {
            Ok(Decision::created(validation::create_export_config(
                &form, snapshot, now,
            )?))
        })
        .await?;
    Ok(created(
        format!("/admin/v1/export-configs/{}", config.id),
        config,
    ))
}

/// `GET /export-configs/{id}`.
pub async fn get_config(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ExportConfig>, ApiError> {
    let id = parse_id("export config", &id)?;
    state
        .writer
        .snapshot()
        .export_config(id)
        .cloned()
        .map(Json)
        .ok_or_else(|| ValidationError::not_found(format!("no export config with id {id}")).into())
}

/// `PUT /export-configs/{id}`: replaces the whole state (applies to batches cut afterwards).
pub async fn update_config(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(form): ApiJson<ExportConfigForm>,
) -> Result<Json<ExportConfig>, ApiError> {
    let id = parse_id("export config", &id)?;
    let config = state
        .writer
        .write(ACTOR, WriteKind::ExportConfigUpdate, |snapshot, now| {
            let config = validation::update_export_config(id, &form, snapshot, now)?;
            Ok(Decision::edited(snapshot.export_config(id), config))
        })
        .await?;
    Ok(Json(config))
}

/// `GET /signature-infos`: every signature info, by id.
pub async fn list_infos(State(state): State<AppState>) -> Json<Vec<SignatureInfo>> {
    Json(state.writer.snapshot().signature_infos().cloned().collect())
}

/// `POST /signature-infos`: creates one; 201 with the info and its new id.
pub async fn create_info(
    State(state): State<AppState>,
    ApiJson(form): ApiJson<SignatureInfoForm>,
) -> Result<Response, ApiError> {
    let info = state
        .writer
        .write(ACTOR, WriteKind::SignatureInfoCreate, |snapshot, _now| {
            Ok(Decision::created(validation::create_signature_info(
                &form, snapshot,
            )?))
        })
        .await?;
    Ok(created(
        format!("/admin/v1/signature-infos/{}", info.id),
        info,
    ))
}

/// `GET /signature-infos/{id}`.
pub async fn get_info(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<SignatureInfo>, ApiError> {
    let id = parse_id("signature info", &id)?;
    state
        .writer
        .snapshot()
        .signature_info(id)
        .cloned()
        .map(Json)
        .ok_or_else(|| ValidationError::not_found(format!("no signature info with id {id}")).into())
}

/// `PUT /signature-infos/{id}`: replaces the whole state.
pub async fn update_info(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(form): ApiJson<SignatureInfoForm>,
) -> Result<Json<SignatureInfo>, ApiError> {
    let id = parse_id("signature info", &id)?;
    let info = state
        .writer
        .write(ACTOR, WriteKind::SignatureInfoUpdate, |snapshot, _now| {
            let info = validation::update_signature_info(id, &form, snapshot)?;
            Ok(Decision::edited(snapshot.signature_info(id), info))
        })
        .await?;
    Ok(Json(info))
}
