//! `Exposure`: one validated key ready to be stored, as produced by the transform.

use std::fmt;

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

impl fmt::Debug for Exposure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Exposure")
            .field("key", &"<redacted>")
            .field("interval_number", &self.interval_number)
            .field("interval_count", &self.interval_count.get())
            .field("transmission_risk", &self.transmission_risk.get())
            .field("app_package_name", &self.app_package_name)
            .field("regions", &self.regions)
            .field("traveler", &self.traveler)
            .field("local_provenance", &self.local_provenance)
            .field("created_at", &self.created_at)
            .field("health_authority_id", &self.health_authority_id)
            .field("report_type", &self.report_type)
            .field("days_since_symptom_onset", &self.days_since_symptom_onset)
            .finish()
    }
}
