//! What an accepted request turns into: the `PublishReceived` event for the pipeline, and the
//! answer to the phone, either from the pipeline's `PublishOutcome` or, when none arrives in
//! time, from the edge's own validation (degraded mode: Kafka acknowledged the event, so it
//! will be applied; the phone gets the answer the edge's checks predict).

use domain::{next_token_entries, ReportType, RevisableKey};
use http::StatusCode;
use schemas::publish::{
    PublishOutcome, PublishReceived, RevisionTokenState, SentKey, VerifiedClaims,
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
        PublishReceived {
            authorized_app: self.app.clone(),
            batch_time: self.batch_time,
            regions: self.regions.clone(),
            claims: self.claims.as_ref().map(VerifiedClaims::from),
            keys: self.keys.iter().map(SentKey::from).collect(),
            symptom_onset_interval: self.symptom_onset_interval,
            traveler: self.traveler,
            platform: self.platform,
            revision_token: RevisionTokenState::from(&self.token),
            require_revision_token: self.require_token,
            settings: domain::publish_settings(&rules.policy, rules.allow_partial_revisions),
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
            // An entry that is not a key is left out of the token rather than failing the answer.
            outcome
                .token_entries
                .iter()
                .filter_map(|e| RevisableKey::try_from(e).ok())
                .collect()
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
