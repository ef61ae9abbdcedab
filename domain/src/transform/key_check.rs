//! Per-key validation: the checks that drop a key, in the reference order, and the
//! embargo time of keys that are still valid.

use chrono::{DateTime, Utc};

use crate::interval::{saturating_add, time_of, truncate};
use crate::types::{
    KeyParseError, RawKey, RollingPeriod, RollingPeriodError, TemporaryExposureKey,
    TransmissionRisk, TransmissionRiskError,
};

/// Why one key cannot be imported. Displays the reference reason (the caller prefixes
/// `key <i> cannot be imported: `).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyProblem {
    /// Bad base64 or wrong decoded length.
    #[error(transparent)]
    Key(#[from] KeyParseError),
    /// `rollingPeriod` outside 1..=144.
    #[error(transparent)]
    RollingPeriod(#[from] RollingPeriodError),
    /// The key stopped being valid before the accepted window.
    #[error(
        "key expires before minimum window; {start} + {period} = {end} which is too old, \
         must be >= {min_start}"
    )]
    TooOld {
        /// `rollingStartNumber`.
        start: i32,
        /// `rollingPeriod`.
        period: i32,
        /// `start + period` with Go's `int32` wrap-around.
        end: i32,
        /// Interval of `batch_time - max_interval_age`.
        min_start: i32,
    },
    /// The key is still valid inside the window but started before it (the seed's rule: every
    /// `rollingStartNumber` must be at or after the interval of `now - MAX_INTERVAL_AGE_ON_PUBLISH`;
    /// the reference accepted such keys).
    #[error("key starts before minimum window; {start} is too old, must be >= {min_start}")]
    StartsTooEarly {
        /// `rollingStartNumber`.
        start: i32,
        /// Interval of `batch_time - max_interval_age`.
        min_start: i32,
    },
    /// The key starts after the current interval.
    #[error("interval number {start} is in the future, must be <= {now}")]
    Future {
        /// `rollingStartNumber`.
        start: i32,
        /// Interval of the batch time.
        now: i32,
    },
    /// Client `transmissionRisk` outside 0..=8.
    #[error(transparent)]
    TransmissionRisk(#[from] TransmissionRiskError),
}

/// The time frame every key of one request is checked against.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyWindow {
    /// Oldest acceptable end interval.
    pub min_start: i32,
    /// Interval of the batch time.
    pub now_iv: i32,
    /// Batch time truncated to the window.
    pub default_created_at: DateTime<Utc>,
    /// `TRUNCATE_WINDOW`.
    pub truncate_window: std::time::Duration,
    /// `DEBUG_RELEASE_SAME_DAY_KEYS`.
    pub release_same_day: bool,
}

/// A key that passed the per-key checks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CheckedKey {
    pub key: TemporaryExposureKey,
    pub interval_number: i32,
    pub interval_count: RollingPeriod,
    /// The client's value (before backfill).
    pub transmission_risk: TransmissionRisk,
    pub created_at: DateTime<Utc>,
}

/// Run the per-key checks in order; the first failing one wins.
pub(crate) fn check_key(raw: &RawKey, window: &KeyWindow) -> Result<CheckedKey, KeyProblem> {
    let key = TemporaryExposureKey::from_base64(&raw.key)?;
    let interval_count = RollingPeriod::new(raw.rolling_period)?;
    let start = raw.rolling_start_number;
    // Go adds int32s and wraps; reproduce that rather than widening.
    let end = start.wrapping_add(interval_count.get());
    if end < window.min_start {
        return Err(KeyProblem::TooOld {
            start,
            period: interval_count.get(),
            end,
            min_start: window.min_start,
        });
    }
    if start < window.min_start {
        return Err(KeyProblem::StartsTooEarly {
            start,
            min_start: window.min_start,
        });
    }
    if start > window.now_iv {
        return Err(KeyProblem::Future {
            start,
            now: window.now_iv,
        });
    }
    let created_at = if end > window.now_iv && !window.release_same_day {
        // Still valid: embargo until the window after the key expires.
        truncate(
            saturating_add(time_of(end), window.truncate_window),
            window.truncate_window,
        )
    } else {
        window.default_created_at
    };
    let transmission_risk = TransmissionRisk::new(raw.transmission_risk)?;
    Ok(CheckedKey {
        key,
        interval_number: start,
        interval_count,
        transmission_risk,
        created_at,
    })
}
