//! Bounded integers of a key: `RollingPeriod` (1..=144) and `TransmissionRisk` (0..=8).

use serde::{Deserialize, Serialize};

/// `rollingPeriod` outside 1..=144. (0 is invalid, not "24 hours".)
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid interval count, {value}, must be >= 1 && <= 144")]
pub struct RollingPeriodError {
    /// The rejected value.
    pub value: i32,
}

/// Number of 10-minute intervals a key was valid for: 1..=144.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i32", into = "i32")]
pub struct RollingPeriod(i32);

impl RollingPeriod {
    /// Smallest valid period.
    pub const MIN: i32 = 1;
    /// Largest valid period (one day).
    pub const MAX: i32 = 144;
    /// A full day.
    pub const FULL_DAY: Self = Self(144);

    /// Accept 1..=144.
    pub fn new(value: i32) -> Result<Self, RollingPeriodError> {
        if (Self::MIN..=Self::MAX).contains(&value) {
            Ok(Self(value))
        } else {
            Err(RollingPeriodError { value })
        }
    }

    /// The period in intervals.
    pub const fn get(self) -> i32 {
        self.0
    }
}

impl TryFrom<i32> for RollingPeriod {
    type Error = RollingPeriodError;
    fn try_from(value: i32) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<RollingPeriod> for i32 {
    fn from(p: RollingPeriod) -> Self {
        p.0
    }
}

/// Client `transmissionRisk` outside 0..=8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid transmission risk: {value}, must be >= 0 && <= 8")]
pub struct TransmissionRiskError {
    /// The rejected value (a Go `int`, hence 64-bit).
    pub value: i64,
}

/// Transmission risk level: 0..=8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct TransmissionRisk(i32);

impl TransmissionRisk {
    /// Largest valid level.
    pub const MAX: i64 = 8;
    /// Level 0 ("not set" for backfill purposes).
    pub const ZERO: Self = Self(0);

    /// Accept 0..=8.
    pub fn new(value: i64) -> Result<Self, TransmissionRiskError> {
        match i32::try_from(value) {
            Ok(v) if (0..=8).contains(&v) => Ok(Self(v)),
            _ => Err(TransmissionRiskError { value }),
        }
    }

    /// Constant constructor for levels known to be valid at compile time.
    pub(crate) const fn from_level(level: u8) -> Self {
        // Callers pass literals 0..=8 only.
        Self(level as i32)
    }

    /// The level.
    pub const fn get(self) -> i32 {
        self.0
    }
}

impl TryFrom<i64> for TransmissionRisk {
    type Error = TransmissionRiskError;
    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<TransmissionRisk> for i64 {
    fn from(t: TransmissionRisk) -> Self {
        i64::from(t.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reference_texts() {
        assert_eq!(
            RollingPeriod::new(0).unwrap_err().to_string(),
            "invalid interval count, 0, must be >= 1 && <= 144"
        );
        assert_eq!(
            RollingPeriod::new(200).unwrap_err().to_string(),
            "invalid interval count, 200, must be >= 1 && <= 144"
        );
        assert_eq!(
            TransmissionRisk::new(-1).unwrap_err().to_string(),
            "invalid transmission risk: -1, must be >= 0 && <= 8"
        );
        assert_eq!(
            TransmissionRisk::new(9).unwrap_err().to_string(),
            "invalid transmission risk: 9, must be >= 0 && <= 8"
        );
    }

    #[test]
    fn serde_validates() {
        assert_eq!(
            serde_json::to_string(&RollingPeriod::FULL_DAY).unwrap(),
            "144"
        );
        assert!(serde_json::from_str::<RollingPeriod>("0").is_err());
        assert_eq!(
            serde_json::from_str::<TransmissionRisk>("8").unwrap().get(),
            8
        );
        assert!(serde_json::from_str::<TransmissionRisk>("9").is_err());
    }

    proptest! {
        #[test]
        fn rolling_period_range(v in any::<i32>()) {
            let r = RollingPeriod::new(v);
            prop_assert_eq!(r.is_ok(), (1..=144).contains(&v));
            if let Ok(p) = r { prop_assert_eq!(p.get(), v); }
        }

        #[test]
        fn transmission_risk_range(v in any::<i64>()) {
            let r = TransmissionRisk::new(v);
            prop_assert_eq!(r.is_ok(), (0..=8).contains(&v));
            if let Ok(t) = r { prop_assert_eq!(i64::from(t.get()), v); }
        }

        #[test]
        fn small_values_cover_the_edges(v in -3i64..12) {
            prop_assert_eq!(TransmissionRisk::new(v).is_ok(), (0..=8).contains(&v));
        }
    }
}
