//! A key as it goes into a file, and how its protobuf fields are set (reference `makeTEK`).
//!
//! The rules are the reference's, byte for byte (golden vector G1 depends on them):
//! the transmission risk is always written (even 0); the rolling start interval is left out
//! when 0; the rolling period is left out when exactly 144 (the schema default) and written
//! otherwise, 0 included; the report type is written only for the four stored texts that map
//! to an enum value; days since onset are written iff present. Revised keys carry the revised
//! report type and onset (no fallback to the original onset) but the *original* transmission
//! risk.

use super::proto::{self, ReportType};

/// The fields of one exported key, already chosen for the `keys` or the `revised_keys` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportKey {
    /// Raw key bytes (16 for every real key; the marshaller itself does not check).
    pub key_data: Vec<u8>,
    pub transmission_risk: i32,
    pub interval_number: i32,
    pub interval_count: i32,
    pub report_type: Option<ReportType>,
    pub days_since_onset: Option<i32>,
}

/// Maps a stored report-type text to the file's enum; anything else (including `""`) is
/// unset. RECURSIVE and UNKNOWN are never produced.
pub fn report_type_from_text(text: &str) -> Option<ReportType> {
    match text {
        "confirmed" => Some(ReportType::ConfirmedTest),
        "likely" => Some(ReportType::ConfirmedClinicalDiagnosis),
        "user-report" => Some(ReportType::SelfReport),
        "negative" => Some(ReportType::Revoked),
        _ => None,
    }
}

/// The stored text of a report type (inverse of [`report_type_from_text`]); `""` for the
/// types that have none.
pub fn report_type_text(report_type: Option<ReportType>) -> &'static str {
    match report_type {
        Some(ReportType::ConfirmedTest) => "confirmed",
        Some(ReportType::ConfirmedClinicalDiagnosis) => "likely",
        Some(ReportType::SelfReport) => "user-report",
        Some(ReportType::Revoked) => "negative",
        _ => "",
    }
}

impl ExportKey {
    /// The protobuf message for this key.
    pub fn to_proto(&self) -> proto::TemporaryExposureKey {
        proto::TemporaryExposureKey {
            key_data: Some(self.key_data.clone()),
            transmission_risk_level: Some(self.transmission_risk),
            rolling_start_interval_number: (self.interval_number != 0)
                .then_some(self.interval_number),
            rolling_period: (self.interval_count != 144).then_some(self.interval_count),
            report_type: self.report_type.map(|t| t as i32),
            days_since_onset_of_symptoms: self.days_since_onset,
            variant_of_concern: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> ExportKey {
        ExportKey {
            key_data: vec![1; 16],
            transmission_risk: 0,
            interval_number: 0,
            interval_count: 144,
            report_type: None,
            days_since_onset: None,
        }
    }

    #[test]
    fn defaults_are_omitted_exactly_where_the_reference_omits_them() {
        let tek = key().to_proto();
        assert_eq!(
            tek.transmission_risk_level,
            Some(0),
            "TR 0 is still written"
        );
        assert_eq!(tek.rolling_start_interval_number, None);
        assert_eq!(tek.rolling_period, None, "144 is the schema default");
        let tek = ExportKey {
            interval_count: 0,
            interval_number: 5,
            days_since_onset: Some(0),
            ..key()
        }
        .to_proto();
        assert_eq!(tek.rolling_period, Some(0));
        assert_eq!(tek.rolling_start_interval_number, Some(5));
        assert_eq!(tek.days_since_onset_of_symptoms, Some(0));
    }

    #[test]
    fn only_the_four_stored_texts_map_to_report_types() {
        for (text, expected) in [
            ("confirmed", Some(ReportType::ConfirmedTest)),
            ("likely", Some(ReportType::ConfirmedClinicalDiagnosis)),
            ("user-report", Some(ReportType::SelfReport)),
            ("negative", Some(ReportType::Revoked)),
            ("", None),
            ("recursive", None),
            ("CONFIRMED", None),
        ] {
            assert_eq!(report_type_from_text(text), expected, "{text:?}");
            if expected.is_some() {
                assert_eq!(report_type_text(expected), text);
            }
        }
    }
}
