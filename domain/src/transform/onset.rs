//! Symptom onset selection: which onset interval a request's keys are measured against.

use chrono::{DateTime, Utc};

use crate::interval::{days, days_between, interval_of, midnight, saturating_sub};
use crate::policy::PublishPolicy;

/// The onset used for every key of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Onset {
    /// Interval number of the onset.
    pub interval: i32,
    /// True when nothing usable was supplied and the default (N days ago) was used.
    pub defaulted: bool,
}

/// Pick the onset: the request's value if usable, else the certificate's, else the default.
///
/// Usable means `min_onset <= v < now_iv` with `min_onset` = UTC midnight of
/// `batch_time - max_valid_symptom_onset_report_days`; 0 always means absent.
pub(crate) fn select_onset(
    request_onset: i32,
    claims_onset: Option<u32>,
    batch_time: DateTime<Utc>,
    policy: &PublishPolicy,
) -> Onset {
    let now_iv = interval_of(batch_time);
    let oldest = saturating_sub(batch_time, days(policy.max_valid_symptom_onset_report_days));
    let min_onset = midnight(interval_of(oldest));
    let usable = |v: i32| v != 0 && min_onset <= v && v < now_iv;

    // The claim is a uint32 that the reference converts with int32(...), wrapping.
    let from_claims = claims_onset.map(|v| i32::from_ne_bytes(v.to_ne_bytes()));
    let chosen = Some(request_onset)
        .filter(|v| usable(*v))
        .or_else(|| from_claims.filter(|v| usable(*v)));

    match chosen {
        Some(v)
            if days_between(v, now_iv).unsigned_abs()
                <= policy.max_valid_symptom_onset_report_days =>
        {
            Onset {
                interval: v,
                defaulted: false,
            }
        }
        _ => Onset {
            interval: interval_of(saturating_sub(
                batch_time,
                days(policy.default_symptom_onset_days_ago),
            )),
            defaulted: true,
        },
    }
}

/// Go's `%v` of a `float64` holding a whole number (used by the onset warning): plain digits
/// below one million, `%e`-style with the shortest mantissa from there on.
pub(crate) fn go_float_int(v: u32) -> String {
    let digits = v.to_string();
    if v < 1_000_000 {
        return digits;
    }
    let exp = digits.len() - 1;
    let (first, rest) = digits.split_at(1);
    let rest = rest.trim_end_matches('0');
    if rest.is_empty() {
        format!("{first}e+{exp:02}")
    } else {
        format!("{first}.{rest}e+{exp:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 6, 15, 15, 37, 0)
            .single()
            .unwrap()
    }

    #[test]
    fn request_wins_over_certificate() {
        let p = PublishPolicy::default();
        let now = interval_of(t());
        let req = midnight(now) - 3 * 144;
        let cert = midnight(now) - 5 * 144;
        let got = select_onset(req, Some(u32::try_from(cert).unwrap()), t(), &p);
        assert_eq!(
            got,
            Onset {
                interval: req,
                defaulted: false
            }
        );
        let got = select_onset(0, Some(u32::try_from(cert).unwrap()), t(), &p);
        assert_eq!(
            got,
            Onset {
                interval: cert,
                defaulted: false
            }
        );
    }

    #[test]
    fn out_of_range_values_fall_back_to_default() {
        let p = PublishPolicy::default();
        let now = interval_of(t());
        let default = interval_of(t() - chrono::TimeDelta::days(4));
        // F5: the current slot is not < now_iv.
        assert_eq!(select_onset(now, None, t(), &p).interval, default);
        // Exactly midnight 28 days ago is accepted; one interval earlier is not.
        let min_onset = midnight(now) - 28 * 144;
        assert_eq!(select_onset(min_onset, None, t(), &p).interval, min_onset);
        assert!(select_onset(min_onset - 1, None, t(), &p).defaulted);
        // A huge uint32 claim wraps negative and is ignored.
        assert!(select_onset(0, Some(u32::MAX), t(), &p).defaulted);
        assert!(select_onset(0, None, t(), &p).defaulted);
    }

    #[test]
    fn go_float_formatting() {
        for (n, go) in [
            (15, "15"),
            (999_999, "999999"),
            (1_000_000, "1e+06"),
            (1_234_567, "1.234567e+06"),
            (u32::MAX, "4.294967295e+09"),
        ] {
            assert_eq!(go_float_int(n), go, "{n}");
        }
    }
}
