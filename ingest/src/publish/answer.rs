//! What an accepted request turns into: the `PublishReceived` event for the pipeline, and the
//! answer to the phone, either from the pipeline's `PublishOutcome` or, when none arrives in
//! time, from the edge's own validation (degraded mode, design §3.6).

use domain::{next_token_entries, ReportType, RevisableKey};
use http::StatusCode;
use schemas::publish::{
    PublishOutcome, PublishReceived, PublishSettings, RevisableKey as WireRevisableKey,
    RevisionTokenState, SentKey, VerifiedClaims,
};

use super::checks::{Accepted, EdgeRules};
use crate::codes::{ErrorCode, ResultLabel};

/// The answer to an accepted request, before the token is minted and padding added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: StatusCode,
    pub code: Option<String>,
    pub error: String,
    pub inserted: u32,
    pub revised: u32,
    pub dropped: u32,
    pub warnings: Vec<String>,
    /// Entries of the token to mint (empty: no token).
    pub token_entries: Vec<RevisableKey>,
    pub result: ResultLabel,
}

impl Accepted {
    /// The event to enqueue.
    pub fn event(&self, rules: &EdgeRules, reply_to: &str) -> PublishReceived {
        let policy = &rules.policy;
        PublishReceived {
            authorized_app: self.app.clone(),
            batch_time: self.batch_time,
            regions: self.regions.clone(),
            claims: self.claims.map(|c| VerifiedClaims {
                health_authority_id: c.health_authority_id,
                report_type: c.report_type.as_str().to_owned(),
                symptom_onset_interval: c.symptom_onset_interval,
            }),
            keys: self
                .keys
                .iter()
                .map(|k| SentKey {
                    key: k.key.clone(),
                    rolling_start_number: k.rolling_start_number,
                    rolling_period: k.rolling_period,
                    transmission_risk: k.transmission_risk,
                })
                .collect(),
            symptom_onset_interval: self.symptom_onset_interval,
            traveler: self.traveler,
            platform: self.platform,
            revision_token: match &self.token {
                domain::TokenState::Absent => RevisionTokenState::Absent,
                domain::TokenState::DecryptFailed => RevisionTokenState::DecryptFailed,
                domain::TokenState::Valid(entries) => RevisionTokenState::Valid {
                    entries: entries.iter().map(to_wire).collect(),
                },
            },
            require_revision_token: self.require_token,
            settings: PublishSettings {
                max_keys_on_publish: policy.max_keys_on_publish,
                max_same_start_interval_keys: policy.max_same_start_interval_keys,
                max_interval_age_seconds: seconds(policy.max_interval_age),
                truncate_window_seconds: seconds(policy.truncate_window),
                max_symptom_onset_days: policy.max_symptom_onset_days,
                max_valid_symptom_onset_report_days: policy.max_valid_symptom_onset_report_days,
                default_symptom_onset_days_ago: policy.default_symptom_onset_days_ago,
                debug_release_same_day_keys: policy.debug_release_same_day_keys,
                allow_partial_failure: policy.allow_partial_failure,
                allow_partial_revisions: rules.allow_partial_revisions,
            },
            upload_digest: self.upload_digest.map(|d| domain::base64::encode_std(&d)),
            reply_to: reply_to.to_owned(),
        }
    }

    /// Degraded mode: 200 from the edge's validation. `insertedExposures` counts the keys that
    /// would be inserted (survivors that are not `negative`); the token lists the still-retained
    /// entries of the incoming token followed by every surviving key (negatives included, as the
    /// reference's token does).
    pub fn degraded_answer(&self, rules: &EdgeRules) -> Answer {
        let t = &self.transformed;
        let inserted = t
            .exposures
            .iter()
            .filter(|e| e.report_type != ReportType::Negative)
            .count();
        let processed: Vec<RevisableKey> = t.exposures.iter().map(|e| e.revisable_key()).collect();
        let token_entries = next_token_entries(
            self.token.entries(),
            &processed,
            self.batch_time,
            rules.policy.max_interval_age,
        );
        let partial = t.partial_failure_error();
        Answer {
            status: StatusCode::OK,
            code: partial
                .as_ref()
                .map(|_| ErrorCode::PartialFailure.as_str().to_owned()),
            error: partial.unwrap_or_default(),
            inserted: u32::try_from(inserted).unwrap_or(u32::MAX),
            revised: 0,
            dropped: 0,
            warnings: t.warnings.clone(),
            token_entries,
            result: ResultLabel::Ok,
        }
    }

    /// The pipeline's answer. A token is issued only for a successful outcome.
    pub fn outcome_answer(&self, outcome: &PublishOutcome) -> Answer {
        let status =
            StatusCode::from_u16(outcome.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let token_entries = if status == StatusCode::OK {
            outcome.token_entries.iter().filter_map(from_wire).collect()
        } else {
            Vec::new()
        };
        Answer {
            status,
            code: outcome.code.clone().filter(|c| !c.is_empty()),
            error: outcome.error.clone().unwrap_or_default(),
            inserted: outcome.inserted,
            revised: outcome.revised,
            dropped: outcome.dropped,
            warnings: outcome.warnings.clone(),
            token_entries,
            result: if status.is_success() || status.is_client_error() {
                ResultLabel::for_outcome_code(outcome.code.as_deref())
            } else {
                ResultLabel::DbWrite
            },
        }
    }
}

fn seconds(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

/// A token entry in wire form (standard base64 key).
pub fn to_wire(entry: &RevisableKey) -> WireRevisableKey {
    WireRevisableKey {
        key: domain::base64::encode_std(&entry.key_bytes),
        interval_number: entry.interval_number,
        interval_count: entry.interval_count,
    }
}

/// A wire token entry back to the domain form; `None` if its key is not 16 bytes of base64.
pub fn from_wire(entry: &WireRevisableKey) -> Option<RevisableKey> {
    let bytes = domain::base64::decode_lenient(&entry.key).ok()?;
    Some(RevisableKey {
        key_bytes: <[u8; 16]>::try_from(bytes).ok()?,
        interval_number: entry.interval_number,
        interval_count: entry.interval_count,
    })
}
