//! Health-authority statistics as a projection of the log: what one
//! successful, certificate-verified publish adds to the hourly row of its health authority.
//!
//! Pure: the batch collects one [`HourStats`] delta per (health authority, UTC hour) and writes
//! them in the same transaction as the keys, so a replay or a rebuild reproduces them exactly and
//! an event skipped as a repeat never counts.

use std::collections::BTreeMap;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use schemas::publish::{Platform, PublishStats};

/// Buckets of the oldest-key-age histogram; the last holds ages of 15 days and more.
pub const OLDEST_TEK_BUCKETS: usize = 16;
/// Buckets of the onset-to-upload histogram; the last holds 29 days and more.
pub const ONSET_BUCKETS: usize = 30;

/// The counters of one (health authority, hour) row, or a delta to add to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HourStats {
    /// Publishes by platform: unknown, android, ios.
    pub publish: [i64; 3],
    pub teks: i64,
    pub revisions: i64,
    pub oldest_tek_days: [i64; OLDEST_TEK_BUCKETS],
    pub onset_age_days: [i64; ONSET_BUCKETS],
    pub missing_onset: i64,
}

impl Default for HourStats {
    fn default() -> Self {
        Self {
            publish: [0; 3],
            teks: 0,
            revisions: 0,
            oldest_tek_days: [0; OLDEST_TEK_BUCKETS],
            onset_age_days: [0; ONSET_BUCKETS],
            missing_onset: 0,
        }
    }
}

/// One successful publish, as the statistics see it.
#[derive(Debug, Clone, Copy)]
pub struct Upload<'a> {
    pub health_authority_id: i64,
    /// The publish's `created_at` (already truncated by `TRUNCATE_WINDOW`).
    pub created_at: DateTime<Utc>,
    pub stats: &'a PublishStats,
    /// Keys inserted plus keys revised.
    pub teks: u32,
    /// Whether any key of the publish was a revision.
    pub revised_any: bool,
}

/// Statistics deltas of a batch, ordered by (health authority, hour) so that concurrent batches
/// lock the rows in the same order.
pub type StatsDeltas = BTreeMap<(i64, DateTime<Utc>), HourStats>;

/// The UTC hour `at` falls in.
pub fn hour_of(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(TimeDelta::hours(1)).unwrap_or(at)
}

fn bucket(days: i32, buckets: usize) -> usize {
    usize::try_from(days.max(0)).unwrap_or(0).min(buckets - 1)
}

impl HourStats {
    /// Adds one publish, exactly as the reference counts it.
    pub fn add(&mut self, upload: &Upload<'_>) {
        let platform = match upload.stats.platform {
            Platform::Unknown => 0,
            Platform::Android => 1,
            Platform::Ios => 2,
        };
        self.publish[platform] += 1;
        self.teks += i64::from(upload.teks);
        if upload.revised_any {
            self.revisions += 1;
            return;
        }
        self.oldest_tek_days[bucket(upload.stats.oldest_days, OLDEST_TEK_BUCKETS)] += 1;
        match upload.stats.onset_days_ago {
            // A negative onset (in the future) is ignored, as the reference does.
            Some(days) if !upload.stats.missing_onset => {
                if days >= 0 {
                    self.onset_age_days[bucket(days, ONSET_BUCKETS)] += 1;
                }
            }
            _ => self.missing_onset += 1,
        }
    }

    /// Adds another row's counters (summing hours into a day).
    pub fn merge(&mut self, other: &HourStats) {
        add_all(&mut self.publish, &other.publish);
        self.teks += other.teks;
        self.revisions += other.revisions;
        add_all(&mut self.oldest_tek_days, &other.oldest_tek_days);
        add_all(&mut self.onset_age_days, &other.onset_age_days);
        self.missing_onset += other.missing_onset;
    }

    /// Publishes of all platforms.
    pub fn publishes(&self) -> i64 {
        self.publish.iter().sum()
    }
}

fn add_all(into: &mut [i64], from: &[i64]) {
    for (a, b) in into.iter_mut().zip(from) {
        *a += b;
    }
}

/// Records `upload` in `deltas`.
pub fn record(deltas: &mut StatsDeltas, upload: &Upload<'_>) {
    deltas
        .entry((upload.health_authority_id, hour_of(upload.created_at)))
        .or_default()
        .add(upload);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(platform: Platform, onset: Option<i32>, missing: bool, oldest: i32) -> PublishStats {
        PublishStats {
            platform,
            missing_onset: missing,
            onset_days_ago: onset,
            oldest_days: oldest,
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn counts_as_the_reference() {
        let mut deltas = StatsDeltas::new();
        let android = stats(Platform::Android, Some(3), false, 20);
        let ios = stats(Platform::Ios, Some(40), false, 2);
        let unknown = stats(Platform::Unknown, None, true, -1);
        let revising = stats(Platform::Ios, Some(1), false, 1);
        let t = at("2026-12-03T10:20:00Z");
        for (s, teks, revised) in [
            (&android, 14, false),
            (&ios, 3, false),
            (&unknown, 1, false),
            (&revising, 2, true),
        ] {
            record(
                &mut deltas,
                &Upload {
                    health_authority_id: 7,
                    created_at: t,
                    stats: s,
                    teks,
                    revised_any: revised,
                },
            );
        }
        record(
            &mut deltas,
            &Upload {
                health_authority_id: 7,
                created_at: at("2026-12-03T11:00:00Z"),
                stats: &android,
                teks: 1,
                revised_any: false,
            },
        );
        assert_eq!(deltas.len(), 2);
        let row = &deltas[&(7, at("2026-12-03T10:00:00Z"))];
        assert_eq!(row.publish, [1, 1, 2]);
        assert_eq!(row.teks, 20);
        assert_eq!(row.revisions, 1);
        assert_eq!(row.oldest_tek_days[15], 1);
        assert_eq!(row.oldest_tek_days[2], 1);
        assert_eq!(row.oldest_tek_days[0], 1);
        assert_eq!(row.oldest_tek_days.iter().sum::<i64>(), 3);
        assert_eq!(row.onset_age_days[3], 1);
        assert_eq!(row.onset_age_days[29], 1);
        assert_eq!(row.onset_age_days.iter().sum::<i64>(), 2);
        assert_eq!(row.missing_onset, 1);
        let mut day = row.clone();
        day.merge(&deltas[&(7, at("2026-12-03T11:00:00Z"))]);
        assert_eq!(day.publishes(), 5);
        assert_eq!(day.onset_age_days[3], 2);
    }
}
