//! "Export Configuration" pages: list, create and edit (there is no delete: a configuration is
//! retired by setting "Valid until").
//!
//! The form and its parsing are in [`crate::console::pages::export_form`]; the rules are the REST API's.

use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, Utc};
use config::ConfigSnapshot;
use schemas::config::ExportConfig;

use crate::console::auth::session::SignedIn;
use crate::console::kit::form::FormFields;
use crate::console::kit::html::Markup;
use crate::console::kit::problems::Problems;
use crate::console::kit::time::time;
use crate::console::pages::entity::{Entity, ListPage};
use crate::console::pages::export_form::{config_form, period_text, ConfigValues};
use crate::console::pages::numbered::{Numbered, NumberedForm};
use crate::console::pages::page::Section;
use crate::console::ConsoleState;
use crate::validation::{self, ExportConfigForm, ValidationError};
use crate::writer::WriteKind;

const PAGES: Numbered = Numbered {
    entity: Entity {
        section: Section::Exports,
        lead: "An export configuration says which keys are published for phones to download, how often, and under which path: one series of signed export files and its index.",
        list: "/console/export-configs",
        missing: "No such export configuration",
    },
    noun: "Export Configuration",
    edit_note: "<p class=\"note\">Changes apply to files cut from now on; files already built keep their settings.</p>",
};

const LIST: ListPage = ListPage {
    title: "Export Configurations",
    actions: "<div class=\"actions\"><a class=\"button primary\" href=\"/console/export-configs/new\">Create new Export Configuration</a><a href=\"/console/signature-infos\">Signature infos</a></div>",
    empty: "<p class=\"muted\">No export configuration yet.</p>",
    head: "<table><thead><tr><th>ID</th><th>Filename root</th><th>Region</th><th>Period</th><th>Valid</th><th>Signature infos</th></tr></thead><tbody>",
};

/// `GET /console/export-configs`.
pub async fn list(State(state): State<ConsoleState>, signed: SignedIn) -> Response {
    let snapshot = state.writer.snapshot();
    let now = Utc::now();
    let empty = snapshot.export_configs().next().is_none();
    PAGES
        .entity
        .list_page(&state, &signed, &LIST, empty, |body| {
            for config in snapshot.export_configs() {
                let infos: Vec<String> = config
                    .signature_info_ids
                    .iter()
                    .map(|id| format!("#{id}"))
                    .collect();
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
                    .text(&infos.join(", "))
                    .raw("</td></tr>");
            }
        })
}

fn validity(from: DateTime<Utc>, thru: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match thru {
        Some(thru) if thru <= now => format!("ended {}", time(thru)),
        Some(thru) => format!("{} – {}", time(from), time(thru)),
        None => format!("from {}", time(from)),
    }
}

/// The form is [`crate::console::pages::export_form`]'s; here is what ties it to the pages, rules and events.
impl NumberedForm for ConfigValues {
    type Api = ExportConfigForm;
    type Saved = ExportConfig;
    const PAGES: Numbered = PAGES;
    const WRITES: (WriteKind, WriteKind) =
        (WriteKind::ExportConfigCreate, WriteKind::ExportConfigUpdate);

    fn fresh() -> Self {
        ConfigValues::fresh()
    }

    fn of(config: &ExportConfig) -> Self {
        ConfigValues::of(config)
    }

    fn from_form(fields: &FormFields) -> Self {
        ConfigValues::from_form(fields)
    }

    fn to_api(&self) -> Result<ExportConfigForm, Problems> {
        ConfigValues::to_api(self)
    }

    fn render(
        &self,
        m: &mut Markup,
        snapshot: &ConfigSnapshot,
        action: &str,
        csrf: &str,
        problems: &Problems,
        submit: &'static str,
    ) {
        config_form(m, snapshot, action, csrf, self, problems, submit);
    }

    fn find(snapshot: &ConfigSnapshot, id: i64) -> Option<&ExportConfig> {
        snapshot.export_config(id)
    }

    fn rule(
        id: Option<i64>,
        form: &ExportConfigForm,
        snapshot: &ConfigSnapshot,
        now: DateTime<Utc>,
    ) -> Result<ExportConfig, ValidationError> {
        match id {
            None => validation::create_export_config(form, snapshot, now),
            Some(id) => validation::update_export_config(id, form, snapshot, now),
        }
    }

    fn created_message(saved: &ExportConfig) -> String {
        format!("Saved export configuration {}.", saved.filename_root)
    }
}
