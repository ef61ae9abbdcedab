//! The home page: what is configured (counts), the two "create" entry points the publishing
//! guide names, and the most recent changes. Also `/` (to the home page) and the console's
//! "no such page".

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Redirect, Response};
use chrono::Utc;

use crate::console::auth::session::SignedIn;
use crate::console::kit::html::Markup;
use crate::console::pages::audit;
use crate::console::pages::page::{Page, Section};
use crate::console::ConsoleState;
use crate::validation::{key_status, KeyStatus};

/// Changes shown on the home page.
const RECENT: usize = 8;

/// `GET /`.
pub async fn root() -> Response {
    Redirect::to("/console").into_response()
}

/// `GET /console/{*rest}`: a console URL that names no page.
pub async fn not_found(State(state): State<ConsoleState>, signed: SignedIn) -> Response {
    let mut body = Markup::new();
    body.raw("<p><a href=\"/console\">Back to the home page</a></p>");
    Page {
        section: Section::Home,
        title: "No such page".to_owned(),
        lead: "The console has no page at this address.",
        flash: state.sessions.take_flash(signed.key),
        signed: &signed,
        body,
        status: StatusCode::NOT_FOUND,
    }
    .render()
}

/// `GET /console`.
pub async fn page(State(state): State<ConsoleState>, signed: SignedIn) -> Response {
    let snapshot = state.writer.snapshot();
    let now = Utc::now();
    let authorities = snapshot.health_authorities().count();
    let (mut current, mut keys) = (0usize, 0usize);
    for ha in snapshot.health_authorities() {
        for key in snapshot.keys_of(ha.id) {
            keys += 1;
            if key_status(key, now) == KeyStatus::Current {
                current += 1;
            }
        }
    }
    let apps = snapshot.apps().count();
    let exports = snapshot.export_configs().count();
    let infos = snapshot.signature_infos().count();

    let mut body = Markup::new();
    body.raw("<div class=\"cards\"><section class=\"card\"><h2>Health Authority Key Configurations</h2><p class=\"count\">")
        .display(authorities)
        .raw("</p><p class=\"muted\">Verification servers whose certificates can be checked; ")
        .display(current)
        .raw(" of ")
        .display(keys)
        .raw(" keys currently verify.</p><div class=\"actions\"><a class=\"button primary\" href=\"/console/health-authorities/new\">Create New Health Authority Key Configuration</a><a href=\"/console/health-authorities\">View all</a></div></section>");
    body.raw("<section class=\"card\"><h2>Authorized Health Authorities</h2><p class=\"count\">")
        .display(apps)
        .raw("</p><p class=\"muted\">Apps allowed to publish keys, with their regions and the certificates they accept.</p><div class=\"actions\"><a class=\"button primary\" href=\"/console/authorized-apps/new\">Create new Authorized Health Authority</a><a href=\"/console/authorized-apps\">View all</a></div></section>");
    body.raw("<section class=\"card\"><h2>Export Configurations</h2><p class=\"count\">")
        .display(exports)
        .raw("</p><p class=\"muted\">Series of signed files phones download; ")
        .display(infos)
        .raw(" signature infos name their signing keys.</p><div class=\"actions\"><a class=\"button\" href=\"/console/export-configs/new\">Create new Export Configuration</a><a href=\"/console/signature-infos\">Signature infos</a></div></section></div>");
    if authorities == 0 {
        body.raw("<p class=\"note\">Start with a Health Authority Key Configuration for your verification server, then authorize your app and tick that configuration as a certificate to accept.</p>");
    }
    body.raw("<h2>Recent changes</h2>");
    match audit::recent(&state, RECENT).await {
        Ok(entries) => {
            audit::table(&mut body, &entries, &snapshot);
            body.raw("<p><a href=\"/console/audit\">Full audit trail</a></p>");
        }
        Err(message) => {
            body.raw("<p class=\"flash error\" role=\"alert\">")
                .text(message)
                .raw("</p>");
        }
    }
    Page {
        section: Section::Home,
        title: "Admin console".to_owned(),
        lead: "Configure who may publish exposure keys: the verification servers whose certificates are trusted, and the apps allowed to upload.",
        flash: state.sessions.take_flash(signed.key),
        signed: &signed,
        body,
        status: StatusCode::OK,
    }
    .render()
}
