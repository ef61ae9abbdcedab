//! "Export Configuration" pages: list, create and edit (there is no delete: a configuration is
//! retired by setting "Valid until").
//!
//! The form and its parsing are in [`super::export_form`]; the rules are the REST API's.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Redirect, Response};
use chrono::{DateTime, Utc};
use schemas::config::ConfigChange;

use super::export_form::{config_form, period_text, ConfigValues};
use super::form::FormFields;
use super::html::Markup;
use super::layout::{refused, time, Page, Problems, Section};
use super::session::{Flash, SignedIn};
use super::ConsoleState;
use crate::validation;
use crate::writer::{Decision, WriteKind};

const LEAD: &str = "An export configuration says which keys are published for phones to download, how often, and under which path: one series of signed export files and its index.";

/// `GET /console/export-configs`.
pub async fn list(State(state): State<ConsoleState>, signed: SignedIn) -> Response {
    let snapshot = state.writer.snapshot();
    let now = Utc::now();
    let mut body = Markup::new();
    body.raw("<div class=\"actions\"><a class=\"button primary\" href=\"/console/export-configs/new\">Create new Export Configuration</a><a href=\"/console/signature-infos\">Signature infos</a></div>");
    if snapshot.export_configs().next().is_none() {
        body.raw("<p class=\"muted\">No export configuration yet.</p>");
    } else {
        body.raw("<table><thead><tr><th>ID</th><th>Filename root</th><th>Region</th><th>Period</th><th>Valid</th><th>Signature infos</th></tr></thead><tbody>");
        for config in snapshot.export_configs() {
            body.raw("<tr><td>")
                .display(config.id)
                .raw("</td><td><a")
                .attr("href", &format!("/console/export-configs/{}", config.id))
                .raw(">")
                .text(&config.filename_root)
                .raw("</a></td><td>")
                .text(&config.output_region)
                .raw("</td><td>")
                .text(&period_text(config.period_seconds))
                .raw("</td><td class=\"mono nowrap\">")
                .text(&validity(config.from, config.thru, now))
                .raw("</td><td>")
                .text(
                    &config
                        .signature_info_ids
                        .iter()
                        .map(|id| format!("#{id}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                )
                .raw("</td></tr>");
        }
        body.raw("</tbody></table>");
    }
    page(
        &state,
        &signed,
        "Export Configurations".to_owned(),
        body,
        StatusCode::OK,
    )
}

fn validity(from: DateTime<Utc>, thru: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match thru {
        Some(thru) if thru <= now => format!("ended {}", time(thru)),
        Some(thru) => format!("{} – {}", time(from), time(thru)),
        None => format!("from {}", time(from)),
    }
}

fn page(
    state: &ConsoleState,
    signed: &SignedIn,
    title: String,
    body: Markup,
    status: StatusCode,
) -> Response {
    Page {
        section: Section::Exports,
        title,
        lead: LEAD,
        flash: state.sessions.take_flash(signed.key),
        signed,
        body,
        status,
    }
    .render()
}

fn form_page(
    state: &ConsoleState,
    signed: &SignedIn,
    existing: Option<i64>,
    values: &ConfigValues,
    problems: &Problems,
    status: StatusCode,
) -> Response {
    let snapshot = state.writer.snapshot();
    let (title, action, submit) = match existing {
        Some(id) => (
            format!("Export Configuration {id}"),
            format!("/console/export-configs/{id}"),
            "Save changes",
        ),
        None => (
            "Create new Export Configuration".to_owned(),
            "/console/export-configs".to_owned(),
            "Save",
        ),
    };
    let mut body = Markup::new();
    if existing.is_some() {
        body.raw("<p class=\"note\">Changes apply to files cut from now on; files already built keep their settings.</p>");
    }
    config_form(
        &mut body,
        &snapshot,
        &action,
        &signed.csrf,
        values,
        problems,
        submit,
    );
    page(state, signed, title, body, status)
}

/// `GET /console/export-configs/new`.
pub async fn new_form(State(state): State<ConsoleState>, signed: SignedIn) -> Response {
    form_page(
        &state,
        &signed,
        None,
        &ConfigValues::fresh(),
        &Problems::none(),
        StatusCode::OK,
    )
}

/// `POST /console/export-configs`.
pub async fn create(
    State(state): State<ConsoleState>,
    signed: SignedIn,
    fields: FormFields,
) -> Response {
    let values = ConfigValues::from_form(&fields);
    let form = match values.to_api() {
        Ok(form) => form,
        Err(problems) => {
            return form_page(
                &state,
                &signed,
                None,
                &values,
                &problems,
                StatusCode::BAD_REQUEST,
            )
        }
    };
    let written = state
        .writer
        .write(
            &signed.operator,
            WriteKind::ExportConfigCreate,
            |snapshot, now| {
                let config = validation::create_export_config(&form, snapshot, now)?;
                Ok(Decision::one(
                    ConfigChange::ExportConfigSaved {
                        entity: config.clone(),
                    },
                    config,
                ))
            },
        )
        .await;
    match written {
        Ok(config) => {
            state.sessions.set_flash(
                signed.key,
                Flash::ok(format!(
                    "Saved export configuration {}.",
                    config.filename_root
                )),
            );
            Redirect::to("/console/export-configs").into_response()
        }
        Err(error) => {
            let (status, problems) = refused(error);
            form_page(&state, &signed, None, &values, &problems, status)
        }
    }
}

fn missing(state: &ConsoleState, signed: &SignedIn) -> Response {
    let mut body = Markup::new();
    body.raw("<p><a href=\"/console/export-configs\">Back to the list</a></p>");
    page(
        state,
        signed,
        "No such export configuration".to_owned(),
        body,
        StatusCode::NOT_FOUND,
    )
}

/// `GET /console/export-configs/{id}`.
pub async fn show(
    State(state): State<ConsoleState>,
    signed: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let snapshot = state.writer.snapshot();
    let Some(config) = id
        .parse::<i64>()
        .ok()
        .and_then(|id| snapshot.export_config(id))
    else {
        return missing(&state, &signed);
    };
    form_page(
        &state,
        &signed,
        Some(config.id),
        &ConfigValues::of(config),
        &Problems::none(),
        StatusCode::OK,
    )
}

/// `POST /console/export-configs/{id}`.
pub async fn update(
    State(state): State<ConsoleState>,
    signed: SignedIn,
    Path(id): Path<String>,
    fields: FormFields,
) -> Response {
    let Some(id) = id
        .parse::<i64>()
        .ok()
        .filter(|id| state.writer.snapshot().export_config(*id).is_some())
    else {
        return missing(&state, &signed);
    };
    let values = ConfigValues::from_form(&fields);
    let form = match values.to_api() {
        Ok(form) => form,
        Err(problems) => {
            return form_page(
                &state,
                &signed,
                Some(id),
                &values,
                &problems,
                StatusCode::BAD_REQUEST,
            )
        }
    };
    let written = state
        .writer
        .write(
            &signed.operator,
            WriteKind::ExportConfigUpdate,
            |snapshot, now| {
                let config = validation::update_export_config(id, &form, snapshot, now)?;
                if snapshot.export_config(id) == Some(&config) {
                    return Ok(Decision::none(false));
                }
                Ok(Decision::one(
                    ConfigChange::ExportConfigSaved { entity: config },
                    true,
                ))
            },
        )
        .await;
    match written {
        Ok(changed) => {
            let message = if changed {
                "Saved."
            } else {
                "No change to save."
            };
            state.sessions.set_flash(signed.key, Flash::ok(message));
            Redirect::to(&format!("/console/export-configs/{id}")).into_response()
        }
        Err(error) => {
            let (status, problems) = refused(error);
            form_page(&state, &signed, Some(id), &values, &problems, status)
        }
    }
}
