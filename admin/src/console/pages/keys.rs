//! The keys of a health authority key configuration: the table with each key's status and
//! actions (revoke, clear expiry time, activate), and the form to add a key by pasting its PEM.
//!
//! The actions name the key by a hidden `version` field rather than a path segment, so any
//! version text works. Times are UTC, entered as RFC 3339 (blank "from" means now, blank "thru"
//! means no end), exactly as the REST API takes them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use platform::config_log::ConfigSnapshot;
use schemas::config::{ConfigChange, HealthAuthority, HealthAuthorityKey};

use super::authorities::{show_page, Refusal, AUTHORITIES};
use super::entity::parse_id;
use super::form::FormFields;
use super::html::Markup;
use super::layout::{
    badge, button_form, card_form, inputs, time, valid_from, Input, Problems, Widget,
};
use super::save::created;
use super::session::{Flash, SignedIn};
use super::ConsoleState;
use crate::validation::{
    self, key_status, HealthAuthorityKeyForm, KeyAction, KeyStatus, ValidationError,
};
use crate::writer::{Decision, WriteKind};

/// The fields of the add-key form, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyValues {
    pub version: String,
    pub public_key_pem: String,
    pub from: String,
    pub thru: String,
}

impl KeyValues {
    fn from_form(fields: &FormFields) -> Self {
        Self {
            version: fields.text("version"),
            public_key_pem: fields.text("publicKeyPem"),
            from: fields.text("from"),
            thru: fields.text("thru"),
        }
    }

    /// The REST API's form, checked by the same rules.
    fn to_api(&self) -> HealthAuthorityKeyForm {
        HealthAuthorityKeyForm {
            version: self.version.clone(),
            public_key_pem: self.public_key_pem.clone(),
            from: Some(self.from.clone()),
            thru: Some(self.thru.clone()),
        }
    }
}

const FIELDS: &[&str] = &["version", "publicKeyPem", "from", "thru"];

/// The add-key form.
pub fn add_form(
    m: &mut Markup,
    ha: &HealthAuthority,
    csrf: &str,
    values: &KeyValues,
    problems: &Problems,
) {
    m.raw("<h2>Add a key</h2>");
    card_form(
        m,
        &format!("{}/{}/keys", AUTHORITIES.list, ha.id),
        csrf,
        problems,
        FIELDS,
    );
    inputs(
        m,
        problems,
        &[
            Input::text("Version", "version", &values.version)
                .hint("The kid header of the certificates this key verifies, e.g. v1."),
            Input::text("Public key (PEM)", "publicKeyPem", &values.public_key_pem)
                .hint(
                    "The verification server's ECDSA P-256 public key: -----BEGIN PUBLIC KEY----- ...",
                )
                .widget(Widget::Textarea(5)),
            valid_from(&values.from),
            Input::text("Valid until (UTC)", "thru", &values.thru)
                .hint("Optional end of validity; leave empty for a current key."),
        ],
    );
    m.raw("<div class=\"actions\"><button type=\"submit\" class=\"primary\">Add key</button></div></form>");
}

/// The table of the configuration's keys with their actions.
pub fn table(
    m: &mut Markup,
    snapshot: &ConfigSnapshot,
    ha: &HealthAuthority,
    csrf: &str,
    now: DateTime<Utc>,
) {
    m.raw("<h2>Keys</h2>");
    if ha.jwks_uri.is_some() {
        m.raw("<p class=\"note\">This configuration has a JWKS URI: the JWKS sync keeps its keys in step with that document.</p>");
    }
    let keys: Vec<&HealthAuthorityKey> = snapshot.keys_of(ha.id).collect();
    if keys.is_empty() {
        m.raw("<p class=\"muted\">No key yet: certificates from this verification server cannot be verified until one is added.</p>");
        return;
    }
    let base = format!("{}/{}/keys", AUTHORITIES.list, ha.id);
    m.raw("<table class=\"keys\"><thead><tr><th>Version</th><th>Status</th><th>Valid from</th><th>Valid until</th><th>Public key</th><th>Actions</th></tr></thead><tbody>");
    for key in keys {
        let status = key_status(key, now);
        m.raw("<tr><td class=\"mono\">")
            .text(&key.version)
            .raw("</td><td>");
        match status {
            KeyStatus::Current => badge(m, "Current", "badge current"),
            KeyStatus::Future => badge(m, "Future", "badge future"),
            KeyStatus::Inactive => badge(m, "Not active", "badge inactive"),
        }
        m.raw("</td><td class=\"mono nowrap\">")
            .text(&time(key.from))
            .raw("</td><td class=\"mono nowrap\">")
            .text(&key.thru.map(time).unwrap_or_else(|| "—".to_owned()))
            .raw("</td><td><details><summary>Show PEM</summary><pre>")
            .text(&key.public_key_pem)
            .raw("</pre></details></td><td>");
        let version = [("version", key.version.as_str())];
        if key.thru.is_none_or(|thru| thru > now) {
            button_form(
                m,
                &format!("{base}/revoke"),
                csrf,
                &version,
                "Revoke",
                "small danger",
            );
        }
        if key.thru.is_some() {
            button_form(
                m,
                &format!("{base}/reinstate"),
                csrf,
                &version,
                "Clear expiry time",
                "small",
            );
        }
        if status == KeyStatus::Future {
            button_form(
                m,
                &format!("{base}/activate"),
                csrf,
                &version,
                "Activate now",
                "small",
            );
        }
        m.raw("</td></tr>");
    }
    m.raw("</tbody></table>");
}

/// `POST /console/health-authorities/{id}/keys`.
pub async fn add(
    State(state): State<ConsoleState>,
    signed: SignedIn,
    Path(id): Path<String>,
    fields: FormFields,
) -> Response {
    let Some(id) = parse_id(&id) else {
        return AUTHORITIES.missing(&state, &signed);
    };
    let values = KeyValues::from_form(&fields);
    let written = state.save(
        &signed,
        WriteKind::KeyAdd,
        Ok(values.to_api()),
        |form, snapshot, now| {
            let key = validation::add_key(id, form, snapshot, now)?;
            Ok(created(key, |entity| {
                ConfigChange::HealthAuthorityKeySaved { entity }
            }))
        },
    );
    match written.await {
        Ok(key) => {
            let flash = Flash::ok(format!("Key {} added.", key.version));
            state.redirect(&signed, flash, &format!("{}/{id}", AUTHORITIES.list))
        }
        Err((status, problems)) => {
            let refusal = Refusal::key(values, problems);
            show_page(&state, &signed, Some(id), refusal, status)
        }
    }
}

/// `POST .../keys/revoke` with `version`: the key stops verifying now.
pub async fn revoke(
    state: State<ConsoleState>,
    signed: SignedIn,
    path: Path<String>,
    fields: FormFields,
) -> Response {
    act(state, signed, path, fields, KeyAction::Revoke).await
}

/// `POST .../keys/reinstate` with `version`: clears the key's end ("Clear expiry time").
pub async fn reinstate(
    state: State<ConsoleState>,
    signed: SignedIn,
    path: Path<String>,
    fields: FormFields,
) -> Response {
    act(state, signed, path, fields, KeyAction::Reinstate).await
}

/// `POST .../keys/activate` with `version`: a future key becomes valid now.
pub async fn activate(
    state: State<ConsoleState>,
    signed: SignedIn,
    path: Path<String>,
    fields: FormFields,
) -> Response {
    act(state, signed, path, fields, KeyAction::Activate).await
}

type KeyRule = fn(
    i64,
    &str,
    &ConfigSnapshot,
    DateTime<Utc>,
) -> Result<(HealthAuthorityKey, bool), ValidationError>;

async fn act(
    State(state): State<ConsoleState>,
    signed: SignedIn,
    Path(id): Path<String>,
    fields: FormFields,
    action: KeyAction,
) -> Response {
    let Some(id) = parse_id(&id) else {
        return AUTHORITIES.missing(&state, &signed);
    };
    let version = fields.text("version");
    let (kind, rule, done): (WriteKind, KeyRule, &str) = match action {
        KeyAction::Revoke => (WriteKind::KeyRevoke, validation::revoke_key, "revoked"),
        KeyAction::Reinstate => (
            WriteKind::KeyReinstate,
            validation::reinstate_key,
            "has no expiry time any more",
        ),
        KeyAction::Activate => (
            WriteKind::KeyActivate,
            validation::activate_key,
            "is active",
        ),
    };
    let written = state.save(&signed, kind, Ok(()), |(), snapshot, now| {
        let (key, changed) = rule(id, &version, snapshot, now)?;
        Ok(if changed {
            Decision::one(ConfigChange::HealthAuthorityKeySaved { entity: key }, true)
        } else {
            Decision::none(false)
        })
    });
    let flash = match written.await {
        Ok(true) => Flash::ok(format!("Key {version} {done}.")),
        Ok(false) => Flash::ok(format!("Key {version} was already in that state.")),
        Err((status, problems)) => {
            if status == StatusCode::NOT_FOUND
                && state.writer.snapshot().health_authority(id).is_none()
            {
                return AUTHORITIES.missing(&state, &signed);
            }
            Flash::error(problems.messages())
        }
    };
    state.redirect(&signed, flash, &format!("{}/{id}", AUTHORITIES.list))
}
