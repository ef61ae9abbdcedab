//! The processor's decision for one event: wire `PublishReceived` in, wire `PublishProcessed`
//! out, with the domain transform in between. Pure: the same event always gives the same result.

use std::time::Duration;

use domain::{Claims, PublishPolicy, RawKey, ReportType, TransformOutcome, TransformRequest};
use schemas::publish::{
    ProcessedExposure, PublishProcessed, PublishReceived, PublishSettings, PublishStats, Rejection,
    SourcePosition,
};
use schemas::Envelope;

fn policy(settings: &PublishSettings) -> PublishPolicy {
    PublishPolicy {
        max_keys_on_publish: settings.max_keys_on_publish,
        max_same_start_interval_keys: settings.max_same_start_interval_keys,
        max_interval_age: Duration::from_secs(
            u64::try_from(settings.max_interval_age_seconds).unwrap_or(0),
        ),
        truncate_window: Duration::from_secs(
            u64::try_from(settings.truncate_window_seconds).unwrap_or(0),
        ),
        max_symptom_onset_days: settings.max_symptom_onset_days,
        max_valid_symptom_onset_report_days: settings.max_valid_symptom_onset_report_days,
        default_symptom_onset_days_ago: settings.default_symptom_onset_days_ago,
        debug_release_same_day_keys: settings.debug_release_same_day_keys,
        allow_partial_failure: settings.allow_partial_failure,
    }
}

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
    let mut processed = PublishProcessed {
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
    };
    let claims = match &received.claims {
        None => None,
        Some(c) => match ReportType::parse_claim(&c.report_type) {
            Ok(report_type) => Some(Claims {
                health_authority_id: c.health_authority_id,
                report_type,
                symptom_onset_interval: c.symptom_onset_interval,
            }),
            Err(e) => {
                // The edge verified the claim; a bad value here means a foreign or corrupt event.
                processed.rejection = Some(Rejection {
                    code: "bad_request".into(),
                    error: e.to_string(),
                });
                return processed;
            }
        },
    };
    let request = TransformRequest {
        keys: received
            .keys
            .iter()
            .map(|k| RawKey {
                key: k.key.clone(),
                rolling_start_number: k.rolling_start_number,
                rolling_period: k.rolling_period,
                transmission_risk: k.transmission_risk,
            })
            .collect(),
        claims,
        symptom_onset_interval: received.symptom_onset_interval,
        batch_time: received.batch_time,
        regions: received.regions.clone(),
        traveler: received.traveler,
        app_package_name: received.authorized_app.clone(),
    };
    match domain::transform(&request, &policy(&received.settings)) {
        TransformOutcome::Rejected(rejected) => {
            processed.warnings = rejected.warnings;
            processed.rejection = Some(Rejection {
                code: "bad_request".into(),
                error: rejected.error,
            });
        }
        TransformOutcome::Transformed(t) => {
            processed.exposures = t
                .exposures
                .into_iter()
                .map(|e| ProcessedExposure {
                    key: e.key,
                    interval_number: e.interval_number,
                    interval_count: e.interval_count.get(),
                    transmission_risk: e.transmission_risk.get(),
                    app_package_name: e.app_package_name,
                    regions: e.regions,
                    traveler: e.traveler,
                    created_at: e.created_at,
                    health_authority_id: e.health_authority_id,
                    report_type: e.report_type.as_str().to_owned(),
                    days_since_symptom_onset: e.days_since_symptom_onset,
                })
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
