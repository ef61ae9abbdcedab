//! A health authority's keys as shown on its page: the table with each key's status and actions
//! (revoke, clear expiry time, activate), and the form to add a key by pasting its PEM. The
//! handlers of those forms are in the `keys` module; both are given the URL of the keys.

use chrono::{DateTime, Utc};
use config::ConfigSnapshot;
use schemas::config::{HealthAuthority, HealthAuthorityKey};

use crate::console::kit::form::FormFields;
use crate::console::kit::html::Markup;
use crate::console::kit::problems::Problems;
use crate::console::kit::time::time;
use crate::console::kit::widgets::{
    badge, button_form, card_form, inputs, valid_from, Input, Widget,
};
use crate::validation::{key_status, HealthAuthorityKeyForm, KeyStatus};

/// The fields of the add-key form, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyValues {
    pub version: String,
    pub public_key_pem: String,
    pub from: String,
    pub thru: String,
}

impl KeyValues {
    pub(crate) fn from_form(fields: &FormFields) -> Self {
        Self {
            version: fields.text("version"),
            public_key_pem: fields.text("publicKeyPem"),
            from: fields.text("from"),
            thru: fields.text("thru"),
        }
    }

    /// The REST API's form, checked by the same rules.
    pub(crate) fn to_api(&self) -> HealthAuthorityKeyForm {
        HealthAuthorityKeyForm {
            version: self.version.clone(),
            public_key_pem: self.public_key_pem.clone(),
            from: Some(self.from.clone()),
            thru: Some(self.thru.clone()),
        }
    }
}

pub const FIELDS: &[&str] = &["version", "publicKeyPem", "from", "thru"];

/// The add-key form.
pub fn add_form(
    m: &mut Markup,
    keys_url: &str,
    csrf: &str,
    values: &KeyValues,
    problems: &Problems,
) {
    m.raw("<h2>Add a key</h2>");
    card_form(m, keys_url, csrf, problems, FIELDS);
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
    keys_url: &str,
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
    let base = keys_url;
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
