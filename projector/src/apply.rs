//! Deciding a batch: which rows to insert and revise, and each request's outcome.
//!
//! Pure over its inputs: the events of the batch in log order, and the stored rows for every key
//! they mention (read under `FOR UPDATE` by the caller). Events are decided one after another
//! against an overlay of the rows written earlier in the same batch, so a batch gives the same
//! result as applying its events one by one — and a replay of the log gives the same store.

use std::collections::HashMap;
use std::time::Duration;

use domain::{
    next_token_entries, plan_revisions, Exposure, RevisionRules, StoredExposure, TokenState,
};
use schemas::publish::{PublishOutcome, PublishProcessed, RevisableKey as WireRevisableKey};
use schemas::ErrorCode;
use uuid::Uuid;

use crate::identical_retry;

/// One processed event of the batch.
#[derive(Debug, Clone)]
pub struct BatchEvent {
    pub request_id: Option<Uuid>,
    pub event: PublishProcessed,
}

/// A row to insert (a processed exposure that the merge accepted as new).
pub type Insert = Exposure;

/// Everything a batch writes and answers.
#[derive(Debug, Default)]
pub struct BatchDecision {
    pub inserts: Vec<Insert>,
    pub revisions: Vec<domain::Revision>,
    /// One outcome per event that has a request id, in event order.
    pub outcomes: Vec<(Uuid, PublishOutcome)>,
    /// Health-authority statistics of the successful, certificate-verified publishes.
    pub stats: crate::stats::StatsDeltas,
    /// Counts by outcome code (`ok`, `partial_failure`, error codes), for metrics.
    pub results: Vec<&'static str>,
    /// Upload digests of the inserted keys ([`crate::identical_retry`]).
    pub digest_writes: Vec<(String, Vec<u8>)>,
}

/// Decides `events` against `stored` (rows for all keys of the batch, keyed by `exposure_key`)
/// and their upload `digests`. Takes the events by value: their exposures move into the rows to
/// insert.
pub fn decide(
    events: Vec<BatchEvent>,
    mut stored: HashMap<String, StoredExposure>,
    mut digests: identical_retry::Digests,
) -> BatchDecision {
    let mut decision = BatchDecision::default();
    for BatchEvent { request_id, event } in events {
        let outcome = decide_one(event, &mut stored, &mut digests, &mut decision);
        decision.results.push(outcome_label(&outcome));
        if let Some(id) = request_id {
            decision.outcomes.push((id, outcome));
        }
    }
    decision
}

/// The metric label of an outcome: `ok`, or one of the codes the projector answers with (any
/// other code counts as `internal_error`).
fn outcome_label(outcome: &PublishOutcome) -> &'static str {
    let Some(code) = outcome.code.as_deref() else {
        return "ok";
    };
    match ErrorCode::parse(code) {
        Some(
            c @ (ErrorCode::PartialFailure
            | ErrorCode::BadRequest
            | ErrorCode::InvalidRevisionToken
            | ErrorCode::MissingRevisionToken
            | ErrorCode::KeyAlreadyRevised
            | ErrorCode::InvalidReportTypeTransition),
        ) => c.as_str(),
        _ => ErrorCode::InternalError.as_str(),
    }
}

fn failure(event: &PublishProcessed, code: &str, error: String) -> PublishOutcome {
    PublishOutcome {
        reply_to: event.reply_to.clone(),
        status: 400,
        code: Some(code.to_owned()),
        error: Some(error),
        inserted: 0,
        revised: 0,
        dropped: 0,
        warnings: event.warnings.clone(),
        token_entries: Vec::new(),
    }
}

fn internal_error(event: &PublishProcessed) -> PublishOutcome {
    failure(
        event,
        ErrorCode::InternalError.as_str(),
        "Internal Server Error".into(),
    )
}

fn decide_one(
    mut event: PublishProcessed,
    stored: &mut HashMap<String, StoredExposure>,
    digests: &mut identical_retry::Digests,
    decision: &mut BatchDecision,
) -> PublishOutcome {
    if let Some(rejection) = &event.rejection {
        return failure(&event, &rejection.code, rejection.error.clone());
    }
    let Ok(token) = TokenState::try_from(&event.revision_token) else {
        return internal_error(&event);
    };
    // The statistics count a publish under the health authority whose certificate verified
    // (bypassed and anonymous uploads carry none), in the hour of its `created_at`.
    let verified_by = event
        .exposures
        .iter()
        .find_map(|e| e.health_authority_id.map(|ha| (ha, e.created_at)));
    let incoming: Option<Vec<Exposure>> = std::mem::take(&mut event.exposures)
        .into_iter()
        .map(Exposure::try_from)
        .collect::<Result<_, _>>()
        .ok();
    let Some(incoming) = incoming else {
        tracing::error!("Processed event holds an invalid exposure; answering internal_error");
        return internal_error(&event);
    };
    if let Some(outcome) = identical_retry::recognise(&event, &token, &incoming, stored, digests) {
        return outcome;
    }
    let existing: Vec<StoredExposure> = incoming
        .iter()
        .filter_map(|e| stored.get(&e.key).cloned())
        .collect();
    let rules = RevisionRules {
        require_token: event.require_revision_token,
        allow_partial_revisions: event.allow_partial_revisions,
    };
    let plan = match plan_revisions(incoming, existing, &token, rules) {
        Ok(plan) => plan,
        Err(e) => return failure(&event, e.code().as_str(), e.to_string()),
    };
    let inserted = u32::try_from(plan.inserts.len()).unwrap_or(u32::MAX);
    let digest = identical_retry::event_digest(&event);
    for insert in plan.inserts {
        if let Some(digest) = &digest {
            digests.insert(insert.key.clone(), digest.clone());
            decision
                .digest_writes
                .push((insert.key.clone(), digest.clone()));
        }
        stored.insert(insert.key.clone(), stored_row(&insert));
        decision.inserts.push(insert);
    }
    for revision in &plan.revisions {
        if let Some(row) = stored.get_mut(&revision.key) {
            row.revised_report_type = Some(revision.revised_report_type);
            row.revised_at = Some(revision.revised_at);
            row.health_authority_id = revision.health_authority_id;
        }
    }
    let revised = u32::try_from(plan.revisions.len()).unwrap_or(u32::MAX);
    if let Some((health_authority_id, created_at)) = verified_by {
        crate::stats::record(
            &mut decision.stats,
            &crate::stats::Upload {
                health_authority_id,
                created_at,
                stats: &event.stats,
                teks: inserted.saturating_add(revised),
                revised_any: revised > 0,
            },
        );
    }
    decision.revisions.extend(plan.revisions);
    let max_age = Duration::from_secs(u64::try_from(event.max_interval_age_seconds).unwrap_or(0));
    let entries = next_token_entries(token.entries(), &plan.processed, event.batch_time, max_age);
    let partial_error =
        (!event.key_errors.is_empty()).then(|| domain::aggregate(&event.key_errors));
    PublishOutcome {
        reply_to: event.reply_to,
        status: 200,
        code: partial_error
            .as_ref()
            .map(|_| ErrorCode::PartialFailure.as_str().to_owned()),
        error: partial_error,
        inserted,
        revised,
        dropped: u32::try_from(plan.dropped).unwrap_or(u32::MAX),
        warnings: event.warnings,
        token_entries: entries.iter().map(WireRevisableKey::from).collect(),
    }
}

/// The stored-row view of a row this batch inserts.
fn stored_row(row: &Exposure) -> StoredExposure {
    StoredExposure {
        key: row.key.clone(),
        interval_number: row.interval_number,
        interval_count: row.interval_count.get(),
        report_type: row.report_type,
        revised_report_type: None,
        revised_at: None,
        local_provenance: true,
        health_authority_id: row.health_authority_id,
    }
}
