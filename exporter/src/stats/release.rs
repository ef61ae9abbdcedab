//! Which days of a health authority's hourly statistics `/v1/stats` releases, and their wire and
//! CSV forms. Pure: rows and `now` in, days out.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, DurationRound, NaiveDate, TimeDelta, Utc};
use serde::Serialize;

pub use crate::repository::stats::HourRow;

/// When a day is released.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseRule {
    /// `STATS_UPLOAD_MINIMUM`: a day with at least this many publishes is released.
    pub upload_minimum: i64,
    /// `STATS_EMBARGO_PERIOD`: a day is released anyway this long after its end; `None` disables
    /// the embargo release.
    pub embargo: Option<Duration>,
}

/// Publishes by platform.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PublishRequests {
    pub unknown: i64,
    pub android: i64,
    pub ios: i64,
}

/// One released day (reference `StatsDay`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatsDay {
    pub day: DateTime<Utc>,
    pub publish_requests: PublishRequests,
    pub total_teks_published: i64,
    pub requests_with_revisions: i64,
    pub tek_age_distribution: Vec<i64>,
    pub onset_to_upload_distribution: Vec<i64>,
    pub requests_missing_onset_date: i64,
}

impl StatsDay {
    fn empty(day: DateTime<Utc>) -> Self {
        Self {
            day,
            publish_requests: PublishRequests::default(),
            total_teks_published: 0,
            requests_with_revisions: 0,
            tek_age_distribution: vec![0; 16],
            onset_to_upload_distribution: vec![0; 30],
            requests_missing_onset_date: 0,
        }
    }

    fn add(&mut self, row: &HourRow) {
        let at = |i: usize| row.publish.get(i).copied().unwrap_or(0);
        self.publish_requests.unknown += at(0);
        self.publish_requests.android += at(1);
        self.publish_requests.ios += at(2);
        self.total_teks_published += row.teks;
        self.requests_with_revisions += row.revisions;
        add_all(&mut self.tek_age_distribution, &row.oldest_tek_days);
        add_all(&mut self.onset_to_upload_distribution, &row.onset_age_days);
        self.requests_missing_onset_date += row.missing_onset;
    }

    fn publishes(&self) -> i64 {
        let p = &self.publish_requests;
        p.unknown + p.android + p.ios
    }

    /// The reference's CSV line: day, unknown, android, ios, TEKs, revisions, missing onset,
    /// then the two distributions with `|` between values.
    pub fn csv_line(&self) -> String {
        let join = |v: &[i64]| v.iter().map(i64::to_string).collect::<Vec<_>>().join("|");
        let p = &self.publish_requests;
        format!(
            "{},{},{},{},{},{},{},{},{}",
            self.day.format("%Y-%m-%d"),
            p.unknown,
            p.android,
            p.ios,
            self.total_teks_published,
            self.requests_with_revisions,
            self.requests_missing_onset_date,
            join(&self.tek_age_distribution),
            join(&self.onset_to_upload_distribution),
        )
    }
}

/// The CSV header line.
pub const CSV_HEADER: &str = "day,publish_requests_unknown,publish_requests_android,publish_requests_ios,total_teks_published,requests_with_revisions,requests_missing_onset_date,tek_age_distribution,onset_to_upload_distribution";

/// The CSV form of `days` (header first).
pub fn to_csv(days: &[StatsDay]) -> String {
    let mut out = String::from(CSV_HEADER);
    out.push('\n');
    for day in days {
        out.push_str(&day.csv_line());
        out.push('\n');
    }
    out
}

fn add_all(into: &mut [i64], from: &[i64]) {
    for (a, b) in into.iter_mut().zip(from) {
        *a += b;
    }
}

fn truncate(at: DateTime<Utc>, unit: TimeDelta) -> DateTime<Utc> {
    at.duration_trunc(unit).unwrap_or(at)
}

/// Sums `rows` by UTC day, without the current hour (and anything later), and keeps the days
/// `rule` releases at `now`, in ascending order.
pub fn released_days(rows: &[HourRow], now: DateTime<Utc>, rule: &ReleaseRule) -> Vec<StatsDay> {
    let current_hour = truncate(now, TimeDelta::hours(1));
    let mut days: BTreeMap<NaiveDate, StatsDay> = BTreeMap::new();
    for row in rows.iter().filter(|r| r.hour < current_hour) {
        let day = truncate(row.hour, TimeDelta::days(1));
        days.entry(day.date_naive())
            .or_insert_with(|| StatsDay::empty(day))
            .add(row);
    }
    days.into_values()
        .filter(|day| {
            day.publishes() >= rule.upload_minimum
                || rule.embargo.is_some_and(|embargo| {
                    let end = day.day + TimeDelta::days(1);
                    TimeDelta::from_std(embargo).is_ok_and(|e| end + e < now)
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn row(hour: &str, publish: [i64; 3]) -> HourRow {
        let mut oldest = vec![0; 16];
        oldest[2] = publish.iter().sum();
        HourRow {
            hour: at(hour),
            publish: publish.to_vec(),
            teks: 2 * publish.iter().sum::<i64>(),
            revisions: 0,
            oldest_tek_days: oldest,
            onset_age_days: vec![0; 30],
            missing_onset: publish.iter().sum(),
        }
    }

    const RULE: ReleaseRule = ReleaseRule {
        upload_minimum: 10,
        embargo: Some(Duration::from_secs(48 * 3600)),
    };

    #[test]
    fn days_release_at_the_minimum_or_after_the_embargo_and_the_current_hour_is_hidden() {
        let now = at("2026-12-04T10:30:00Z");
        let rows = vec![
            // Dec 1: 3 publishes, ended Dec 2 00:00, embargo over at Dec 4 00:00: released.
            row("2026-12-01T05:00:00Z", [1, 1, 1]),
            // Dec 2: 9 publishes, embargo over Dec 5: not released.
            row("2026-12-02T05:00:00Z", [0, 9, 0]),
            // Dec 3: 6 + 4 = 10 over two hours: released.
            row("2026-12-03T05:00:00Z", [0, 3, 3]),
            row("2026-12-03T23:00:00Z", [4, 0, 0]),
            // Dec 4: 10 before this hour and 5 in the current hour (hidden).
            row("2026-12-04T09:00:00Z", [0, 5, 4]),
            row("2026-12-04T10:00:00Z", [0, 5, 0]),
        ];
        let days = released_days(&rows, now, &RULE);
        let names: Vec<String> = days.iter().map(|d| d.day.to_rfc3339()).collect();
        assert_eq!(
            names,
            ["2026-12-01T00:00:00+00:00", "2026-12-03T00:00:00+00:00"]
        );
        assert_eq!(
            days[1].publish_requests,
            PublishRequests {
                unknown: 4,
                android: 3,
                ios: 3
            }
        );
        assert_eq!(days[1].total_teks_published, 20);
        assert_eq!(days[1].tek_age_distribution[2], 10);
        let no_embargo = ReleaseRule {
            embargo: None,
            ..RULE
        };
        assert_eq!(released_days(&rows, now, &no_embargo).len(), 1);
        let later = released_days(&rows, at("2026-12-04T11:00:00Z"), &RULE);
        // Once 10:00 is past, Dec 4 has 14 publishes and is released.
        assert_eq!(later.len(), 3);
    }

    #[test]
    fn csv_has_the_reference_columns() {
        let days = released_days(
            &[row("2026-12-01T05:00:00Z", [1, 9, 2])],
            at("2026-12-04T10:30:00Z"),
            &RULE,
        );
        let csv = to_csv(&days);
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some(CSV_HEADER));
        assert_eq!(
            lines.next(),
            Some("2026-12-01,1,9,2,24,0,12,0|0|12|0|0|0|0|0|0|0|0|0|0|0|0|0,0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0")
        );
    }
}
