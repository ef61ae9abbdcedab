//! Keys on their way through the pipeline: the keys a phone sent ([`RawKey`] ↔ `SentKey`), the
//! certificate's claims ([`Claims`] ↔ `VerifiedClaims`), and a transformed key ([`Exposure`] ↔
//! `ProcessedExposure`).

use schemas::publish::{ProcessedExposure, SentKey, VerifiedClaims};

use super::WireError;
use crate::exposure::Exposure;
use crate::transform::Claims;
use crate::types::{RawKey, ReportType, RollingPeriod, TemporaryExposureKey, TransmissionRisk};

impl From<&RawKey> for SentKey {
    fn from(k: &RawKey) -> Self {
        SentKey {
            key: k.key.clone(),
            rolling_start_number: k.rolling_start_number,
            rolling_period: k.rolling_period,
            transmission_risk: k.transmission_risk,
        }
    }
}

/// The key text stays as sent: the transform validates it.
impl From<&SentKey> for RawKey {
    fn from(k: &SentKey) -> Self {
        RawKey {
            key: k.key.clone(),
            rolling_start_number: k.rolling_start_number,
            rolling_period: k.rolling_period,
            transmission_risk: k.transmission_risk,
        }
    }
}

impl From<&Claims> for VerifiedClaims {
    fn from(c: &Claims) -> Self {
        VerifiedClaims {
            health_authority_id: c.health_authority_id,
            report_type: c.report_type.as_str().to_owned(),
            symptom_onset_interval: c.symptom_onset_interval,
        }
    }
}

/// The report type must be one of the four certificate values (`""` is refused, as the
/// certificate check refuses it).
impl TryFrom<&VerifiedClaims> for Claims {
    type Error = WireError;

    fn try_from(c: &VerifiedClaims) -> Result<Self, WireError> {
        Ok(Claims {
            health_authority_id: c.health_authority_id,
            report_type: ReportType::parse_claim(&c.report_type)?,
            symptom_onset_interval: c.symptom_onset_interval,
        })
    }
}

impl From<Exposure> for ProcessedExposure {
    fn from(e: Exposure) -> Self {
        ProcessedExposure {
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
        }
    }
}

/// Every field is validated again (key bytes, period, risk, report type, where `""` means
/// unspecified); a converted exposure is always of local provenance (the publish path).
impl TryFrom<ProcessedExposure> for Exposure {
    type Error = WireError;

    fn try_from(e: ProcessedExposure) -> Result<Self, WireError> {
        Ok(Exposure {
            key_bytes: TemporaryExposureKey::from_base64(&e.key)?,
            key: e.key,
            interval_number: e.interval_number,
            interval_count: RollingPeriod::new(e.interval_count)?,
            transmission_risk: TransmissionRisk::new(i64::from(e.transmission_risk))?,
            report_type: ReportType::parse(&e.report_type)?,
            app_package_name: e.app_package_name,
            regions: e.regions,
            traveler: e.traveler,
            local_provenance: true,
            created_at: e.created_at,
            health_authority_id: e.health_authority_id,
            days_since_symptom_onset: e.days_since_symptom_onset,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    #[test]
    fn an_exposure_round_trips_through_the_wire_form() {
        let exposure = Exposure {
            key: "BwcHBwcHBwcHBwcHBwcHBw==".into(),
            key_bytes: TemporaryExposureKey::from([7; 16]),
            interval_number: 2_650_000,
            interval_count: RollingPeriod::new(144).unwrap(),
            transmission_risk: TransmissionRisk::new(2).unwrap(),
            app_package_name: "com.example.app".into(),
            regions: vec!["US".into()],
            traveler: false,
            local_provenance: true,
            created_at: chrono::Utc.with_ymd_and_hms(2026, 1, 2, 3, 0, 0).unwrap(),
            health_authority_id: Some(3),
            report_type: ReportType::Confirmed,
            days_since_symptom_onset: Some(-1),
        };
        let wire = ProcessedExposure::from(exposure.clone());
        assert_eq!(wire.report_type, "confirmed");
        assert_eq!(wire.interval_count, 144);
        assert_eq!(Exposure::try_from(wire), Ok(exposure));
    }

    #[test]
    fn a_claim_without_a_known_report_type_is_refused() {
        let claims = VerifiedClaims {
            health_authority_id: 1,
            report_type: String::new(),
            symptom_onset_interval: 0,
        };
        assert_eq!(
            Claims::try_from(&claims).unwrap_err().to_string(),
            "invalid report type: \"\""
        );
    }
}
