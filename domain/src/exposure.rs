//! `Exposure`: one validated key ready to be stored, as produced by the transform.

use chrono::{DateTime, Utc};

use crate::types::{ReportType, RollingPeriod, TemporaryExposureKey, TransmissionRisk};

/// A key that passed every publish rule, with all columns of the `exposure` row it becomes.
///
/// `Debug` redacts the key.
#[derive(Clone, PartialEq, Eq)]
pub struct Exposure {
    /// Standard base64 with padding (24 characters): the `exposure_key` primary key. Always the
    /// encoding of `key_bytes`, whatever flavour the phone sent.
    pub key: String,
    /// The key bytes.
    pub key_bytes: TemporaryExposureKey,
    /// `rollingStartNumber`.
    pub interval_number: i32,
    /// `rollingPeriod`.
    pub interval_count: RollingPeriod,
    /// Transmission risk after the report-type backfill.
    pub transmission_risk: TransmissionRisk,
    /// Authorized-app name, lower-cased.
    pub app_package_name: String,
    /// Regions, upper-cased, de-duplicated and sorted.
    pub regions: Vec<String>,
    /// The request's `traveler` flag.
    pub traveler: bool,
    /// Always true for keys published through this path (false is federation / import).
    pub local_provenance: bool,
    /// Release time: the batch time truncated to the window, or the embargo time of a key that
    /// is still valid.
    pub created_at: DateTime<Utc>,
    /// Verifying health authority; `None` when the app bypassed verification.
    pub health_authority_id: Option<i64>,
    /// From the certificate; [`ReportType::Unspecified`] without claims.
    pub report_type: ReportType,
    /// Days since symptom onset; always set by the publish transform.
    pub days_since_symptom_onset: Option<i32>,
}

debug_redacting_key!(
    Exposure,
    key;
    interval_number,
    interval_count.get(),
    transmission_risk.get(),
    app_package_name,
    regions,
    traveler,
    local_provenance,
    created_at,
    health_authority_id,
    report_type,
    days_since_symptom_onset,
);
