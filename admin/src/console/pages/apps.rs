//! "Authorized Health Authority" pages: list, create, edit (including a rename) and delete.
//!
//! The form follows the publishing guide: the Health Authority ID the app sends, its regions
//! (one per line), the two development bypass settings, and "Health Authority Certificates to
//! Accept" as one checkbox per configured health authority key configuration.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use config::ConfigSnapshot;
use schemas::config::AuthorizedApp;

use crate::console::auth::session::SignedIn;
use crate::console::kit::form::FormFields;
use crate::console::kit::html::{url_component, Markup};
use crate::console::kit::problems::Problems;
use crate::console::kit::shell::Flash;
use crate::console::kit::widgets::{
    badge, button_form, checkbox, inputs, ticked_boxes, Input, Widget,
};
use crate::console::pages::entity::{CardForm, Entity, ListPage};
use crate::console::pages::page::Section;
use crate::console::ConsoleState;
use crate::validation::{self, AuthorizedAppForm};
use crate::writer::{Decision, WriteKind};

const APPS: Entity = Entity {
    section: Section::Apps,
    lead: "An authorized health authority is an app (Android package name or iOS bundle ID) allowed to publish keys: the ID it sends, the regions stamped on its keys, and the verification servers whose certificates it accepts.",
    list: "/console/authorized-apps",
    missing: "No such authorized health authority",
};

const LIST: ListPage = ListPage {
    title: "Authorized Health Authorities",
    actions: "<div class=\"actions\"><a class=\"button primary\" href=\"/console/authorized-apps/new\">Create new Authorized Health Authority</a></div>",
    empty: "<p class=\"muted\">No authorized health authority yet.</p>",
    head: "<table><thead><tr><th>Health Authority ID</th><th>Regions</th><th>Certificates accepted</th><th>Settings</th></tr></thead><tbody>",
};

const ALLOWED: &str = "allowedHealthAuthorityIDs";
const FIELDS: &[&str] = &["healthAuthorityID", "regions", ALLOWED];

/// The fields of the form, as typed or as saved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct AppValues {
    health_authority_id: String,
    regions: String,
    allowed: Vec<String>,
    bypass_verification: bool,
    bypass_revision_token: bool,
}

impl AppValues {
    fn of(app: &AuthorizedApp) -> Self {
        Self {
            health_authority_id: app.health_authority_id.clone(),
            regions: app.regions.join("\n"),
            allowed: app
                .allowed_health_authority_ids
                .iter()
                .map(i64::to_string)
                .collect(),
            bypass_verification: app.bypass_health_authority_verification,
            bypass_revision_token: app.bypass_revision_token,
        }
    }

    fn from_form(fields: &FormFields) -> Self {
        Self {
            health_authority_id: fields.text("healthAuthorityID"),
            regions: fields.text("regions"),
            allowed: fields.all(ALLOWED),
            bypass_verification: fields.checked("bypassHealthAuthorityVerification"),
            bypass_revision_token: fields.checked("bypassRevisionToken"),
        }
    }

    /// The REST API's form (then checked by the same rules); a checkbox value that is not an
    /// id is a problem on the checkbox group.
    fn to_api(&self) -> Result<AuthorizedAppForm, Problems> {
        let mut ids = Vec::with_capacity(self.allowed.len());
        for text in &self.allowed {
            match text.trim().parse::<i64>() {
                Ok(id) => ids.push(id),
                Err(_) => {
                    return Err(Problems::on(
                        ALLOWED,
                        format!("{text:?} is not a health authority id"),
                    ))
                }
            }
        }
        Ok(AuthorizedAppForm {
            health_authority_id: self.health_authority_id.clone(),
            regions: self.regions.lines().map(str::to_owned).collect(),
            allowed_health_authority_ids: ids,
            bypass_health_authority_verification: self.bypass_verification,
            bypass_revision_token: self.bypass_revision_token,
        })
    }
}

fn edit_path(app: &str) -> String {
    format!("/console/authorized-apps/edit/{}", url_component(app))
}

fn app_form(m: &mut Markup, snapshot: &ConfigSnapshot, form: &CardForm<'_>, values: &AppValues) {
    form.start(m, FIELDS);
    inputs(
        m,
        form.problems,
        &[
            Input::text(
                "Health Authority ID",
                "healthAuthorityID",
                &values.health_authority_id,
            )
            .hint("The healthAuthorityID your mobile app sends on publish requests (its package name or bundle ID); stored in lower case."),
            Input::text("Regions", "regions", &values.regions)
                .hint("One per line, e.g. US. Every key uploaded under this ID gets all of them.")
                .widget(Widget::Textarea(3)),
        ],
    );
    m.raw("<fieldset><legend>Health Authority Certificates to Accept</legend><p class=\"hint\">Tick the verification servers whose certificates this app trusts.</p>");
    let options = snapshot
        .health_authorities()
        .map(|ha| (ha.id.to_string(), format!("{} ({})", ha.name, ha.issuer)));
    ticked_boxes(
        m,
        form.problems,
        ALLOWED,
        options,
        &values.allowed,
        |stale| format!("{stale} (not a configured health authority)"),
        "<p class=\"muted\">No health authority key configuration exists yet: <a href=\"/console/health-authorities/new\">create one</a> first.</p>",
    );
    m.raw("</fieldset><fieldset><legend>Development settings</legend><p class=\"hint\">Both must stay off in production.</p>");
    checkbox(
        m,
        "Bypass health authority verification",
        "bypassHealthAuthorityVerification",
        "on",
        values.bypass_verification,
        Some("Accept uploads whose certificate fails verification."),
    );
    checkbox(
        m,
        "Bypass revision token",
        "bypassRevisionToken",
        "on",
        values.bypass_revision_token,
        Some("Allow re-uploading existing keys without a valid revision token."),
    );
    m.raw("</fieldset>");
    form.end(m, APPS.list);
}

/// `GET /console/authorized-apps`.
pub async fn list(State(state): State<ConsoleState>, signed: SignedIn) -> Response {
    let snapshot = state.writer.snapshot();
    APPS.list_page(&state, &signed, &LIST, snapshot.apps(), |body, app| {
        body.raw("<tr><td><a")
            .attr("href", &edit_path(&app.health_authority_id))
            .raw(">")
            .text(&app.health_authority_id)
            .raw("</a></td><td>")
            .text(&app.regions.join(", "))
            .raw("</td><td>");
        let names: Vec<String> = app
            .allowed_health_authority_ids
            .iter()
            .map(|id| {
                snapshot
                    .health_authority(*id)
                    .map_or_else(|| format!("#{id}"), |ha| ha.name.clone())
            })
            .collect();
        body.text(if names.is_empty() { "—" } else { "" })
            .text(&names.join(", "))
            .raw("</td><td>");
        if app.bypass_health_authority_verification {
            badge(body, "bypasses verification", "badge warn");
        }
        if app.bypass_revision_token {
            badge(body, "bypasses revision token", "badge warn");
        }
        body.raw("</td></tr>");
    })
}

fn new_page(
    state: &ConsoleState,
    signed: &SignedIn,
    values: &AppValues,
    problems: &Problems,
    status: StatusCode,
) -> Response {
    let snapshot = state.writer.snapshot();
    let mut body = Markup::new();
    let form = CardForm {
        action: APPS.list,
        csrf: &signed.csrf,
        problems,
        submit: "Save",
    };
    app_form(&mut body, &snapshot, &form, values);
    let title = "Create new Authorized Health Authority".to_owned();
    APPS.page(state, signed, title, body, status)
}

/// `GET /console/authorized-apps/new`.
pub async fn new_form(State(state): State<ConsoleState>, signed: SignedIn) -> Response {
    let values = AppValues::default();
    new_page(&state, &signed, &values, &Problems::none(), StatusCode::OK)
}

/// `POST /console/authorized-apps`.
pub async fn create(
    State(state): State<ConsoleState>,
    signed: SignedIn,
    fields: FormFields,
) -> Response {
    let values = AppValues::from_form(&fields);
    let kind = WriteKind::AppCreate;
    let written = state.save(&signed, kind, values.to_api(), |form, snapshot, _| {
        let app = validation::create_app(form, snapshot)?;
        Ok(Decision::created(app))
    });
    match written.await {
        Ok(app) => {
            let flash = Flash::ok(format!("Saved {}.", app.health_authority_id));
            state.redirect(&signed, flash, APPS.list)
        }
        Err((status, problems)) => new_page(&state, &signed, &values, &problems, status),
    }
}

fn edit_page(
    state: &ConsoleState,
    signed: &SignedIn,
    name: &str,
    refusal: Option<(AppValues, Problems)>,
    status: StatusCode,
) -> Response {
    let snapshot = state.writer.snapshot();
    let Some(app) = snapshot.app(name) else {
        return APPS.missing(state, signed);
    };
    let (values, problems) = refusal.unwrap_or_else(|| (AppValues::of(app), Problems::none()));
    let mut body = Markup::new();
    let form = CardForm {
        action: &edit_path(&app.health_authority_id),
        csrf: &signed.csrf,
        problems: &problems,
        submit: "Save changes",
    };
    app_form(&mut body, &snapshot, &form, &values);
    body.raw("<h2>Delete</h2><p class=\"muted\">The app can no longer publish once deleted.</p>");
    button_form(
        &mut body,
        &format!(
            "/console/authorized-apps/delete/{}",
            url_component(&app.health_authority_id)
        ),
        &signed.csrf,
        &[],
        "Delete this authorized health authority",
        "danger",
    );
    let title = format!("Authorized Health Authority: {}", app.health_authority_id);
    APPS.page(state, signed, title, body, status)
}

/// `GET /console/authorized-apps/edit/{app}`.
pub async fn show(
    State(state): State<ConsoleState>,
    signed: SignedIn,
    Path(name): Path<String>,
) -> Response {
    edit_page(&state, &signed, &name, None, StatusCode::OK)
}

/// `POST /console/authorized-apps/edit/{app}`: saves, renaming when the ID changed.
pub async fn update(
    State(state): State<ConsoleState>,
    signed: SignedIn,
    Path(name): Path<String>,
    fields: FormFields,
) -> Response {
    let values = AppValues::from_form(&fields);
    let kind = WriteKind::AppUpdate;
    let written = state.save(&signed, kind, values.to_api(), |form, snapshot, _| {
        let update = validation::update_app(&name, form, snapshot)?;
        Ok(Decision::app_update(snapshot.app(&name), update))
    });
    match written.await {
        Ok(app) => {
            let flash = Flash::ok(format!("Saved {}.", app.health_authority_id));
            state.redirect(&signed, flash, &edit_path(&app.health_authority_id))
        }
        Err((status, problems)) => {
            edit_page(&state, &signed, &name, Some((values, problems)), status)
        }
    }
}

/// `POST /console/authorized-apps/delete/{app}`.
pub async fn delete(
    State(state): State<ConsoleState>,
    signed: SignedIn,
    Path(name): Path<String>,
) -> Response {
    let written = state.save(&signed, WriteKind::AppDelete, Ok(()), |(), snapshot, _| {
        Ok(Decision::one(validation::delete_app(&name, snapshot)?, ()))
    });
    let flash = match written.await {
        Ok(()) => Flash::ok(format!("Deleted {name}.")),
        Err((_, problems)) => Flash::error(problems.messages()),
    };
    state.redirect(&signed, flash, APPS.list)
}
