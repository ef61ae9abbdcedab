//! Batch windows of one export config (reference `makeBatchRanges`).
//!
//! Given the config's period, the end of its latest batch (if any), the *effective* now
//! (`now - MIN_WINDOW_AGE`) and the publish truncate window:
//!
//! - with no batch yet, exactly one window: the last full period ending at or before
//!   `floor(effective, TRUNCATE_WINDOW)`. There is no backfill to `from`: keys older than the
//!   first window are never exported by a new config (operators: create the config before the
//!   keys you want it to carry are published);
//! - otherwise every period-aligned window after the latest end up to `floor(effective,
//!   period)`, keeping only windows that end at or before the publish end. A latest end that
//!   is not aligned (the period was edited) gives a window overlapping the previous batch, so
//!   no key is missed.

use super::floor;

/// A batch window `[start, end)` in unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Window {
    pub start: i64,
    pub end: i64,
}

/// Ends before this instant (2019-01-01T00:00Z) mean "no batch yet".
const NO_BATCH_BEFORE: i64 = 1_546_300_800;

/// The windows to create, in ascending order.
pub fn batch_windows(
    period: i64,
    latest_end: Option<i64>,
    effective_now: i64,
    truncate_window: i64,
) -> Vec<Window> {
    if period <= 0 {
        return Vec::new();
    }
    let publish_end = floor(effective_now, truncate_window);
    let latest_end = latest_end.filter(|end| *end >= NO_BATCH_BEFORE);
    let Some(latest_end) = latest_end else {
        let end = floor(publish_end, period);
        return vec![Window {
            start: end - period,
            end,
        }];
    };
    let mut end = floor(effective_now, period);
    let mut windows = Vec::new();
    while end > latest_end {
        if end <= publish_end {
            windows.push(Window {
                start: end - period,
                end,
            });
        }
        end -= period;
    }
    windows.reverse();
    windows
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2020-12-10T10:11Z, the effective now of every conformance case.
    const NOW: i64 = 1_607_595_060;
    const H: i64 = 3600;
    const M: i64 = 60;

    fn at(hour: i64, minute: i64) -> i64 {
        // 2020-12-10T00:00Z + hh:mm
        1_607_558_400 + hour * H + minute * M
    }

    fn windows(period: i64, latest: Option<i64>) -> Vec<(i64, i64)> {
        let got = batch_windows(period, latest, NOW, H);
        for w in &got {
            assert_eq!(w.end - w.start, period);
        }
        got.into_iter().map(|w| (w.start, w.end)).collect()
    }

    /// Conformance case C1.
    #[test]
    fn nothing_when_the_latest_batch_is_current() {
        assert_eq!(windows(H, Some(at(10, 0))), []);
    }

    /// Conformance case C3.
    #[test]
    fn one_hour() {
        assert_eq!(windows(H, Some(at(9, 0))), [(at(9, 0), at(10, 0))]);
    }

    /// Conformance case C5.
    #[test]
    fn four_quarter_hours() {
        assert_eq!(
            windows(15 * M, Some(at(9, 0))),
            [
                (at(9, 0), at(9, 15)),
                (at(9, 15), at(9, 30)),
                (at(9, 30), at(9, 45)),
                (at(9, 45), at(10, 0)),
            ]
        );
    }

    /// Conformance case C7.
    #[test]
    fn two_daily_batches() {
        let day = 24 * H;
        assert_eq!(
            windows(day, Some(at(0, 0) - 2 * day)),
            [
                (at(0, 0) - 2 * day, at(0, 0) - day),
                (at(0, 0) - day, at(0, 0))
            ]
        );
    }

    /// Conformance case C9.
    #[test]
    fn misaligned_latest_end_overlaps() {
        assert_eq!(windows(H, Some(at(9, 15))), [(at(9, 0), at(10, 0))]);
    }

    /// Conformance case C11.
    #[test]
    fn first_batch_has_no_backfill() {
        assert_eq!(windows(10 * M, None), [(at(9, 50), at(10, 0))]);
        assert_eq!(windows(10 * M, Some(0)), [(at(9, 50), at(10, 0))]);
    }

    #[test]
    fn windows_never_pass_the_publish_end() {
        // Period 15m, truncate 1h: 10:00 is the publish end even though 10:00–10:15 would be
        // period-aligned before 10:11.
        let got = batch_windows(15 * M, Some(at(9, 45)), NOW, H);
        assert_eq!(
            got,
            [Window {
                start: at(9, 45),
                end: at(10, 0)
            }]
        );
    }
}
