//! The insert / revise merge as a pure function.
//!
//! `projector` reads the stored rows for the incoming keys (inside its transaction), calls
//! [`plan_revisions`], and writes the plan: inserts with `ON CONFLICT DO NOTHING`, revisions with
//! `WHERE revised_at IS NULL`. The plan's `processed` list feeds the next revision token
//! ([`next_token_entries`]).
//!
//! The reference iterates Go maps here, so when several errors apply the one reported is
//! arbitrary. This version is deterministic: token checks visit stored rows sorted by key, and
//! the merge visits incoming keys in request order (first occurrence position of each key).

mod error;
#[cfg(test)]
mod tests;
mod token;
mod transition;

use std::collections::HashMap;

use chrono::{DateTime, Utc};

pub use error::{InternalCause, InvalidTokenCause, RevisionError};
pub use token::{next_token_entries, RevisableKey, TokenState};
pub use transition::allowed_transition;

use crate::base64::encode_std;
use crate::exposure::Exposure;
use crate::types::{transmission_risk_for, ReportType, TransmissionRisk};
use transition::check_transition;

/// The columns of a stored `exposure` row that the merge looks at.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredExposure {
    /// `exposure_key` (standard base64).
    pub key: String,
    /// `interval_number`.
    pub interval_number: i32,
    /// `interval_count`.
    pub interval_count: i32,
    /// `report_type`.
    pub report_type: ReportType,
    /// `revised_report_type`.
    pub revised_report_type: Option<ReportType>,
    /// `revised_at`; set means the key was already revised.
    pub revised_at: Option<DateTime<Utc>>,
    /// `local_provenance`; false for federated or imported keys.
    pub local_provenance: bool,
    /// `health_authority_id`.
    pub health_authority_id: Option<i64>,
}

/// Per-app switches of the merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RevisionRules {
    /// `!app.BypassRevisionToken`: existing keys need a token that lists them.
    pub require_token: bool,
    /// `ALLOW_PARTIAL_REVISIONS`: existing keys missing from the token are dropped instead of
    /// failing the request.
    pub allow_partial_revisions: bool,
}

impl Default for RevisionRules {
    fn default() -> Self {
        Self {
            require_token: true,
            allow_partial_revisions: false,
        }
    }
}

/// One stored row to update.
#[derive(Clone, PartialEq, Eq)]
pub struct Revision {
    /// `exposure_key` of the row.
    pub key: String,
    /// New report type (`revised_report_type`).
    pub revised_report_type: ReportType,
    /// `revised_at`: the incoming key's `created_at`.
    pub revised_at: DateTime<Utc>,
    /// `revised_days_since_symptom_onset`: the incoming key's DSOS.
    pub revised_days_since_symptom_onset: Option<i32>,
    /// `revised_transmission_risk`: backfill of the new type over the incoming TR.
    pub revised_transmission_risk: TransmissionRisk,
    /// `health_authority_id`: the revising request's (None without claims).
    pub health_authority_id: Option<i64>,
}

/// What to write.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RevisionPlan {
    /// New rows (never `negative` keys). `insertedExposures` counts these.
    pub inserts: Vec<Exposure>,
    /// Rows to revise.
    pub revisions: Vec<Revision>,
    /// Collapsed duplicates plus keys dropped by partial revision.
    pub dropped: usize,
    /// Inserted, revised and skipped-negative keys, for the next token.
    pub processed: Vec<RevisableKey>,
}

/// Merge `incoming` keys (after the transform) with the `existing` rows stored for them.
///
/// Rows in `existing` whose key is not among the incoming keys are ignored.
pub fn plan_revisions(
    incoming: Vec<Exposure>,
    existing: Vec<StoredExposure>,
    token: &TokenState,
    rules: RevisionRules,
) -> Result<RevisionPlan, RevisionError> {
    plan(incoming, existing, token, rules).map_err(|e| e.for_token(token))
}

fn plan(
    incoming: Vec<Exposure>,
    existing: Vec<StoredExposure>,
    token: &TokenState,
    rules: RevisionRules,
) -> Result<RevisionPlan, RevisionError> {
    let received = incoming.len();
    let mut slots = collapse_duplicates(incoming);
    let position: HashMap<String, usize> = slots
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.as_ref().map(|e| (e.key.clone(), i)))
        .collect();

    let mut stored: Vec<StoredExposure> = existing
        .into_iter()
        .filter(|row| position.contains_key(&row.key))
        .collect();
    stored.sort_by(|a, b| a.key.cmp(&b.key));
    stored.dedup_by(|a, b| a.key == b.key);

    if !stored.is_empty() {
        check_token(&stored, &position, &mut slots, token, rules)?;
    }

    let remaining: Vec<Exposure> = slots.into_iter().flatten().collect();
    let mut plan = RevisionPlan {
        dropped: received - remaining.len(),
        ..RevisionPlan::default()
    };
    let by_key: HashMap<&str, &StoredExposure> =
        stored.iter().map(|row| (row.key.as_str(), row)).collect();
    for exposure in remaining {
        match by_key.get(exposure.key.as_str()) {
            None => {
                plan.processed.push(exposure.revisable_key());
                if exposure.report_type != ReportType::Negative {
                    plan.inserts.push(exposure);
                }
            }
            Some(row) => {
                if let Some(revision) = revise(row, &exposure)? {
                    plan.processed.push(RevisableKey {
                        key_bytes: *exposure.key_bytes.as_bytes(),
                        interval_number: row.interval_number,
                        interval_count: row.interval_count,
                    });
                    plan.revisions.push(revision);
                }
            }
        }
    }
    check_single_health_authority(&plan)?;
    Ok(plan)
}

/// Later duplicates replace earlier ones in the earlier position.
fn collapse_duplicates(incoming: Vec<Exposure>) -> Vec<Option<Exposure>> {
    let mut slots: Vec<Option<Exposure>> = Vec::with_capacity(incoming.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for e in incoming {
        match seen.get(&e.key) {
            Some(&i) => slots[i] = Some(e),
            None => {
                seen.insert(e.key.clone(), slots.len());
                slots.push(Some(e));
            }
        }
    }
    slots
}

/// The token must cover every existing key (unless not required).
fn check_token(
    stored: &[StoredExposure],
    position: &HashMap<String, usize>,
    slots: &mut [Option<Exposure>],
    token: &TokenState,
    rules: RevisionRules,
) -> Result<(), RevisionError> {
    let entries = match token {
        TokenState::Valid(entries) => Some(entries),
        TokenState::Absent | TokenState::DecryptFailed => None,
    };
    if entries.is_none() && rules.require_token {
        return Err(RevisionError::MissingRevisionToken);
    }
    let mut in_token: HashMap<String, &RevisableKey> = HashMap::new();
    for entry in entries.into_iter().flatten() {
        in_token
            .entry(encode_std(&entry.key_bytes))
            .or_insert(entry);
    }

    for row in stored {
        let Some(&slot) = position.get(&row.key) else {
            continue;
        };
        let Some(incoming) = slots[slot].as_ref() else {
            continue;
        };
        let same_interval = incoming.interval_number == row.interval_number
            && incoming.interval_count.get() == row.interval_count;
        if !same_interval && rules.require_token {
            return Err(RevisionError::Internal {
                cause: InternalCause::IntervalMetadataChanged,
            });
        }
        match in_token.get(&row.key) {
            Some(entry) => {
                let matches = entry.interval_number == row.interval_number
                    && entry.interval_count == row.interval_count;
                if !matches && rules.require_token {
                    return Err(RevisionError::InvalidRevisionToken {
                        cause: InvalidTokenCause::MetadataMismatch,
                    });
                }
            }
            None if rules.require_token && rules.allow_partial_revisions => slots[slot] = None,
            None if rules.require_token => {
                return Err(RevisionError::InvalidRevisionToken {
                    cause: InvalidTokenCause::ExistingKeyNotInToken,
                })
            }
            None => {}
        }
    }
    Ok(())
}

/// The revision of one existing key by its incoming key: `Ok(None)` = nothing to do.
fn revise(row: &StoredExposure, incoming: &Exposure) -> Result<Option<Revision>, RevisionError> {
    let to = incoming.report_type;
    if to == row.report_type {
        return Ok(None);
    }
    if row.revised_at.is_some() && row.revised_report_type == Some(to) {
        return Ok(None);
    }
    if !row.local_provenance {
        return Err(RevisionError::Internal {
            cause: InternalCause::NotLocalProvenance,
        });
    }
    if row.revised_at.is_some() {
        return Err(RevisionError::KeyAlreadyRevised);
    }
    check_transition(row.report_type, to)?;
    Ok(Some(Revision {
        key: row.key.clone(),
        revised_report_type: to,
        revised_at: incoming.created_at,
        revised_days_since_symptom_onset: incoming.days_since_symptom_onset,
        revised_transmission_risk: transmission_risk_for(to, incoming.transmission_risk),
        health_authority_id: incoming.health_authority_id,
    }))
}

/// Every written entry carries the same health-authority id.
fn check_single_health_authority(plan: &RevisionPlan) -> Result<(), RevisionError> {
    let mut ids = plan
        .inserts
        .iter()
        .map(|e| e.health_authority_id)
        .chain(plan.revisions.iter().map(|r| r.health_authority_id));
    match ids.next() {
        Some(first) if ids.any(|id| id != first) => Err(RevisionError::Internal {
            cause: InternalCause::MixedHealthAuthority,
        }),
        _ => Ok(()),
    }
}

debug_redacting_key!(
    StoredExposure,
    key;
    interval_number,
    interval_count,
    report_type,
    revised_report_type,
    revised_at,
    local_provenance,
    health_authority_id,
);

debug_redacting_key!(
    Revision,
    key;
    revised_report_type,
    revised_at,
    revised_days_since_symptom_onset,
    revised_transmission_risk.get(),
    health_authority_id,
);
