//! "Signature Info" pages: list, create and edit (no delete: a signature info stops signing at
//! its "Signing until" time).
//!
//! To rotate an export signing key: add a new signature info, tick it on the export
//! configuration next to the old one, and end the old one 7–10 days later (or when Apple and
//! Google say so). The private key never passes through here: "Signing key" names it for the
//! exporter's key manager.

use chrono::{DateTime, Utc};
use config::ConfigSnapshot;
use schemas::config::SignatureInfo;

use crate::console::kit::form::FormFields;
use crate::console::kit::html::Markup;
use crate::console::kit::problems::Problems;
use crate::console::kit::time::{exact_time, parse_time, time};
use crate::console::kit::widgets::{inputs, Input};
use crate::console::pages::entity::{CardForm, Entity, ListPage};
use crate::console::pages::numbered::{Numbered, NumberedForm};
use crate::console::pages::page::Section;
use crate::validation::SignatureInfoForm;

const PAGES: Numbered = Numbered {
    entity: Entity {
        section: Section::Exports,
        lead: "A signature info names a key that signs the export files, and the key id and version Apple and Google registered for it.",
        list: "/console/signature-infos",
        missing: "No such signature info",
    },
    list: ListPage {
        title: "Signature Infos",
        actions: "<div class=\"actions\"><a class=\"button primary\" href=\"/console/signature-infos/new\">Create new Signature Info</a><a href=\"/console/export-configs\">Export configurations</a></div>",
        empty: "<p class=\"muted\">No signature info yet.</p>",
        head: "<table><thead><tr><th>ID</th><th>Signing key</th><th>Key ID</th><th>Version</th><th>Signing until</th></tr></thead><tbody>",
    },
    noun: "Signature Info",
    new_title: "Create new Signature Info",
    new_note: "",
    edit_note: "<p class=\"note\">Edit a signature info only to bring its end earlier. To rotate, add a new one and end this one 7–10 days later.</p>",
};

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
pub struct InfoValues {
    signing_key: String,
    signing_key_id: String,
    signing_key_version: String,
    app_package_name: String,
    bundle_id: String,
    thru: String,
}

impl NumberedForm for InfoValues {
    type Api = SignatureInfoForm;
    type Saved = SignatureInfo;
    const PAGES: Numbered = PAGES;

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

    fn render(&self, m: &mut Markup, _snapshot: &ConfigSnapshot, form: &CardForm<'_>) {
        form.start(m, FIELDS);
        inputs(
            m,
            form.problems,
            &[
                Input::text("Signing key", "signingKey", &self.signing_key).hint(
                    "The private key's file, relative to the exporter's key directory (e.g. export-signing-key.pem).",
                ),
                Input::text("Key ID", "signingKeyId", &self.signing_key_id).hint(
                    "verification_key_id agreed with Apple and Google, normally the MCC (e.g. 310).",
                ),
                Input::text(
                    "Key version",
                    "signingKeyVersion",
                    &self.signing_key_version,
                )
                .hint("verification_key_version agreed with Apple and Google, typically v1."),
                Input::text(
                    "Android app package",
                    "appPackageName",
                    &self.app_package_name,
                )
                .hint("Optional, for your records."),
                Input::text("iOS bundle ID", "bundleId", &self.bundle_id)
                    .hint("Optional, for your records."),
                Input::text("Signing until (UTC)", "thru", &self.thru).hint(
                    "RFC 3339; files built after this time no longer carry this signature. Empty means no end.",
                ),
            ],
        );
        form.end(m, PAGES.entity.list);
    }

    fn list_row(
        body: &mut Markup,
        _snapshot: &ConfigSnapshot,
        info: &SignatureInfo,
        now: DateTime<Utc>,
    ) {
        PAGES
            .entity
            .row_start(body, info.id, &info.signing_key)
            .raw("<td>")
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

    fn created_message(saved: &SignatureInfo) -> String {
        format!("Saved signature info {}.", saved.id)
    }
}
