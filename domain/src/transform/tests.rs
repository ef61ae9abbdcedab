//! Tests of the transform: key validation (old keys in key-string order, the key checks), symptom
//! onset, report types and backfill, the outcome of every combination, and a never-panics
//! property.
//! Shared fixtures live here; the cases are in the submodules.

mod claims_and_onset;
mod keys_and_batch;
mod properties;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use super::*;
use crate::base64::encode_std;
use crate::interval::{interval_of, midnight};

/// Batch time T used throughout: 2024-06-15 15:37:00 UTC.
pub(super) fn t() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 6, 15, 15, 37, 0)
        .single()
        .unwrap()
}

/// `hour`:00 UTC on the `day` of June 2024 (T is the 15th).
pub(super) fn june_2024(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 6, day, hour, 0, 0)
        .single()
        .unwrap()
}

pub(super) fn now_iv() -> i32 {
    interval_of(t())
}

/// `D`: interval of today's UTC midnight.
pub(super) fn d() -> i32 {
    midnight(now_iv())
}

pub(super) fn raw(key: &str, rsn: i32, rp: i32, tr: i64) -> RawKey {
    RawKey {
        key: key.to_owned(),
        rolling_start_number: rsn,
        rolling_period: rp,
        transmission_risk: tr,
    }
}

/// `K(n)` with a distinct key derived from `seed`.
/// A key of 16 `seed` bytes starting at interval `start`, a full day long, risk 0.
pub(super) fn day_key(seed: u8, start: i32) -> RawKey {
    raw(&encode_std(&[seed; 16]), start, 144, 0)
}

pub(super) fn k(n: i32, seed: u8) -> RawKey {
    day_key(seed, d() - 144 * n)
}

pub(super) fn request(keys: Vec<RawKey>, claims: Option<Claims>) -> TransformRequest {
    TransformRequest {
        keys,
        claims,
        symptom_onset_interval: 0,
        batch_time: t(),
        regions: vec!["US".into()],
        traveler: false,
        app_package_name: "com.example.app".into(),
    }
}

pub(super) fn claims(report_type: ReportType, onset: u32) -> Option<Claims> {
    Some(Claims {
        health_authority_id: 7,
        report_type,
        symptom_onset_interval: onset,
    })
}

pub(super) fn partial() -> PublishPolicy {
    PublishPolicy {
        allow_partial_failure: true,
        ..PublishPolicy::default()
    }
}

pub(super) fn ok(outcome: TransformOutcome) -> Transformed {
    match outcome {
        TransformOutcome::Transformed(t) => t,
        TransformOutcome::Rejected(r) => panic!("unexpected rejection: {r:?}"),
    }
}

pub(super) fn rejected(outcome: TransformOutcome) -> Rejected {
    match outcome {
        TransformOutcome::Rejected(r) => r,
        TransformOutcome::Transformed(t) => panic!("unexpected success: {t:?}"),
    }
}

pub(super) fn min_start() -> i32 {
    interval_of(t() - TimeDelta::hours(360))
}
