//! The audit trail page, and the table of changes the home page shows too.
//!
//! Entries come from the retained `en.config.audit` topic (through the same store call as
//! `GET /admin/v1/audit`): who made the change (operator name, `admin-token` or `jwks-sync`),
//! when, and what changed, summarised in words with the entity's key.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use config::ConfigSnapshot;
use schemas::config::ConfigChange;

use crate::console::auth::session::SignedIn;
use crate::console::kit::html::Markup;
use crate::console::kit::time::time;
use crate::console::pages::page::{Page, Section};
use crate::console::ConsoleState;
use crate::store::AuditEntry;

/// Changes shown on the audit page.
pub const PAGE_LIMIT: usize = 200;

/// A sentence describing `change`, with names looked up in `snapshot` when still known.
pub fn describe(change: &ConfigChange, snapshot: &ConfigSnapshot) -> String {
    let authority = |id: i64| {
        snapshot.health_authority(id).map_or_else(
            || format!("health authority {id}"),
            |ha| format!("{} (id {id})", ha.name),
        )
    };
    match change {
        ConfigChange::HealthAuthoritySaved { entity } => format!(
            "Saved health authority key configuration {} (id {}): issuer {}, audience {}{}",
            entity.name,
            entity.id,
            entity.issuer,
            entity.audience,
            entity
                .jwks_uri
                .as_deref()
                .map(|uri| format!(", JWKS URI {uri}"))
                .unwrap_or_default()
        ),
        ConfigChange::HealthAuthorityKeySaved { entity } => format!(
            "Saved key {} of {}: valid from {}{}",
            entity.version,
            authority(entity.health_authority_id),
            time(entity.from),
            entity
                .thru
                .map(|thru| format!(" until {}", time(thru)))
                .unwrap_or_else(|| ", no end".to_owned())
        ),
        ConfigChange::HealthAuthorityKeyDeleted {
            health_authority_id,
            version,
        } => format!(
            "Deleted key {version} of {}",
            authority(*health_authority_id)
        ),
        ConfigChange::AuthorizedAppSaved { entity } => format!(
            "Saved authorized health authority {}: regions {}; accepts {}{}{}",
            entity.health_authority_id,
            entity.regions.join(", "),
            if entity.allowed_health_authority_ids.is_empty() {
                "no certificates".to_owned()
            } else {
                entity
                    .allowed_health_authority_ids
                    .iter()
                    .map(|id| authority(*id))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            if entity.bypass_health_authority_verification {
                "; bypasses certificate verification"
            } else {
                ""
            },
            if entity.bypass_revision_token {
                "; bypasses revision tokens"
            } else {
                ""
            },
        ),
        ConfigChange::AuthorizedAppDeleted {
            health_authority_id,
        } => format!("Deleted authorized health authority {health_authority_id}"),
        ConfigChange::ExportConfigSaved { entity } => format!(
            "Saved export configuration {} (id {}): region {}, every {} s{}",
            entity.filename_root,
            entity.id,
            entity.output_region,
            entity.period_seconds,
            entity
                .thru
                .map(|thru| format!(", until {}", time(thru)))
                .unwrap_or_default()
        ),
        ConfigChange::SignatureInfoSaved { entity } => format!(
            "Saved signature info {} (key id {}, version {}){}",
            entity.id,
            entity.signing_key_id,
            entity.signing_key_version,
            entity
                .thru
                .map(|thru| format!(", signing until {}", time(thru)))
                .unwrap_or_default()
        ),
    }
}

/// The table of `entries`, newest first.
pub fn table(m: &mut Markup, entries: &[AuditEntry], snapshot: &ConfigSnapshot) {
    if entries.is_empty() {
        m.raw("<p class=\"muted\">No configuration change has been made yet.</p>");
        return;
    }
    m.raw("<table class=\"audit\"><thead><tr><th>When (UTC)</th><th>Who</th><th>What</th></tr></thead><tbody>");
    for entry in entries {
        m.raw("<tr><td class=\"mono nowrap\">")
            .text(&time(entry.event.occurred_at))
            .raw("</td><td>")
            .text(&entry.event.payload.actor)
            .raw("</td><td>")
            .text(&describe(&entry.event.payload.change, snapshot))
            .raw("<br><small class=\"mono\">")
            .text(&entry.event.payload.change.entity_key())
            .raw("</small></td></tr>");
    }
    m.raw("</tbody></table>");
}

/// The last `limit` changes, or a sentence saying why they cannot be shown.
pub async fn recent(state: &ConsoleState, limit: usize) -> Result<Vec<AuditEntry>, &'static str> {
    state.writer.store().recent_audit(limit).await.map_err(|e| {
        tracing::error!(error = %e, "Cannot read the audit trail");
        "The audit trail cannot be read right now; try again shortly."
    })
}

/// `GET /console/audit`.
pub async fn page(State(state): State<ConsoleState>, signed: SignedIn) -> Response {
    let snapshot = state.writer.snapshot();
    let mut body = Markup::new();
    let status = match recent(&state, PAGE_LIMIT).await {
        Ok(entries) => {
            body.raw("<p class=\"muted\">The last ")
                .display(entries.len())
                .raw(" changes (at most ")
                .display(PAGE_LIMIT)
                .raw("), newest first. The same trail is available as JSON at <code>GET /admin/v1/audit</code>.</p>");
            table(&mut body, &entries, &snapshot);
            StatusCode::OK
        }
        Err(message) => {
            body.raw("<p class=\"flash error\" role=\"alert\">")
                .text(message)
                .raw("</p>");
            StatusCode::SERVICE_UNAVAILABLE
        }
    };
    Page {
        section: Section::Audit,
        title: "Audit trail".to_owned(),
        lead: "Every configuration change, kept in a retained topic: who made it, when, and what changed.",
        flash: state.sessions.take_flash(signed.key),
        signed: &signed,
        body,
        status,
    }
    .render()
}
