//! Batching rules, free of I/O and of the clock.
//!
//! - [`ranges`]: which time windows a config gets batches for;
//! - [`group`]: how a batch's keys are split into files of at most `maxRecords` entries;
//! - [`padding`]: fake keys that raise small batches to the minimum file size;
//! - [`naming`]: object names of files and the content of `index.txt`.

pub mod group;
pub mod naming;
pub mod padding;
pub mod ranges;

/// `floor(t, d)` on unix seconds (Go `time.Truncate` for any `d` dividing 24h).
pub fn floor(t: i64, d: i64) -> i64 {
    if d <= 0 {
        t
    } else {
        t - t.rem_euclid(d)
    }
}
