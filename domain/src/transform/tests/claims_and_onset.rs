//! Rows F and G: symptom onset, report type and backfill; the outcome of every combination.

use std::time::Duration;

use super::*;
use crate::base64::encode_std;
use crate::hmac::sort_keys;

/// Reference case F1.
#[test]
fn default_onset_is_four_days_ago() {
    let keys = vec![k(5, 5), k(4, 4), k(3, 3)];
    let out = ok(transform(
        &request(keys, claims(ReportType::Confirmed, 0)),
        &PublishPolicy::default(),
    ));
    let dsos: Vec<Option<i32>> = out
        .exposures
        .iter()
        .map(|e| e.days_since_symptom_onset)
        .collect();
    assert_eq!(dsos, vec![Some(-1), Some(0), Some(1)]);
    assert_eq!(
        out.stats,
        PublishStatsInfo {
            missing_onset: true,
            onset_days_ago: None,
            oldest_days: 5,
        }
    );
}

/// Reference case F3.
#[test]
fn request_onset_wins_over_certificate() {
    let x = d() - 2 * 144 + 10;
    let y = d() - 6 * 144;
    let mut req = request(
        vec![k(1, 1)],
        claims(ReportType::Confirmed, u32::try_from(y).unwrap()),
    );
    req.symptom_onset_interval = x;
    let out = ok(transform(&req, &PublishPolicy::default()));
    assert_eq!(out.exposures[0].days_since_symptom_onset, Some(1));
    assert_eq!(out.stats.onset_days_ago, Some(2));
    assert!(!out.stats.missing_onset);
    // Without the request value the certificate's is used.
    req.symptom_onset_interval = 0;
    let out = ok(transform(&req, &PublishPolicy::default()));
    assert_eq!(out.exposures[0].days_since_symptom_onset, Some(5));
}

/// Reference case F5.
#[test]
fn onset_in_the_current_slot_is_ignored() {
    let mut req = request(vec![k(1, 1)], claims(ReportType::Confirmed, 0));
    req.symptom_onset_interval = now_iv();
    let out = ok(transform(&req, &PublishPolicy::default()));
    assert!(out.stats.missing_onset);
    assert_eq!(out.exposures[0].days_since_symptom_onset, Some(3));
}

/// Reference case F7.
#[test]
fn onset_magnitude_limit_with_the_default_of_21_days() {
    // Seed default 21: onset 28 days ago, keys 7 and 6 days ago → DSOS 21 kept, 22 dropped.
    let onset = u32::try_from(d() - 28 * 144).unwrap();
    let mut keys = vec![k(7, 1), k(6, 2)];
    sort_keys(&mut keys);
    let dropped_index = keys
        .iter()
        .position(|key| key.rolling_start_number == d() - 6 * 144)
        .unwrap();
    let out = ok(transform(
        &request(keys, claims(ReportType::Likely, onset)),
        &PublishPolicy::default(),
    ));
    assert_eq!(out.exposures.len(), 1);
    assert_eq!(out.exposures[0].days_since_symptom_onset, Some(21));
    assert!(out.key_errors.is_empty());
    assert_eq!(
        out.warnings,
        vec![format!(
            "key {dropped_index} symptom onset is too large, 22 > 21 - saving without this key"
        )]
    );
}

/// Reference case F7.
#[test]
fn onset_limit_of_fourteen_days_as_the_reference_has_it() {
    let policy = PublishPolicy {
        max_symptom_onset_days: 14,
        ..PublishPolicy::default()
    };
    let onset = u32::try_from(d() - 21 * 144).unwrap();
    let keys = vec![k(7, 1), k(6, 2)];
    let out = ok(transform(
        &request(keys, claims(ReportType::Likely, onset)),
        &policy,
    ));
    assert_eq!(out.exposures[0].days_since_symptom_onset, Some(14));
    assert_eq!(
        out.warnings,
        vec!["key 1 symptom onset is too large, 15 > 14 - saving without this key".to_owned()]
    );
    // Negative distances use the magnitude too (keys 14 and 15 days before an onset today;
    // the age limit is widened so the 15-day-old key is not rejected for its age first).
    let policy = PublishPolicy {
        max_interval_age: Duration::from_secs(20 * 24 * 3600),
        ..policy
    };
    let onset = u32::try_from(d()).unwrap();
    let out = ok(transform(
        &request(vec![k(14, 1), k(15, 2)], claims(ReportType::Likely, onset)),
        &policy,
    ));
    assert_eq!(out.exposures[0].days_since_symptom_onset, Some(-14));
    assert_eq!(
        out.warnings,
        vec!["key 1 symptom onset is too large, 15 > 14 - saving without this key".to_owned()]
    );
}

/// Reference cases G1, G3.
#[test]
fn report_type_and_backfill() {
    let out = ok(transform(
        &request(vec![k(1, 1)], claims(ReportType::Confirmed, 0)),
        &PublishPolicy::default(),
    ));
    let e = &out.exposures[0];
    assert_eq!(
        (e.report_type, e.transmission_risk.get()),
        (ReportType::Confirmed, 2)
    );
    assert_eq!(e.health_authority_id, Some(7));

    let out = ok(transform(
        &request(vec![k(1, 1)], claims(ReportType::UserReport, 0)),
        &PublishPolicy::default(),
    ));
    assert_eq!(out.exposures[0].transmission_risk.get(), 0);
    let mut five = k(1, 1);
    five.transmission_risk = 5;
    let out = ok(transform(
        &request(vec![five.clone()], claims(ReportType::UserReport, 0)),
        &PublishPolicy::default(),
    ));
    assert_eq!(out.exposures[0].transmission_risk.get(), 5);
    // Without claims the client value is kept as is.
    let out = ok(transform(
        &request(vec![five], None),
        &PublishPolicy::default(),
    ));
    assert_eq!(out.exposures[0].transmission_risk.get(), 5);
    // A health-authority id of 0 is not applied.
    let zero_ha = Some(Claims {
        health_authority_id: 0,
        report_type: ReportType::Likely,
        symptom_onset_interval: 0,
    });
    let out = ok(transform(
        &request(vec![k(1, 1)], zero_ha),
        &PublishPolicy::default(),
    ));
    assert_eq!(out.exposures[0].health_authority_id, None);
    assert_eq!(out.exposures[0].transmission_risk.get(), 4);
}

/// Reference case G5.
#[test]
fn negative_keys_are_transformed_with_risk_six() {
    let out = ok(transform(
        &request(vec![k(1, 1), k(2, 2)], claims(ReportType::Negative, 0)),
        &PublishPolicy::default(),
    ));
    assert!(out
        .exposures
        .iter()
        .all(|e| e.report_type == ReportType::Negative && e.transmission_risk.get() == 6));
}

#[test]
fn every_combination_has_its_outcome() {
    let policy14 = |partial_failure| PublishPolicy {
        max_symptom_onset_days: 14,
        allow_partial_failure: partial_failure,
        ..PublishPolicy::default()
    };
    let onset = u32::try_from(d() - 20 * 144).unwrap();
    // Every key dropped by the onset limit only: success with nothing to store.
    for partial_failure in [false, true] {
        let out = ok(transform(
            &request(vec![k(1, 1), k(2, 2)], claims(ReportType::Likely, onset)),
            &policy14(partial_failure),
        ));
        assert!(out.exposures.is_empty());
        assert!(out.key_errors.is_empty());
        assert_eq!(out.warnings.len(), 2);
        assert_eq!(out.partial_failure_error(), None);
    }
    // Mix of errors and onset drops with no survivor: rejected, warnings kept.
    let keys = vec![k(1, 1), raw("QUJD2", 0, 144, 0)];
    for partial_failure in [false, true] {
        let r = rejected(transform(
            &request(keys.clone(), claims(ReportType::Likely, onset)),
            &policy14(partial_failure),
        ));
        assert_eq!(r.warnings.len(), 1);
        assert!(r
            .error
            .starts_with("unable to read request data: 1 error occurred:"));
    }
    // Onset warnings are reported on batch-check rejections too.
    let s = d() - 10 * 144;
    let keys = vec![day_key(1, s), day_key(2, s + 1), k(1, 3)];
    let r = rejected(transform(
        &request(keys, claims(ReportType::Likely, onset)),
        &policy14(false),
    ));
    assert!(matches!(r.reason, Rejection::NonAlignedOverlap { .. }));
    assert_eq!(r.warnings.len(), 1);
}

#[test]
fn key_errors_take_precedence_over_batch_checks_in_whole_batch_mode() {
    let s = d() - 3 * 144;
    let keys = vec![day_key(1, s), day_key(2, s + 1), raw("QUJD2", s, 144, 0)];
    let r = rejected(transform(
        &request(keys.clone(), None),
        &PublishPolicy::default(),
    ));
    assert!(matches!(r.reason, Rejection::InvalidKeys { .. }));
    let r = rejected(transform(&request(keys, None), &partial()));
    assert!(matches!(r.reason, Rejection::NonAlignedOverlap { .. }));
}

#[test]
fn int32_wrap_around_like_go() {
    let key = raw(&encode_std(&[1; 16]), i32::MAX, 1, 0);
    let r = rejected(transform(
        &request(vec![key], None),
        &PublishPolicy::default(),
    ));
    assert!(r.error.contains(&format!(
        "key expires before minimum window; 2147483647 + 1 = -2147483648 which is too old, must be >= {}",
        min_start()
    )));
}
