//! "Export Configuration" pages: list, create and edit (there is no delete: a configuration is
//! retired by setting "Valid until").
//!
//! The form, its parsing and its create and edit pages are in
//! [`crate::console::pages::export_form`]; the rules are the REST API's.

use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, Utc};

use crate::console::auth::session::SignedIn;
use crate::console::kit::time::time;
use crate::console::pages::entity::ListPage;
use crate::console::pages::export_form::{period_text, PAGES};
use crate::console::ConsoleState;

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
    PAGES.entity.list_page(
        &state,
        &signed,
        &LIST,
        snapshot.export_configs(),
        |body, config| {
            let infos: Vec<String> = config
                .signature_info_ids
                .iter()
                .map(|id| format!("#{id}"))
                .collect();
            PAGES
                .entity
                .row_start(body, config.id, &config.filename_root)
                .raw("<td>")
                .text(&config.output_region)
                .raw("</td><td>")
                .text(&period_text(config.period_seconds))
                .raw("</td><td class=\"mono nowrap\">")
                .text(&validity(config.from, config.thru, now))
                .raw("</td><td>")
                .text(&infos.join(", "))
                .raw("</td></tr>");
        },
    )
}

fn validity(from: DateTime<Utc>, thru: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match thru {
        Some(thru) if thru <= now => format!("ended {}", time(thru)),
        Some(thru) => format!("{} – {}", time(from), time(thru)),
        None => format!("from {}", time(from)),
    }
}
