//! Batch checks on the surviving keys: non-aligned overlaps and too many keys sharing a
//! start interval. Keys must already be sorted by (start, period).

use crate::exposure::Exposure;

use super::Rejection;

/// Reject keys that overlap without sharing a start interval. Touching keys
/// (`start == previous end`) are fine; same-start keys may overlap (v1.5 devices end today's key
/// early and start a new one at the same interval).
pub(crate) fn check_overlaps(sorted: &[Exposure]) -> Result<(), Rejection> {
    let Some(first) = sorted.first() else {
        return Ok(());
    };
    let mut last_start = first.interval_number;
    let mut next_start = first
        .interval_number
        .wrapping_add(first.interval_count.get());
    for e in sorted {
        let start = e.interval_number;
        let end = start.wrapping_add(e.interval_count.get());
        if start == last_start {
            next_start = end;
            continue;
        }
        if start < next_start {
            return Err(Rejection::NonAlignedOverlap {
                start,
                last_start,
                next_start,
            });
        }
        last_start = start;
        next_start = end;
    }
    Ok(())
}

/// Reject when more than `max` keys share one start interval (the first such start, in
/// ascending order, is reported).
pub(crate) fn check_same_start(sorted: &[Exposure], max: u32) -> Result<(), Rejection> {
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i].interval_number;
        let count = sorted[i..]
            .iter()
            .take_while(|e| e.interval_number == start)
            .count();
        if count > usize::try_from(max).unwrap_or(usize::MAX) {
            return Err(Rejection::TooManySameStart { start, max, count });
        }
        i += count;
    }
    Ok(())
}
