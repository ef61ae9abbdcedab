//! Tests of the merge: conformance group H (the rows expressible without HTTP) and G5 in
//! `h_rows`; the report-type transitions a revision allows, the other merge rules and the token
//! rules in `rules`.
//! Shared fixtures live here.

mod h_rows;
mod rules;

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::interval::{interval_of, midnight};
use crate::types::{RollingPeriod, TemporaryExposureKey, TransmissionRisk};

pub(super) fn t() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 6, 15, 15, 37, 0)
        .single()
        .unwrap()
}

pub(super) fn d() -> i32 {
    midnight(interval_of(t()))
}

/// `K(n)`'s start interval.
pub(super) fn start(n: i32) -> i32 {
    d() - 144 * n
}

pub(super) fn key_string(seed: u8) -> String {
    TemporaryExposureKey::from_array([seed; 16]).to_base64()
}

/// Incoming key `K(n)` (key bytes = `seed`), as the transform would produce it.
pub(super) fn incoming(seed: u8, n: i32, report_type: ReportType, dsos: i32) -> Exposure {
    let tr = transmission_risk_for(report_type, TransmissionRisk::ZERO);
    Exposure {
        key: key_string(seed),
        key_bytes: TemporaryExposureKey::from_array([seed; 16]),
        interval_number: start(n),
        interval_count: RollingPeriod::FULL_DAY,
        transmission_risk: tr,
        app_package_name: "com.example.app".into(),
        regions: vec!["US".into()],
        traveler: false,
        local_provenance: true,
        created_at: Utc
            .with_ymd_and_hms(2024, 6, 15, 15, 0, 0)
            .single()
            .unwrap(),
        health_authority_id: (report_type != ReportType::Unspecified).then_some(7),
        report_type,
        days_since_symptom_onset: Some(dsos),
    }
}

pub(super) fn stored(seed: u8, n: i32, report_type: ReportType) -> StoredExposure {
    StoredExposure {
        key: key_string(seed),
        interval_number: start(n),
        interval_count: 144,
        report_type,
        revised_report_type: None,
        revised_at: None,
        local_provenance: true,
        health_authority_id: Some(7),
    }
}

pub(super) fn entry(seed: u8, n: i32) -> RevisableKey {
    RevisableKey {
        key_bytes: [seed; 16],
        interval_number: start(n),
        interval_count: 144,
    }
}

pub(super) const REQUIRED: RevisionRules = RevisionRules {
    require_token: true,
    allow_partial_revisions: false,
};

pub(super) const BYPASS_TOKEN: RevisionRules = RevisionRules {
    require_token: false,
    allow_partial_revisions: false,
};

/// The first publish of group H: K(1), K(2) stored as `likely`, token T listing both.
pub(super) fn first_publish() -> (Vec<StoredExposure>, TokenState) {
    (
        vec![
            stored(1, 1, ReportType::Likely),
            stored(2, 2, ReportType::Likely),
        ],
        TokenState::Valid(vec![entry(1, 1), entry(2, 2)]),
    )
}

pub(super) fn resend(report_type: ReportType) -> Vec<Exposure> {
    vec![
        incoming(1, 1, report_type, 0),
        incoming(2, 2, report_type, -1),
    ]
}

/// Plans sending the first publish's keys again as `report_type`, with `token` under `rules`.
pub(super) fn resend_first_publish(
    report_type: ReportType,
    token: &TokenState,
    rules: RevisionRules,
) -> Result<RevisionPlan, RevisionError> {
    let (existing, _) = first_publish();
    plan_revisions(resend(report_type), existing, token, rules)
}

pub(super) fn hours(h: u64) -> Duration {
    Duration::from_secs(h * 3600)
}
