//! Rows D19 and E: per-key validation, batch size, overlap and same-start checks, embargo.

use std::time::Duration;

use chrono::TimeDelta;

use super::*;
use crate::base64::encode_std;
use crate::hmac::sort_keys;
use crate::interval::{interval_of, time_of};

/// Reference case D19.
#[test]
fn old_keys_are_reported_in_sorted_order() {
    let mut keys = vec![
        raw("IRgYIhYiy4WMl9z68bMk6w==", 2_650_032, 144, 4),
        raw("dPCphLzfG4uzXneNimkPRQ====", 2_650_176, 144, 4),
        raw("5AUyPfJKcg5cr3OgKdR8Sw==", 2_650_320, 144, 4),
    ];
    sort_keys(&mut keys);
    let m = min_start();
    let want = format!(
        "unable to read request data: 3 errors occurred:\n\
         \t* key 0 cannot be imported: key expires before minimum window; 2650320 + 144 = 2650464 which is too old, must be >= {m}\n\
         \t* key 1 cannot be imported: key expires before minimum window; 2650032 + 144 = 2650176 which is too old, must be >= {m}\n\
         \t* key 2 cannot be imported: key expires before minimum window; 2650176 + 144 = 2650320 which is too old, must be >= {m}\n\n"
    );
    let req = request(keys, claims(ReportType::Confirmed, 0));
    for policy in [PublishPolicy::default(), partial()] {
        let r = rejected(transform(&req, &policy));
        assert_eq!(r.error, want);
        assert!(r.warnings.is_empty());
    }
}

fn e1_keys() -> Vec<RawKey> {
    let mut keys: Vec<RawKey> = (1..=5).map(|n| k(n, u8::try_from(n).unwrap())).collect();
    keys[1].key = encode_std(&[0u8; 18]);
    keys[2].rolling_start_number = 100;
    keys[3].rolling_period = 200;
    keys[4].rolling_start_number += 100_000;
    keys
}

/// Reference case E1.
#[test]
fn partial_failure_mode_keeps_the_valid_key() {
    let req = request(e1_keys(), None);
    let out = ok(transform(&req, &partial()));
    assert_eq!(out.exposures.len(), 1);
    assert_eq!(out.exposures[0].interval_number, d() - 144);
    let future = d() - 5 * 144 + 100_000;
    assert_eq!(
        out.key_errors,
        vec![
            "key 1 cannot be imported: invalid key length, 18, must be 16".to_owned(),
            format!(
                "key 2 cannot be imported: key expires before minimum window; 100 + 144 = 244 \
                 which is too old, must be >= {}",
                min_start()
            ),
            "key 3 cannot be imported: invalid interval count, 200, must be >= 1 && <= 144"
                .to_owned(),
            format!(
                "key 4 cannot be imported: interval number {future} is in the future, must be <= {}",
                now_iv()
            ),
        ]
    );
    let text = out.partial_failure_error().unwrap();
    assert!(text.starts_with("4 errors occurred:\n\t* key 1 cannot be imported"));
}

/// Reference case E1.
#[test]
fn whole_batch_mode_rejects_listing_every_key() {
    let r = rejected(transform(
        &request(e1_keys(), None),
        &PublishPolicy::default(),
    ));
    assert!(matches!(&r.reason, Rejection::InvalidKeys { errors } if errors.len() == 4));
    assert!(r
        .error
        .starts_with("unable to read request data: 4 errors occurred:\n\t* key 1 "));
}

/// Reference case E3.
#[test]
fn a_rolling_period_of_zero_is_refused() {
    let mut bad = k(1, 1);
    bad.rolling_period = 0;
    let req = request(vec![bad, k(2, 2)], claims(ReportType::Confirmed, 0));
    let out = ok(transform(&req, &partial()));
    assert_eq!(out.exposures.len(), 1);
    assert_eq!(
        out.partial_failure_error().unwrap(),
        "1 error occurred:\n\t* key 0 cannot be imported: invalid interval count, 0, must be >= 1 && <= 144\n\n"
    );
    let r = rejected(transform(&req, &PublishPolicy::default()));
    assert_eq!(
        r.error,
        "unable to read request data: 1 error occurred:\n\t* key 0 cannot be imported: \
         invalid interval count, 0, must be >= 1 && <= 144\n\n"
    );
}

/// Reference case E5.
#[test]
fn transmission_risk_range_is_checked_on_the_client_value() {
    for (tr, text) in [
        (-1, "invalid transmission risk: -1, must be >= 0 && <= 8"),
        (9, "invalid transmission risk: 9, must be >= 0 && <= 8"),
    ] {
        let mut key = k(1, 1);
        key.transmission_risk = tr;
        let out = ok(transform(
            &request(vec![key, k(2, 2)], claims(ReportType::Confirmed, 0)),
            &partial(),
        ));
        assert_eq!(
            out.key_errors,
            vec![format!("key 0 cannot be imported: {text}")]
        );
    }
}

/// Reference cases E7, E9.
#[test]
fn embargo_of_still_valid_keys() {
    let key = raw(&encode_std(&[1; 16]), now_iv(), 1, 0);
    let req = request(vec![key], claims(ReportType::Confirmed, 0));
    let out = ok(transform(&req, &PublishPolicy::default()));
    // time(now_iv + 1) = 15:40; + 1h = 16:40; truncated = 16:00.
    assert_eq!(
        out.exposures[0].created_at,
        time_of(now_iv() + 1) + TimeDelta::minutes(20)
    );
    assert_eq!(out.exposures[0].created_at, june_2024(15, 16));

    let debug = PublishPolicy {
        debug_release_same_day_keys: true,
        ..PublishPolicy::default()
    };
    let out = ok(transform(&req, &debug));
    assert_eq!(out.exposures[0].created_at, june_2024(15, 15));
}

#[test]
fn embargo_example_of_the_spec() {
    // Today's key (start = today 00:00, period 144) published at 15:37 → tomorrow 01:00.
    let key = day_key(1, d());
    let out = ok(transform(
        &request(vec![key], None),
        &PublishPolicy::default(),
    ));
    assert_eq!(out.exposures[0].created_at, june_2024(16, 1));
    // An expired key gets the truncated batch time.
    let out = ok(transform(
        &request(vec![k(1, 2)], None),
        &PublishPolicy::default(),
    ));
    assert_eq!(out.exposures[0].created_at, june_2024(15, 15));
}

/// Reference case E11.
#[test]
fn seed_rule_key_must_start_inside_the_window() {
    // A key must start inside the window: rollingStartNumber >=
    // interval(now - MAX_INTERVAL_AGE_ON_PUBLISH).
    // The reference accepted a key that started before the window but ended inside it.
    let policy = PublishPolicy {
        max_interval_age: Duration::from_secs(120 * 3600),
        ..PublishPolicy::default()
    };
    let min_start = interval_of(t() - TimeDelta::hours(120));
    let at_edge = day_key(1, min_start);
    let out = ok(transform(&request(vec![at_edge], None), &policy));
    assert_eq!(out.exposures.len(), 1);
    let straddling = day_key(2, min_start - 1);
    let r = rejected(transform(&request(vec![straddling], None), &policy));
    assert!(
        r.error.contains(&format!(
            "key 0 cannot be imported: key starts before minimum window; {} is too old, must be >= {min_start}",
            min_start - 1
        )),
        "{}",
        r.error
    );
    // A key that ended before the window keeps the reference text.
    let old = day_key(3, min_start - 145);
    let r = rejected(transform(&request(vec![old], None), &policy));
    assert!(r.error.contains(&format!(
        "key expires before minimum window; {} + 144 = {} which is too old, must be >= {min_start}",
        min_start - 145,
        min_start - 1
    )));
}

/// Reference case E13.
#[test]
fn bad_base64_is_refused() {
    let req = request(
        vec![raw("QUJD2", d() - 144, 144, 0), k(2, 2)],
        claims(ReportType::Confirmed, 0),
    );
    let out = ok(transform(&req, &partial()));
    assert_eq!(
        out.key_errors,
        vec!["key 0 cannot be imported: illegal base64 data at input byte 4".to_owned()]
    );
}

/// Reference case E15.
#[test]
fn no_keys_and_too_many_keys_are_refused() {
    let r = rejected(transform(&request(vec![], None), &PublishPolicy::default()));
    assert_eq!(r.reason, Rejection::NoKeys);
    assert_eq!(r.reason.to_string(), "no exposure keys in publish request");
    assert_eq!(
        r.error,
        "unable to read request data: no exposure keys in publish request"
    );

    // 31 keys are refused before looking at them (even invalid ones).
    let keys = vec![raw("x", 0, 0, 99); 31];
    let r = rejected(transform(&request(keys, None), &PublishPolicy::default()));
    assert_eq!(
        r.reason.to_string(),
        "too many exposure keys in publish: 31, max of 30 is allowed"
    );
    // 30 keys (at most 3 per start) are accepted.
    let keys: Vec<RawKey> = (0..30)
        .map(|i| k(1 + i % 14, u8::try_from(i).unwrap()))
        .collect();
    let out = ok(transform(&request(keys, None), &PublishPolicy::default()));
    assert_eq!(out.exposures.len(), 30);
}

/// Reference case E17.
#[test]
fn non_aligned_overlaps_are_refused() {
    let s = d() - 3 * 144;
    let keys = vec![day_key(1, s), day_key(2, s + 142)];
    let r = rejected(transform(&request(keys, None), &PublishPolicy::default()));
    assert_eq!(
        r.reason.to_string(),
        format!(
            "exposure keys have non aligned overlapping intervals. {} overlaps with previous key \
             that is good from {s} to {}.",
            s + 142,
            s + 144
        )
    );
}

/// Reference case E19.
#[test]
fn touching_keys_are_fine() {
    let s = d() - 3 * 144;
    let keys = vec![
        raw(&encode_std(&[2; 16]), s + 44, 100, 0),
        raw(&encode_std(&[1; 16]), s, 44, 0),
    ];
    let out = ok(transform(&request(keys, None), &PublishPolicy::default()));
    assert_eq!(out.exposures.len(), 2);
    // Sorted by (start, period).
    assert_eq!(out.exposures[0].interval_number, s);
}

/// Reference case E21.
#[test]
fn more_than_three_keys_with_one_start_are_refused() {
    let s = d() - 3 * 144;
    let keys: Vec<RawKey> = [44, 88, 144, 88]
        .iter()
        .enumerate()
        .map(|(i, rp)| raw(&encode_std(&[u8::try_from(i).unwrap(); 16]), s, *rp, 0))
        .collect();
    let r = rejected(transform(
        &request(keys.clone(), None),
        &PublishPolicy::default(),
    ));
    assert_eq!(
        r.reason.to_string(),
        format!("too many overlapping keys for start interval: {s} want: <= 3, got: 4")
    );
    // Three same-start keys are allowed, and may overlap each other.
    let out = ok(transform(
        &request(keys[..3].to_vec(), None),
        &PublishPolicy::default(),
    ));
    assert_eq!(out.exposures.len(), 3);
}

/// Reference case E23.
#[test]
fn traveler_regions_and_app_name() {
    let mut req = request(vec![k(1, 1)], None);
    req.traveler = true;
    req.regions = vec!["us".into(), "CA".into(), "Us".into()];
    req.app_package_name = "Com.Example.APP".into();
    let e = &ok(transform(&req, &PublishPolicy::default())).exposures[0];
    assert!(e.traveler);
    assert!(e.local_provenance);
    assert_eq!(e.regions, vec!["CA".to_owned(), "US".to_owned()]);
    assert_eq!(e.app_package_name, "com.example.app");
    assert_eq!(e.key.len(), 24);
    assert_eq!(e.key_bytes.as_bytes(), &[1; 16]);
    // Bypass: no claims.
    assert_eq!(e.report_type, ReportType::Unspecified);
    assert_eq!(e.health_authority_id, None);
}
