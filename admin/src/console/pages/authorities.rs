//! "Health Authority Key Configuration" pages: list, create, and the page of one configuration
//! (its settings form, its keys and the form to add one, from `key_table`); the create page is
//! the generic one of [`crate::console::pages::numbered`].
//!
//! As the publishing guide describes, a configuration is created with its issuer, audience and
//! name first; its public key is added after that first save, on the configuration's page.
//! There is no delete (as in the REST API): a configuration is retired by revoking its keys.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use config::ConfigSnapshot;
use schemas::config::HealthAuthority;

use crate::console::auth::session::SignedIn;
use crate::console::kit::form::FormFields;
use crate::console::kit::html::Markup;
use crate::console::kit::problems::Problems;
use crate::console::kit::widgets::{checkbox, inputs, Input};
use crate::console::pages::entity::{parse_id, CardForm, Entity, ListPage};
use crate::console::pages::key_table::{self, KeyValues};
use crate::console::pages::numbered::{Numbered, NumberedForm};
use crate::console::pages::page::Section;
use crate::console::pages::save::edit_flash;
use crate::console::ConsoleState;
use crate::validation::{self, key_status, HealthAuthorityForm, KeyStatus};
use crate::writer::{Decision, WriteKind};

/// The pages of health authority key configurations.
pub const AUTHORITIES: Entity = Entity {
    section: Section::HealthAuthorities,
    lead: "A health authority key configuration tells the server how to check the verification certificates a verification server signs: the JWT issuer and audience, and the public keys.",
    list: "/console/health-authorities",
    missing: "No such health authority key configuration",
};

/// The page of configuration `id`.
fn page_of(id: i64) -> String {
    format!("{}/{id}", AUTHORITIES.list)
}

/// The fields of the settings form, as typed or as saved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthorityValues {
    pub name: String,
    pub issuer: String,
    pub audience: String,
    pub jwks_uri: String,
    pub enable_stats: bool,
}

const PAGES: Numbered = Numbered {
    entity: AUTHORITIES,
    list: ListPage {
        title: "Health Authority Key Configurations",
        actions: "<div class=\"actions\"><a class=\"button primary\" href=\"/console/health-authorities/new\">Create New Health Authority Key Configuration</a></div>",
        empty: "<p class=\"muted\">No health authority key configuration yet.</p>",
        head: "<table><thead><tr><th>ID</th><th>Name</th><th>Issuer</th><th>Audience</th><th>JWKS URI</th><th>Keys</th></tr></thead><tbody>",
    },
    noun: "Health Authority Key Configuration",
    new_title: "Create New Health Authority Key Configuration",
    new_note: "<p class=\"note\">After this first save, add the verification server's public key on the configuration's page.</p>",
    edit_note: "",
};

/// The create page is [`crate::console::pages::numbered`]'s; the page of one configuration is
/// [`show_page`].
impl NumberedForm for AuthorityValues {
    type Api = HealthAuthorityForm;
    type Saved = HealthAuthority;
    const PAGES: Numbered = PAGES;

    fn fresh() -> Self {
        Self {
            enable_stats: true,
            ..Self::default()
        }
    }

    fn of(ha: &HealthAuthority) -> Self {
        Self {
            name: ha.name.clone(),
            issuer: ha.issuer.clone(),
            audience: ha.audience.clone(),
            jwks_uri: ha.jwks_uri.clone().unwrap_or_default(),
            enable_stats: ha.enable_stats,
        }
    }

    fn from_form(fields: &FormFields) -> Self {
        Self {
            name: fields.text("name"),
            issuer: fields.text("issuer"),
            audience: fields.text("audience"),
            jwks_uri: fields.text("jwksUri"),
            enable_stats: fields.checked("enableStats"),
        }
    }

    /// The REST API's form, checked by the same rules.
    fn to_api(&self) -> Result<HealthAuthorityForm, Problems> {
        Ok(HealthAuthorityForm {
            id: None,
            issuer: self.issuer.clone(),
            audience: self.audience.clone(),
            name: self.name.clone(),
            jwks_uri: Some(self.jwks_uri.clone()),
            enable_stats: Some(self.enable_stats),
        })
    }

    fn render(&self, m: &mut Markup, _snapshot: &ConfigSnapshot, form: &CardForm<'_>) {
        settings_form(m, form, self);
    }

    fn list_row(
        body: &mut Markup,
        snapshot: &ConfigSnapshot,
        ha: &HealthAuthority,
        now: DateTime<Utc>,
    ) {
        let keys: Vec<KeyStatus> = snapshot
            .keys_of(ha.id)
            .map(|key| key_status(key, now))
            .collect();
        let current = keys.iter().filter(|s| **s == KeyStatus::Current).count();
        AUTHORITIES
            .row_start(body, ha.id, &ha.name)
            .raw("<td class=\"mono\">")
            .text(&ha.issuer)
            .raw("</td><td class=\"mono\">")
            .text(&ha.audience)
            .raw("</td><td class=\"mono\">")
            .text(ha.jwks_uri.as_deref().unwrap_or("—"))
            .raw("</td><td>")
            .display(current)
            .raw(" current / ")
            .display(keys.len())
            .raw("</td></tr>");
    }

    fn created_message(authority: &HealthAuthority) -> String {
        format!(
            "Saved {}. Now add the verification server's public key below.",
            authority.name
        )
    }

    fn created_page(authority: &HealthAuthority) -> String {
        page_of(authority.id)
    }
}

const FIELDS: &[&str] = &["name", "issuer", "audience", "jwksUri"];

fn settings_form(m: &mut Markup, form: &CardForm<'_>, values: &AuthorityValues) {
    form.start(m, FIELDS);
    inputs(
        m,
        form.problems,
        &[
            Input::text("Name", "name", &values.name)
                .hint("A human-readable name, e.g. the state or region of the verification server."),
            Input::text("Issuer", "issuer", &values.issuer).hint(
                "The JWT iss of its certificates, usually reverse DNS (org.example.mag). Do not change it once in use.",
            ),
            Input::text("Audience", "audience", &values.audience).hint(
                "The JWT aud its certificates carry, chosen by this key server's operator (org.example.key).",
            ),
            Input::text("JWKS URI", "jwksUri", &values.jwks_uri).hint(
                "Optional. When set, the JWKS sync adds and revokes this configuration's keys from that URL.",
            ),
        ],
    );
    checkbox(
        m,
        "Enable stats API",
        "enableStats",
        "on",
        values.enable_stats,
        Some("Lets this health authority read its publish statistics."),
    );
    form.end(m, AUTHORITIES.list);
}

/// What the page of one configuration shows besides the saved state: a refused settings form
/// or a refused key form, each with what was typed.
#[derive(Debug, Default)]
pub struct Refusal {
    pub settings: Option<(AuthorityValues, Problems)>,
    pub key: Option<(KeyValues, Problems)>,
}

impl Refusal {
    /// A refused settings form.
    fn settings(values: AuthorityValues, problems: Problems) -> Self {
        Self {
            settings: Some((values, problems)),
            key: None,
        }
    }

    /// A refused add-key form.
    pub fn key(values: KeyValues, problems: Problems) -> Self {
        Self {
            settings: None,
            key: Some((values, problems)),
        }
    }
}

/// The page of configuration `id` (404 when it does not exist).
pub fn show_page(
    state: &ConsoleState,
    signed: &SignedIn,
    id: Option<i64>,
    refusal: Refusal,
    status: StatusCode,
) -> Response {
    let snapshot = state.writer.snapshot();
    let Some(ha) = id.and_then(|id| snapshot.health_authority(id)) else {
        return AUTHORITIES.missing(state, signed);
    };
    let action = page_of(ha.id);
    let mut body = Markup::new();
    let keys_url = format!("{}/{}/keys", AUTHORITIES.list, ha.id);
    key_table::table(
        &mut body,
        &snapshot,
        ha,
        &keys_url,
        &signed.csrf,
        Utc::now(),
    );
    body.raw("<div class=\"two\"><section>");
    let (key_values, key_problems) = refusal
        .key
        .unwrap_or_else(|| (KeyValues::default(), Problems::none()));
    key_table::add_form(
        &mut body,
        &keys_url,
        &signed.csrf,
        &key_values,
        &key_problems,
    );
    body.raw("</section><section><h2>Settings</h2>");
    let (values, problems) = refusal
        .settings
        .unwrap_or_else(|| (AuthorityValues::of(ha), Problems::none()));
    let form = CardForm {
        action: &action,
        csrf: &signed.csrf,
        problems: &problems,
        submit: "Save changes",
    };
    settings_form(&mut body, &form, &values);
    body.raw("</section></div><section><h2>Statistics</h2><p class=\"muted\">The days of this health authority's usage statistics released so far (as <code>/v1/stats</code> gives them), in the reference's CSV form.</p><p><a class=\"button\"")
        .attr("href", &format!("{action}/stats.csv"))
        .raw(">Download statistics (CSV)</a></p></section>");
    let title = format!("Health Authority Key Configuration: {}", ha.name);
    AUTHORITIES.page(state, signed, title, body, status)
}

/// `GET /console/health-authorities/{id}`.
pub async fn show(
    State(state): State<ConsoleState>,
    signed: SignedIn,
    Path(id): Path<String>,
) -> Response {
    show_page(
        &state,
        &signed,
        parse_id(&id),
        Refusal::default(),
        StatusCode::OK,
    )
}

/// `POST /console/health-authorities/{id}`: saves the settings.
pub async fn update(
    State(state): State<ConsoleState>,
    signed: SignedIn,
    Path(id): Path<String>,
    fields: FormFields,
) -> Response {
    let Some(id) = parse_id(&id) else {
        return AUTHORITIES.missing(&state, &signed);
    };
    let values = AuthorityValues::from_form(&fields);
    let kind = WriteKind::HealthAuthorityUpdate;
    let written = state.save(&signed, kind, values.to_api(), |form, snapshot, _| {
        let authority = validation::update_health_authority(id, form, snapshot)?;
        let saved = snapshot.health_authority(id);
        Ok(Decision::edited(saved, authority).changed())
    });
    match written.await {
        Ok(changed) => state.redirect(&signed, edit_flash(changed), &page_of(id)),
        Err((status, problems)) => {
            let refusal = Refusal::settings(values, problems);
            show_page(&state, &signed, Some(id), refusal, status)
        }
    }
}
