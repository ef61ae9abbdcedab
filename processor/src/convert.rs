//! The processor's decision for one event: decode the wire `PublishReceived` into the domain's
//! transform request, run `domain::transform` under the settings the event carries, and encode the
//! result as a wire `PublishProcessed`. Pure: the same event always gives the same result.

use domain::{Claims, PublishPolicy, RawKey, TransformOutcome, TransformRequest, WireError};
use schemas::publish::{
    ProcessedExposure, PublishProcessed, PublishReceived, PublishStats, Rejection, SourcePosition,
};
use schemas::{Envelope, ErrorCode};

/// The processed event of the received event at `source`: a pure function of the two. The
/// pipeline produces it; the analyst's what-if replay computes it with changed settings.
pub fn processed_event(
    received: &Envelope<PublishReceived>,
    source: SourcePosition,
) -> Envelope<PublishProcessed> {
    let mut processed = process(&received.payload);
    processed.source = Some(source);
    Envelope::derived(processed, received)
}

/// Applies claims and metadata to one received publish.
pub fn process(received: &PublishReceived) -> PublishProcessed {
    let mut processed = passed_through(received);
    let outcome = decode(received)
        .map(|request| domain::transform(&request, &PublishPolicy::from(&received.settings)));
    match outcome {
        // The edge verified the claim; a bad value here means a foreign or corrupt event.
        Err(e) => processed.rejection = Some(bad_request(e.to_string())),
        Ok(TransformOutcome::Rejected(rejected)) => {
            processed.warnings = rejected.warnings;
            processed.rejection = Some(bad_request(rejected.error));
        }
        Ok(TransformOutcome::Transformed(t)) => {
            processed.exposures = t
                .exposures
                .into_iter()
                .map(ProcessedExposure::from)
                .collect();
            processed.key_errors = t.key_errors;
            processed.warnings = t.warnings;
            processed.stats.missing_onset = t.stats.missing_onset;
            processed.stats.onset_days_ago = t.stats.onset_days_ago;
            processed.stats.oldest_days = t.stats.oldest_days;
        }
    }
    processed
}

/// The transform's input from the event.
fn decode(received: &PublishReceived) -> Result<TransformRequest, WireError> {
    Ok(TransformRequest {
        keys: received.keys.iter().map(RawKey::from).collect(),
        claims: received.claims.as_ref().map(Claims::try_from).transpose()?,
        symptom_onset_interval: received.symptom_onset_interval,
        batch_time: received.batch_time,
        regions: received.regions.clone(),
        traveler: received.traveler,
        app_package_name: received.authorized_app.clone(),
    })
}

/// What the processed event takes over from the received one, whatever the transform decides.
fn passed_through(received: &PublishReceived) -> PublishProcessed {
    PublishProcessed {
        authorized_app: received.authorized_app.clone(),
        batch_time: received.batch_time,
        exposures: Vec::new(),
        key_errors: Vec::new(),
        warnings: Vec::new(),
        revision_token: received.revision_token.clone(),
        require_revision_token: received.require_revision_token,
        allow_partial_revisions: received.settings.allow_partial_revisions,
        max_interval_age_seconds: received.settings.max_interval_age_seconds,
        stats: PublishStats {
            platform: received.platform,
            missing_onset: false,
            onset_days_ago: None,
            oldest_days: 0,
        },
        rejection: None,
        upload_digest: received.upload_digest.clone(),
        reply_to: received.reply_to.clone(),
        source: None,
    }
}

fn bad_request(error: String) -> Rejection {
    Rejection {
        code: ErrorCode::BadRequest.as_str().to_owned(),
        error,
    }
}
