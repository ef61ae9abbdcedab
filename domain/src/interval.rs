//! Exposure Notification interval arithmetic.
//!
//! An *interval number* counts 10-minute slots since the Unix epoch (144 per UTC day). Every
//! publish rule (key age, embargo, days since symptom onset, token retention) is expressed in
//! interval numbers, so all of them go through the few functions here. Time is always passed in
//! by the caller: nothing in this module reads a clock.
//!
//! Go's `int32` arithmetic wraps on overflow; where the reference adds interval numbers the
//! callers use `wrapping_add` deliberately. The conversions here saturate instead of panicking.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

/// Length of one interval in seconds.
pub const INTERVAL_SECONDS: i64 = 600;

/// Number of intervals in one UTC day.
pub const INTERVALS_PER_DAY: i32 = 144;

/// Seconds between 0001-01-01T00:00:00Z (Go's zero `time.Time`) and the Unix epoch.
const GO_ZERO_TO_UNIX_SECONDS: i128 = 62_135_596_800;

const NANOS_PER_SECOND: i128 = 1_000_000_000;

/// The interval number containing `t`: `floor(unix_seconds / 600)`, saturated to the `i32` range.
pub fn interval_of(t: DateTime<Utc>) -> i32 {
    let iv = t.timestamp().div_euclid(INTERVAL_SECONDS);
    saturate_i32(iv)
}

/// The instant at which interval `iv` starts.
pub fn time_of(iv: i32) -> DateTime<Utc> {
    let secs = i64::from(iv) * INTERVAL_SECONDS;
    // |i32| * 600 seconds is about ±40,000 years, well inside chrono's ±262,000-year range, so
    // the fallback is unreachable; it only avoids a panic path.
    DateTime::from_timestamp(secs, 0).unwrap_or(if iv < 0 {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    })
}

/// The interval number of UTC 00:00 of the day that contains `iv`.
///
/// Saturates at `i32::MIN` for the first 16 interval numbers above `i32::MIN`, whose midnight is
/// not representable.
pub fn midnight(iv: i32) -> i32 {
    saturate_i32(midnight_wide(iv))
}

fn midnight_wide(iv: i32) -> i64 {
    let iv = i64::from(iv);
    iv - iv.rem_euclid(i64::from(INTERVALS_PER_DAY))
}

/// Whole UTC days from the day of `a` to the day of `b` (positive when `b` is later).
///
/// Only the UTC day of each interval matters: `(midnight(b) - midnight(a)) / 144`.
pub fn days_between(a: i32, b: i32) -> i32 {
    let diff = midnight_wide(b) - midnight_wide(a);
    // Both midnights are multiples of 144, so the division is exact and |result| < 2^32 / 144.
    saturate_i32(diff / i64::from(INTERVALS_PER_DAY))
}

/// Go's `time.Time.Truncate`: round `t` down to a multiple of `window` counted from
/// 0001-01-01T00:00:00Z. A zero window returns `t` unchanged.
///
/// For windows that divide 24 hours this equals alignment to UTC midnight; for other windows
/// (e.g. 7h) the alignment point is Go's zero time, which this reproduces exactly.
pub fn truncate(t: DateTime<Utc>, window: Duration) -> DateTime<Utc> {
    let window_ns = i128::try_from(window.as_nanos()).unwrap_or(i128::MAX);
    if window_ns == 0 {
        return t;
    }
    let since_zero = (i128::from(t.timestamp()) + GO_ZERO_TO_UNIX_SECONDS) * NANOS_PER_SECOND
        + i128::from(t.timestamp_subsec_nanos());
    let remainder = since_zero.rem_euclid(window_ns);
    // remainder < window and remainder <= since_zero for times after year 1; both conversions
    // below only fail for absurd inputs, in which case `t` is returned unchanged.
    let Ok(remainder_ns) = i64::try_from(remainder) else {
        return t;
    };
    t.checked_sub_signed(TimeDelta::nanoseconds(remainder_ns))
        .unwrap_or(t)
}

/// Convert a std duration to a chrono delta, saturating at the largest representable delta.
pub fn to_time_delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

/// `t - d`, clamped to chrono's minimum instant instead of panicking.
pub fn saturating_sub(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    t.checked_sub_signed(to_time_delta(d))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// `t + d`, clamped to chrono's maximum instant instead of panicking.
pub fn saturating_add(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    t.checked_add_signed(to_time_delta(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// A duration of `days` whole days.
pub fn days(days: u32) -> Duration {
    Duration::from_secs(u64::from(days) * 86_400)
}

fn saturate_i32(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(if v < 0 { i32::MIN } else { i32::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Timelike};
    use proptest::prelude::*;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).single().unwrap()
    }

    #[test]
    fn interval_of_known_values() {
        assert_eq!(interval_of(DateTime::UNIX_EPOCH), 0);
        // 2020-05-20T00:00:00Z = 1589932800 s = 2649888 intervals.
        assert_eq!(interval_of(utc(2020, 5, 20, 0, 0, 0)), 2_649_888);
        assert_eq!(interval_of(utc(2020, 5, 20, 0, 9, 59)), 2_649_888);
        assert_eq!(interval_of(utc(2020, 5, 20, 0, 10, 0)), 2_649_889);
        // Floor, not truncation toward zero, before the epoch.
        assert_eq!(interval_of(utc(1969, 12, 31, 23, 59, 59)), -1);
    }

    #[test]
    fn interval_of_saturates() {
        assert_eq!(interval_of(DateTime::<Utc>::MAX_UTC), i32::MAX);
        assert_eq!(interval_of(DateTime::<Utc>::MIN_UTC), i32::MIN);
    }

    #[test]
    fn midnight_and_days() {
        let d = 2_649_888;
        assert_eq!(midnight(d), d);
        assert_eq!(midnight(d + 143), d);
        assert_eq!(midnight(d + 144), d + 144);
        assert_eq!(midnight(-1), -144);
        assert_eq!(midnight(i32::MIN), i32::MIN);
        assert_eq!(days_between(d, d + 143), 0);
        assert_eq!(days_between(d + 143, d + 144), 1);
        assert_eq!(days_between(d + 144, d + 143), -1);
        assert_eq!(days_between(d - 5 * 144, d), 5);
        assert_eq!(days_between(i32::MIN, i32::MAX), 29_826_161);
    }

    #[test]
    fn truncate_hour_and_zero_window() {
        let t = utc(2021, 3, 4, 15, 37, 12) + TimeDelta::nanoseconds(5);
        assert_eq!(
            truncate(t, Duration::from_secs(3600)),
            utc(2021, 3, 4, 15, 0, 0)
        );
        assert_eq!(truncate(t, Duration::ZERO), t);
        assert_eq!(
            truncate(t, Duration::from_secs(86_400)),
            utc(2021, 3, 4, 0, 0, 0)
        );
    }

    #[test]
    fn truncate_uses_go_zero_time_for_odd_windows() {
        // 7h windows are aligned to 0001-01-01, not to the Unix epoch or to UTC midnight.
        let t = utc(2021, 3, 4, 15, 37, 12);
        let w = Duration::from_secs(7 * 3600);
        let got = truncate(t, w);
        let since_zero = i128::from(got.timestamp()) + GO_ZERO_TO_UNIX_SECONDS;
        assert_eq!(since_zero % (7 * 3600), 0);
        assert!(got <= t && t - got < TimeDelta::hours(7));
        // Unix-epoch alignment would give a different answer here.
        assert_ne!(got.timestamp() % (7 * 3600), 0);
    }

    #[test]
    fn time_of_extremes_do_not_panic() {
        assert_eq!(time_of(0), DateTime::UNIX_EPOCH);
        assert_eq!(interval_of(time_of(i32::MAX)), i32::MAX);
        assert_eq!(interval_of(time_of(i32::MIN)), i32::MIN);
    }

    fn any_time() -> impl Strategy<Value = DateTime<Utc>> {
        // Year 1 .. year 9999 with nanoseconds.
        (
            -62_135_596_800_i64..253_402_300_799_i64,
            0u32..1_000_000_000,
        )
            .prop_map(|(s, ns)| DateTime::from_timestamp(s, ns).unwrap())
    }

    proptest! {
        #[test]
        fn interval_round_trip(iv in any::<i32>()) {
            prop_assert_eq!(interval_of(time_of(iv)), iv);
        }

        #[test]
        fn interval_contains_time(t in any_time()) {
            let iv = interval_of(t);
            let start = time_of(iv);
            prop_assert!(start <= t);
            prop_assert!(t - start < TimeDelta::seconds(INTERVAL_SECONDS));
        }

        #[test]
        fn midnight_is_aligned_and_close(iv in (i32::MIN + 144)..=i32::MAX) {
            let m = midnight(iv);
            prop_assert_eq!(m.rem_euclid(144), 0);
            prop_assert!(m <= iv && iv - m < 144);
            prop_assert_eq!(time_of(m).hour(), 0);
            prop_assert_eq!(time_of(m).minute(), 0);
        }

        #[test]
        fn days_between_antisymmetric(a in any::<i32>(), b in any::<i32>()) {
            prop_assert_eq!(days_between(a, b), -days_between(b, a));
            prop_assert_eq!(days_between(a, a), 0);
        }

        #[test]
        fn days_between_matches_calendar(a in 0i32..10_000_000, b in 0i32..10_000_000) {
            let da = time_of(a).date_naive();
            let db = time_of(b).date_naive();
            prop_assert_eq!(i64::from(days_between(a, b)), (db - da).num_days());
        }

        #[test]
        fn truncate_properties(t in any_time(), secs in 1u64..200_000) {
            let w = Duration::from_secs(secs);
            let got = truncate(t, w);
            prop_assert!(got <= t);
            prop_assert!(t - got < to_time_delta(w));
            prop_assert_eq!(truncate(got, w), got);
            let since_zero = i128::from(got.timestamp()) + GO_ZERO_TO_UNIX_SECONDS;
            prop_assert_eq!(got.timestamp_subsec_nanos(), 0);
            prop_assert_eq!(since_zero % i128::from(secs), 0);
        }

        #[test]
        fn truncate_divisors_of_a_day_align_to_utc(t in any_time(), idx in 0usize..6) {
            let windows = [600u64, 1800, 3600, 7200, 21_600, 86_400];
            let w = windows[idx];
            let got = truncate(t, Duration::from_secs(w));
            let secs_of_day = i64::from(got.num_seconds_from_midnight());
            prop_assert_eq!(secs_of_day % i64::try_from(w).unwrap(), 0);
            prop_assert_eq!(got.date_naive(), t.date_naive());
        }
    }
}
