//! `ReportType` and the transmission-risk backfill rule that depends on it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::TransmissionRisk;
use crate::quote::go_quote;

/// The diagnosis kind of a key, as set by a verification certificate.
///
/// Keys published without verified claims (bypass apps) carry no report type; that state is
/// modelled explicitly as [`ReportType::Unspecified`] and stored as `""`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum ReportType {
    /// `"confirmed"`: confirmed by a test.
    Confirmed,
    /// `"likely"`: clinical diagnosis.
    Likely,
    /// `"negative"`: a negative test; never inserted as a new key, only as a revision.
    Negative,
    /// `"user-report"`: self-reported.
    UserReport,
    /// `""`: no verified claims.
    #[default]
    Unspecified,
}

/// A report-type string that is not acceptable here. Displays `invalid report type: "<v>"`
/// with Go `%q` quoting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid report type: {}", go_quote(.value))]
pub struct ReportTypeError {
    /// The rejected string.
    pub value: String,
}

impl ReportType {
    /// Every variant, in declaration order.
    pub const ALL: [Self; 5] = [
        Self::Confirmed,
        Self::Likely,
        Self::Negative,
        Self::UserReport,
        Self::Unspecified,
    ];

    /// The stored / wire string (`""` for [`ReportType::Unspecified`]).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Confirmed => "confirmed",
            Self::Likely => "likely",
            Self::Negative => "negative",
            Self::UserReport => "user-report",
            Self::Unspecified => "",
        }
    }

    /// Inverse of [`ReportType::as_str`]: the four certificate values plus `""` (as stored for
    /// keys published without claims). Exact, case-sensitive match.
    pub fn parse(s: &str) -> Result<Self, ReportTypeError> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| ReportTypeError {
                value: s.to_owned(),
            })
    }

    /// The `reportType` claim of a verification certificate: one of the four values; `""` is
    /// rejected too (`invalid report type: ""`).
    pub fn parse_claim(s: &str) -> Result<Self, ReportTypeError> {
        match Self::parse(s) {
            Ok(Self::Unspecified) | Err(_) => Err(ReportTypeError {
                value: s.to_owned(),
            }),
            Ok(t) => Ok(t),
        }
    }
}

impl fmt::Display for ReportType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ReportType {
    type Err = ReportTypeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for ReportType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ReportType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Transmission-risk backfill: a non-zero client value is kept; otherwise `confirmed` → 2,
/// `likely` → 4, `negative` → 6, anything else (`user-report`, unspecified) → 0.
pub fn transmission_risk_for(
    report_type: ReportType,
    client: TransmissionRisk,
) -> TransmissionRisk {
    if client.get() != 0 {
        return client;
    }
    match report_type {
        ReportType::Confirmed => TransmissionRisk::from_level(2),
        ReportType::Likely => TransmissionRisk::from_level(4),
        ReportType::Negative => TransmissionRisk::from_level(6),
        ReportType::UserReport | ReportType::Unspecified => TransmissionRisk::ZERO,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn strings_round_trip() {
        for t in ReportType::ALL {
            assert_eq!(ReportType::parse(t.as_str()).unwrap(), t);
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(serde_json::from_str::<ReportType>(&json).unwrap(), t);
        }
        assert_eq!(
            serde_json::to_string(&ReportType::Unspecified).unwrap(),
            "\"\""
        );
        assert_eq!(ReportType::UserReport.to_string(), "user-report");
    }

    #[test]
    fn claim_parsing_rejects_empty_and_unknown() {
        assert_eq!(
            ReportType::parse_claim("").unwrap_err().to_string(),
            r#"invalid report type: """#
        );
        assert_eq!(
            ReportType::parse_claim("Confirmed")
                .unwrap_err()
                .to_string(),
            r#"invalid report type: "Confirmed""#
        );
        assert_eq!(
            ReportType::parse_claim("self\"report")
                .unwrap_err()
                .to_string(),
            r#"invalid report type: "self\"report""#
        );
        assert_eq!(
            ReportType::parse_claim("likely").unwrap(),
            ReportType::Likely
        );
    }

    #[test]
    fn backfill_table() {
        let zero = TransmissionRisk::ZERO;
        let cases = [
            (ReportType::Confirmed, 2),
            (ReportType::Likely, 4),
            (ReportType::Negative, 6),
            (ReportType::UserReport, 0),
            (ReportType::Unspecified, 0),
        ];
        for (t, want) in cases {
            assert_eq!(transmission_risk_for(t, zero).get(), want, "{t:?}");
        }
        // Conformance G3: user-report with client TR 5 keeps 5.
        let five = TransmissionRisk::new(5).unwrap();
        assert_eq!(transmission_risk_for(ReportType::UserReport, five).get(), 5);
    }

    proptest! {
        #[test]
        fn non_zero_client_value_is_kept(tr in 1i64..=8, idx in 0usize..5) {
            let client = TransmissionRisk::new(tr).unwrap();
            prop_assert_eq!(transmission_risk_for(ReportType::ALL[idx], client), client);
        }

        #[test]
        fn parse_accepts_only_known_strings(s in "\\PC{0,12}") {
            let known = ["confirmed", "likely", "negative", "user-report", ""];
            prop_assert_eq!(ReportType::parse(&s).is_ok(), known.contains(&s.as_str()));
        }
    }
}
