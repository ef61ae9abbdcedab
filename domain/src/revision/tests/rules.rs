//! Duplicates, metadata checks, error masking, determinism, every report-type transition and
//! the next-token rule.

use chrono::TimeDelta;

use super::*;
use crate::interval::interval_of;
use crate::types::{RollingPeriod, TransmissionRisk};

#[test]
fn new_keys_are_inserted_and_duplicates_collapse() {
    let mut later = incoming(1, 1, ReportType::Likely, 5);
    later.transmission_risk = TransmissionRisk::new(3).unwrap();
    let keys = vec![
        incoming(1, 1, ReportType::Likely, 0),
        incoming(3, 3, ReportType::Likely, 0),
        later,
    ];
    let plan = plan_revisions(keys, vec![], &TokenState::Absent, REQUIRED).unwrap();
    assert_eq!(plan.dropped, 1);
    assert_eq!(plan.inserts.len(), 2);
    assert_eq!(plan.inserts[0].key, key_string(1));
    assert_eq!(plan.inserts[0].days_since_symptom_onset, Some(5));
    assert_eq!(plan.inserts[0].transmission_risk.get(), 3);
    assert_eq!(plan.processed, vec![entry(1, 1), entry(3, 3)]);
}

#[test]
fn mixed_new_and_existing_keys() {
    let (existing, token) = first_publish();
    let mut keys = resend(ReportType::Confirmed);
    keys.push(incoming(9, 0, ReportType::Confirmed, 3));
    // Rows not among the incoming keys are ignored.
    let mut existing = existing;
    existing.push(stored(42, 3, ReportType::Likely));
    let plan = plan_revisions(keys, existing, &token, REQUIRED).unwrap();
    assert_eq!(plan.inserts.len(), 1);
    assert_eq!(plan.revisions.len(), 2);
    assert_eq!(plan.processed.len(), 3);
}

#[test]
fn changed_interval_metadata() {
    let (existing, token) = first_publish();
    let mut keys = resend(ReportType::Confirmed);
    keys[0].interval_count = RollingPeriod::new(100).unwrap();
    let err = plan_revisions(keys.clone(), existing.clone(), &token, REQUIRED).unwrap_err();
    assert_eq!(
        err,
        RevisionError::Internal {
            cause: InternalCause::IntervalMetadataChanged
        }
    );
    // Without a required token the change is tolerated; the token records the stored metadata.
    let plan = plan_revisions(keys, existing, &token, BYPASS_TOKEN).unwrap();
    assert_eq!(plan.processed[0], entry(1, 1));
}

#[test]
fn decrypt_failure_masks_every_error() {
    let err = resend_first_publish(
        ReportType::Unspecified,
        &TokenState::DecryptFailed,
        BYPASS_TOKEN,
    )
    .unwrap_err();
    assert_eq!(err.code().as_str(), "invalid_revision_token");
    assert_eq!(
        RevisionError::storage_failure(&TokenState::DecryptFailed)
            .code()
            .as_str(),
        "invalid_revision_token"
    );
    assert_eq!(
        RevisionError::storage_failure(&TokenState::Absent),
        RevisionError::Internal {
            cause: InternalCause::Storage
        }
    );
}

#[test]
fn mixed_health_authorities_are_refused() {
    let mut keys = resend(ReportType::Confirmed);
    keys[1].health_authority_id = Some(8);
    let err = plan_revisions(keys, vec![], &TokenState::Absent, REQUIRED).unwrap_err();
    assert_eq!(
        err,
        RevisionError::Internal {
            cause: InternalCause::MixedHealthAuthority
        }
    );
}

#[test]
fn deterministic_whatever_the_row_order() {
    let (mut existing, _) = first_publish();
    existing[1].revised_at = Some(t());
    existing[1].revised_report_type = Some(ReportType::Negative);
    existing[0].local_provenance = false;
    let token = TokenState::Valid(vec![entry(1, 1), entry(2, 2)]);
    let a = plan_revisions(
        resend(ReportType::Confirmed),
        existing.clone(),
        &token,
        REQUIRED,
    );
    existing.reverse();
    let b = plan_revisions(resend(ReportType::Confirmed), existing, &token, REQUIRED);
    assert_eq!(a, b);
}

#[test]
fn every_report_type_transition() {
    use ReportType::{Confirmed, Likely, Negative, Unspecified, UserReport};
    let allowed = [
        (Likely, Confirmed),
        (Likely, Negative),
        (UserReport, Confirmed),
        (UserReport, Likely),
        (UserReport, Negative),
        (Unspecified, Confirmed),
        (Unspecified, Negative),
    ];
    for from in ReportType::ALL {
        for to in ReportType::ALL {
            assert_eq!(
                allowed_transition(from, to),
                allowed.contains(&(from, to)),
                "{from:?} → {to:?}"
            );
            let existing = vec![stored(1, 1, from)];
            let token = TokenState::Valid(vec![entry(1, 1)]);
            let result = plan_revisions(vec![incoming(1, 1, to, 0)], existing, &token, REQUIRED);
            if from == to {
                assert_eq!(result, Ok(RevisionPlan::default()), "{from:?} → {to:?}");
            } else if allowed.contains(&(from, to)) {
                let plan = result.unwrap();
                assert_eq!(plan.revisions[0].revised_report_type, to);
                let want_tr = transmission_risk_for(to, TransmissionRisk::ZERO);
                assert_eq!(plan.revisions[0].revised_transmission_risk, want_tr);
            } else {
                let err = result.unwrap_err();
                assert_eq!(err, RevisionError::InvalidReportTypeTransition { from, to });
                assert_eq!(
                    err.to_string(),
                    format!(
                        "invalid report type transition: cannot transition from \"{}\" to \"{}\"",
                        from.as_str(),
                        to.as_str()
                    )
                );
            }
        }
    }
}

#[test]
fn stored_empty_type_is_reported_as_empty() {
    let existing = vec![stored(1, 1, ReportType::Unspecified)];
    let token = TokenState::Valid(vec![entry(1, 1)]);
    let err = plan_revisions(
        vec![incoming(1, 1, ReportType::Likely, 0)],
        existing,
        &token,
        REQUIRED,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"invalid report type transition: cannot transition from "" to "likely""#
    );
}

#[test]
fn next_token_keeps_retained_entries_first() {
    let expired = RevisableKey {
        key_bytes: [5; 16],
        interval_number: start(16),
        interval_count: 144,
    };
    let filler = RevisableKey {
        key_bytes: [0; 16],
        interval_number: 0,
        interval_count: 0,
    };
    let mut dup = entry(2, 2);
    dup.interval_count = 10;
    let incoming_entries = [entry(2, 2), expired, filler, dup, entry(1, 1)];
    let processed = [entry(3, 0), entry(1, 1), entry(3, 0)];
    let next = next_token_entries(&incoming_entries, &processed, t(), hours(360));
    assert_eq!(next, vec![entry(2, 2), entry(1, 1), entry(3, 0)]);

    // Retention boundary: end == interval(batch_time - max_age) is kept.
    let min = interval_of(t() - TimeDelta::hours(360));
    let edge = RevisableKey {
        key_bytes: [7; 16],
        interval_number: min - 144,
        interval_count: 144,
    };
    let gone = RevisableKey {
        interval_number: min - 145,
        ..edge
    };
    assert_eq!(
        next_token_entries(&[edge], &[], t(), hours(360)),
        vec![edge]
    );
    assert!(next_token_entries(&[gone], &[], t(), hours(360)).is_empty());
}
