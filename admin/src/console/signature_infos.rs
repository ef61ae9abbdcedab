//! "Signature Info" pages: list, create and edit (no delete: a signature info stops signing at
//! its "Signing until" time).
//!
//! To rotate an export signing key: add a new signature info, tick it on the export
//! configuration next to the old one, and end the old one 7–10 days later (or when Apple and
//! Google say so). The private key never passes through here: "Signing key" names it for the
//! exporter's key manager.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Redirect, Response};
use chrono::Utc;
use schemas::config::{ConfigChange, SignatureInfo};

use super::form::FormFields;
use super::html::Markup;
use super::layout::{
    exact_time, form_start, input, parse_time, refused, time, Input, Page, Problems, Section,
};
use super::session::{Flash, SignedIn};
use super::ConsoleState;
use crate::validation::{self, SignatureInfoForm};
use crate::writer::{Decision, WriteKind};

const LEAD: &str = "A signature info names a key that signs the export files, and the key id and version Apple and Google registered for it.";

const FIELDS: &[&str] = &[
    "signingKey",
    "signingKeyId",
    "signingKeyVersion",
    "appPackageName",
    "bundleId",
    "thru",
];

/// The fields of the form, as typed or as saved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct InfoValues {
    signing_key: String,
    signing_key_id: String,
    signing_key_version: String,
    app_package_name: String,
    bundle_id: String,
    thru: String,
}

impl InfoValues {
    fn fresh() -> Self {
        Self {
            signing_key_version: "v1".to_owned(),
            ..Self::default()
        }
    }

    fn of(info: &SignatureInfo) -> Self {
        Self {
            signing_key: info.signing_key.clone(),
            signing_key_id: info.signing_key_id.clone(),
            signing_key_version: info.signing_key_version.clone(),
            app_package_name: info.app_package_name.clone().unwrap_or_default(),
            bundle_id: info.bundle_id.clone().unwrap_or_default(),
            thru: info.thru.map(exact_time).unwrap_or_default(),
        }
    }

    fn from_form(fields: &FormFields) -> Self {
        Self {
            signing_key: fields.text("signingKey"),
            signing_key_id: fields.text("signingKeyId"),
            signing_key_version: fields.text("signingKeyVersion"),
            app_package_name: fields.text("appPackageName"),
            bundle_id: fields.text("bundleId"),
            thru: fields.text("thru"),
        }
    }

    /// The REST API's form (then checked by the same rules), or the time that does not parse.
    fn to_api(&self) -> Result<SignatureInfoForm, Problems> {
        let mut problems = Problems::none();
        let thru = parse_time(&mut problems, "thru", &self.thru);
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(SignatureInfoForm {
            id: None,
            signing_key: self.signing_key.clone(),
            signing_key_id: self.signing_key_id.clone(),
            signing_key_version: self.signing_key_version.clone(),
            app_package_name: Some(self.app_package_name.clone()),
            bundle_id: Some(self.bundle_id.clone()),
            thru,
        })
    }
}

fn info_form(
    m: &mut Markup,
    action: &str,
    csrf: &str,
    values: &InfoValues,
    problems: &Problems,
    submit: &'static str,
) {
    problems.summary(m, FIELDS);
    form_start(m, action, csrf, "card");
    input(
        m,
        &Input::text("Signing key", "signingKey", &values.signing_key).hint(
            "The private key's file, relative to the exporter's key directory (e.g. export-signing-key.pem).",
        ),
        problems,
    );
    input(
        m,
        &Input::text("Key ID", "signingKeyId", &values.signing_key_id)
            .hint("verification_key_id agreed with Apple and Google, normally the MCC (e.g. 310)."),
        problems,
    );
    input(
        m,
        &Input::text(
            "Key version",
            "signingKeyVersion",
            &values.signing_key_version,
        )
        .hint("verification_key_version agreed with Apple and Google, typically v1."),
        problems,
    );
    input(
        m,
        &Input::text(
            "Android app package",
            "appPackageName",
            &values.app_package_name,
        )
        .hint("Optional, for your records."),
        problems,
    );
    input(
        m,
        &Input::text("iOS bundle ID", "bundleId", &values.bundle_id)
            .hint("Optional, for your records."),
        problems,
    );
    input(
        m,
        &Input::text("Signing until (UTC)", "thru", &values.thru).hint(
            "RFC 3339; files built after this time no longer carry this signature. Empty means no end.",
        ),
        problems,
    );
    m.raw("<div class=\"actions\"><button type=\"submit\" class=\"primary\">")
        .text(submit)
        .raw("</button><a href=\"/console/signature-infos\">Cancel</a></div></form>");
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

/// `GET /console/signature-infos`.
pub async fn list(State(state): State<ConsoleState>, signed: SignedIn) -> Response {
    let snapshot = state.writer.snapshot();
    let now = Utc::now();
    let mut body = Markup::new();
    body.raw("<div class=\"actions\"><a class=\"button primary\" href=\"/console/signature-infos/new\">Create new Signature Info</a><a href=\"/console/export-configs\">Export configurations</a></div>");
    if snapshot.signature_infos().next().is_none() {
        body.raw("<p class=\"muted\">No signature info yet.</p>");
    } else {
        body.raw("<table><thead><tr><th>ID</th><th>Signing key</th><th>Key ID</th><th>Version</th><th>Signing until</th></tr></thead><tbody>");
        for info in snapshot.signature_infos() {
            body.raw("<tr><td>")
                .display(info.id)
                .raw("</td><td><a")
                .attr("href", &format!("/console/signature-infos/{}", info.id))
                .raw(">")
                .text(&info.signing_key)
                .raw("</a></td><td>")
                .text(&info.signing_key_id)
                .raw("</td><td>")
                .text(&info.signing_key_version)
                .raw("</td><td class=\"mono nowrap\">")
                .text(&match info.thru {
                    Some(thru) if !info.is_active_at(now) => format!("ended {}", time(thru)),
                    Some(thru) => time(thru),
                    None => "—".to_owned(),
                })
                .raw("</td></tr>");
        }
        body.raw("</tbody></table>");
    }
    page(
        &state,
        &signed,
        "Signature Infos".to_owned(),
        body,
        StatusCode::OK,
    )
}

fn form_page(
    state: &ConsoleState,
    signed: &SignedIn,
    existing: Option<i64>,
    values: &InfoValues,
    problems: &Problems,
    status: StatusCode,
) -> Response {
    let (title, action, submit) = match existing {
        Some(id) => (
            format!("Signature Info {id}"),
            format!("/console/signature-infos/{id}"),
            "Save changes",
        ),
        None => (
            "Create new Signature Info".to_owned(),
            "/console/signature-infos".to_owned(),
            "Save",
        ),
    };
    let mut body = Markup::new();
    if existing.is_some() {
        body.raw("<p class=\"note\">Edit a signature info only to bring its end earlier. To rotate, add a new one and end this one 7–10 days later.</p>");
    }
    info_form(&mut body, &action, &signed.csrf, values, problems, submit);
    page(state, signed, title, body, status)
}

/// `GET /console/signature-infos/new`.
pub async fn new_form(State(state): State<ConsoleState>, signed: SignedIn) -> Response {
    form_page(
        &state,
        &signed,
        None,
        &InfoValues::fresh(),
        &Problems::none(),
        StatusCode::OK,
    )
}

/// `POST /console/signature-infos`.
pub async fn create(
    State(state): State<ConsoleState>,
    signed: SignedIn,
    fields: FormFields,
) -> Response {
    let values = InfoValues::from_form(&fields);
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
            WriteKind::SignatureInfoCreate,
            |snapshot, _now| {
                let info = validation::create_signature_info(&form, snapshot)?;
                Ok(Decision::one(
                    ConfigChange::SignatureInfoSaved {
                        entity: info.clone(),
                    },
                    info,
                ))
            },
        )
        .await;
    match written {
        Ok(info) => {
            state.sessions.set_flash(
                signed.key,
                Flash::ok(format!("Saved signature info {}.", info.id)),
            );
            Redirect::to("/console/signature-infos").into_response()
        }
        Err(error) => {
            let (status, problems) = refused(error);
            form_page(&state, &signed, None, &values, &problems, status)
        }
    }
}

fn missing(state: &ConsoleState, signed: &SignedIn) -> Response {
    let mut body = Markup::new();
    body.raw("<p><a href=\"/console/signature-infos\">Back to the list</a></p>");
    page(
        state,
        signed,
        "No such signature info".to_owned(),
        body,
        StatusCode::NOT_FOUND,
    )
}

/// `GET /console/signature-infos/{id}`.
pub async fn show(
    State(state): State<ConsoleState>,
    signed: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let snapshot = state.writer.snapshot();
    let Some(info) = id
        .parse::<i64>()
        .ok()
        .and_then(|id| snapshot.signature_info(id))
    else {
        return missing(&state, &signed);
    };
    form_page(
        &state,
        &signed,
        Some(info.id),
        &InfoValues::of(info),
        &Problems::none(),
        StatusCode::OK,
    )
}

/// `POST /console/signature-infos/{id}`.
pub async fn update(
    State(state): State<ConsoleState>,
    signed: SignedIn,
    Path(id): Path<String>,
    fields: FormFields,
) -> Response {
    let Some(id) = id
        .parse::<i64>()
        .ok()
        .filter(|id| state.writer.snapshot().signature_info(*id).is_some())
    else {
        return missing(&state, &signed);
    };
    let values = InfoValues::from_form(&fields);
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
            WriteKind::SignatureInfoUpdate,
            |snapshot, _now| {
                let info = validation::update_signature_info(id, &form, snapshot)?;
                if snapshot.signature_info(id) == Some(&info) {
                    return Ok(Decision::none(false));
                }
                Ok(Decision::one(
                    ConfigChange::SignatureInfoSaved { entity: info },
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
            Redirect::to(&format!("/console/signature-infos/{id}")).into_response()
        }
        Err(error) => {
            let (status, problems) = refused(error);
            form_page(&state, &signed, Some(id), &values, &problems, status)
        }
    }
}
