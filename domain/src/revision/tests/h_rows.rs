//! Conformance group H rows that the merge decides, plus G5 (negative keys).

use chrono::{TimeDelta, TimeZone, Utc};

use super::*;

/// Reference case H1.
#[test]
fn a_likely_report_is_revised_to_confirmed() {
    let (existing, token) = first_publish();
    let plan = plan_revisions(resend(ReportType::Confirmed), existing, &token, REQUIRED).unwrap();
    assert!(plan.inserts.is_empty());
    assert_eq!(plan.dropped, 0);
    assert_eq!(plan.revisions.len(), 2);
    for (rev, dsos) in plan.revisions.iter().zip([0, -1]) {
        assert_eq!(rev.revised_report_type, ReportType::Confirmed);
        assert_eq!(rev.revised_transmission_risk.get(), 2);
        assert_eq!(rev.revised_days_since_symptom_onset, Some(dsos));
        assert_eq!(
            rev.revised_at,
            Utc.with_ymd_and_hms(2024, 6, 15, 15, 0, 0)
                .single()
                .unwrap()
        );
        assert_eq!(rev.health_authority_id, Some(7));
    }
    assert_eq!(plan.revisions[0].key, key_string(1));
    assert_eq!(plan.processed, vec![entry(1, 1), entry(2, 2)]);
    let next = next_token_entries(token.entries(), &plan.processed, t(), hours(360));
    assert_eq!(next, vec![entry(1, 1), entry(2, 2)]);
}

/// Reference case H3.
#[test]
fn an_existing_key_missing_from_the_token_is_refused() {
    let (existing, _) = first_publish();
    let t1 = TokenState::Valid(vec![entry(1, 1)]);
    let err = plan_revisions(
        resend(ReportType::Confirmed),
        existing.clone(),
        &t1,
        REQUIRED,
    )
    .unwrap_err();
    assert_eq!(
        err,
        RevisionError::InvalidRevisionToken {
            cause: InvalidTokenCause::ExistingKeyNotInToken
        }
    );
    assert_eq!(err.code().as_str(), "invalid_revision_token");
    assert_eq!(err.to_string(), "revision token is invalid");

    // ALLOW_PARTIAL_REVISIONS drops K(2) silently instead.
    let partial = RevisionRules {
        allow_partial_revisions: true,
        ..REQUIRED
    };
    let plan = plan_revisions(resend(ReportType::Confirmed), existing, &t1, partial).unwrap();
    assert_eq!(plan.dropped, 1);
    assert_eq!(plan.revisions.len(), 1);
    assert_eq!(plan.processed, vec![entry(1, 1)]);
}

/// Reference case H5.
#[test]
fn a_missing_or_undecryptable_token_is_refused() {
    let err =
        resend_first_publish(ReportType::Confirmed, &TokenState::Absent, REQUIRED).unwrap_err();
    assert_eq!(err, RevisionError::MissingRevisionToken);
    assert_eq!(err.code().as_str(), "missing_revision_token");
    assert_eq!(err.to_string(), "no revision token, but sent existing keys");

    let err = resend_first_publish(ReportType::Confirmed, &TokenState::DecryptFailed, REQUIRED)
        .unwrap_err();
    assert_eq!(
        err,
        RevisionError::InvalidRevisionToken {
            cause: InvalidTokenCause::DecryptFailed
        }
    );
}

/// Reference case H7.
#[test]
fn same_report_type_is_a_no_op() {
    let (existing, token) = first_publish();
    let plan = plan_revisions(resend(ReportType::Likely), existing, &token, REQUIRED).unwrap();
    assert_eq!(plan, RevisionPlan::default());
    // The retained token entries still give a new, non-empty token.
    let next = next_token_entries(token.entries(), &plan.processed, t(), hours(360));
    assert_eq!(next, token.entries());
}

/// Reference case H9.
#[test]
fn a_key_already_revised_is_not_revised_again() {
    let (mut existing, token) = first_publish();
    for row in &mut existing {
        row.revised_report_type = Some(ReportType::Negative);
        row.revised_at = Some(t() - TimeDelta::hours(2));
    }
    let err = plan_revisions(
        resend(ReportType::Confirmed),
        existing.clone(),
        &token,
        REQUIRED,
    )
    .unwrap_err();
    assert_eq!(err, RevisionError::KeyAlreadyRevised);
    assert_eq!(err.code().as_str(), "key_already_revised");
    assert_eq!(err.to_string(), "key was already revised");
    // Re-sending the revised type again is a no-op.
    let plan = plan_revisions(resend(ReportType::Negative), existing, &token, REQUIRED).unwrap();
    assert!(plan.revisions.is_empty() && plan.inserts.is_empty());
}

/// Reference case H11.
#[test]
fn bypassed_upload_cannot_clear_the_report_type() {
    let (existing, token) = first_publish();
    let err =
        plan_revisions(resend(ReportType::Unspecified), existing, &token, REQUIRED).unwrap_err();
    assert_eq!(err.code().as_str(), "invalid_report_type_transition");
    assert_eq!(
        err.to_string(),
        r#"invalid report type transition: cannot transition from "likely" to """#
    );
}

/// Reference case H13.
#[test]
fn a_token_with_other_metadata_is_refused() {
    let (existing, _) = first_publish();
    let mut bad = entry(1, 1);
    bad.interval_number += 1;
    let token = TokenState::Valid(vec![bad, entry(2, 2)]);
    let err =
        plan_revisions(resend(ReportType::Confirmed), existing, &token, REQUIRED).unwrap_err();
    assert_eq!(
        err,
        RevisionError::InvalidRevisionToken {
            cause: InvalidTokenCause::MetadataMismatch
        }
    );
}

/// Reference case H15.
#[test]
fn an_app_that_does_not_require_tokens_revises_without_one() {
    let plan =
        resend_first_publish(ReportType::Confirmed, &TokenState::Absent, BYPASS_TOKEN).unwrap();
    assert_eq!(plan.revisions.len(), 2);
    let next = next_token_entries(&[], &plan.processed, t(), hours(360));
    assert_eq!(next.len(), 2);
}

/// Reference case H17.
#[test]
fn federated_key_cannot_be_revised() {
    let (mut existing, token) = first_publish();
    existing[0].local_provenance = false;
    let err =
        plan_revisions(resend(ReportType::Confirmed), existing, &token, REQUIRED).unwrap_err();
    assert_eq!(
        err,
        RevisionError::Internal {
            cause: InternalCause::NotLocalProvenance
        }
    );
    assert_eq!(err.code().as_str(), "internal_error");
    assert_eq!(err.to_string(), "Internal Server Error");
}

/// Reference case H19.
#[test]
fn identical_upload_without_token_writes_nothing() {
    let plan = resend_first_publish(ReportType::Likely, &TokenState::Absent, BYPASS_TOKEN).unwrap();
    assert_eq!(plan, RevisionPlan::default());
    assert!(next_token_entries(&[], &plan.processed, t(), hours(360)).is_empty());
}

/// Reference case G5.
#[test]
fn negative_keys_are_not_inserted_but_tokenised() {
    let plan = plan_revisions(
        resend(ReportType::Negative),
        vec![],
        &TokenState::Absent,
        REQUIRED,
    )
    .unwrap();
    assert!(plan.inserts.is_empty());
    assert_eq!(plan.processed, vec![entry(1, 1), entry(2, 2)]);
    assert_eq!(
        next_token_entries(&[], &plan.processed, t(), hours(360)).len(),
        2
    );
}
