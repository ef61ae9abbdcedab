//! Property tests: the transform never panics and accepts every well-formed batch.

use std::time::Duration;

use proptest::prelude::*;

use super::*;
use crate::base64::encode_std;

fn arb_policy() -> impl Strategy<Value = PublishPolicy> {
    (
        (0u32..40, 0u32..5, any::<u64>(), any::<u64>()),
        (
            0u32..40,
            0u32..40,
            any::<u32>(),
            any::<bool>(),
            any::<bool>(),
        ),
    )
        .prop_map(
            |((keys, same, age, window), (onset, valid, default, debug, partial))| PublishPolicy {
                max_keys_on_publish: keys,
                max_same_start_interval_keys: same,
                max_interval_age: Duration::from_secs(age % (u64::MAX / 2)),
                truncate_window: Duration::from_secs(window % 200_000),
                max_symptom_onset_days: onset,
                max_valid_symptom_onset_report_days: valid,
                default_symptom_onset_days_ago: default,
                debug_release_same_day_keys: debug,
                allow_partial_failure: partial,
            },
        )
}

fn arb_key(today: i32) -> impl Strategy<Value = RawKey> {
    let key = prop_oneof![
        "\\PC{0,30}",
        proptest::collection::vec(any::<u8>(), 16).prop_map(|b| encode_std(&b)),
    ];
    let start = prop_oneof![any::<i32>(), (today - 20 * 144)..(today + 300)];
    let period = prop_oneof![any::<i32>(), -2i32..150];
    let risk = prop_oneof![any::<i64>(), -2i64..10];
    (key, start, period, risk).prop_map(|(key, s, p, r)| raw(&key, s, p, r))
}

proptest! {
    #[test]
    fn transform_never_panics(
        keys in proptest::collection::vec(arb_key(d()), 0..35),
        secs in prop_oneof![any::<i64>(), 1_600_000_000i64..1_800_000_000],
        request_onset in any::<i32>(),
        claim in proptest::option::of((any::<i64>(), 0usize..5, any::<u32>())),
        policy in arb_policy(),
    ) {
        let batch_time = DateTime::from_timestamp(secs % 8_000_000_000_000, 0).unwrap_or(t());
        let claims = claim.map(|(id, rt, onset)| Claims {
            health_authority_id: id,
            report_type: ReportType::ALL[rt],
            symptom_onset_interval: onset,
        });
        let req = TransformRequest {
            keys,
            claims,
            symptom_onset_interval: request_onset,
            batch_time,
            regions: vec!["x".into()],
            traveler: false,
            app_package_name: "a".into(),
        };
        match transform(&req, &policy) {
            TransformOutcome::Transformed(out) => {
                prop_assert_eq!(
                    out.exposures.len() + out.key_errors.len() + out.warnings.len(),
                    req.keys.len()
                );
                if !policy.allow_partial_failure {
                    prop_assert!(out.key_errors.is_empty());
                }
                for e in &out.exposures {
                    prop_assert_eq!(e.key.len(), 24);
                    prop_assert!((0..=8).contains(&e.transmission_risk.get()));
                    prop_assert!(e.days_since_symptom_onset.is_some());
                }
            }
            TransformOutcome::Rejected(r) => {
                prop_assert!(r.error.starts_with("unable to read request data: "));
            }
        }
    }

    #[test]
    fn valid_recent_keys_are_all_accepted(days_back in proptest::collection::btree_set(0i32..14, 1..14)) {
        let keys: Vec<RawKey> = days_back
            .iter()
            .map(|n| k(*n + 1, u8::try_from(*n).unwrap()))
            .collect();
        let out = ok(transform(&request(keys.clone(), claims(ReportType::Confirmed, 0)), &PublishPolicy::default()));
        prop_assert_eq!(out.exposures.len(), keys.len());
        prop_assert!(out.warnings.is_empty());
    }
}
