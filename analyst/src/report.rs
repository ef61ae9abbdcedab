//! The what-if report: per upload, how the replay's decision differs from the recorded one, and
//! the totals per UTC day and health authority, as a table or as JSON.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::NaiveDate;
use serde::Serialize;

use crate::recorded::{Answer, Transformed};

/// The keys of a comparison: how many each decision kept, and what the replay changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct KeyChanges {
    pub keys_recorded: u64,
    pub keys_whatif: u64,
    /// Keys the recorded decision kept and the replay drops.
    pub keys_dropped: u64,
    /// Keys the replay keeps and the recorded decision dropped.
    pub keys_added: u64,
    pub report_type_changed: u64,
    pub onset_changed: u64,
    pub risk_changed: u64,
}

impl KeyChanges {
    /// True when the replay dropped, added or changed any key.
    fn any(&self) -> bool {
        self.keys_dropped
            + self.keys_added
            + self.report_type_changed
            + self.onset_changed
            + self.risk_changed
            > 0
    }
}

impl std::ops::AddAssign for KeyChanges {
    fn add_assign(&mut self, other: Self) {
        self.keys_recorded += other.keys_recorded;
        self.keys_whatif += other.keys_whatif;
        self.keys_dropped += other.keys_dropped;
        self.keys_added += other.keys_added;
        self.report_type_changed += other.report_type_changed;
        self.onset_changed += other.onset_changed;
        self.risk_changed += other.risk_changed;
    }
}

/// How one upload's decision changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UploadDiff {
    pub request_id: Option<uuid::Uuid>,
    pub partition: i32,
    pub offset: i64,
    pub day: Option<NaiveDate>,
    pub health_authority_id: Option<i64>,
    /// Recorded answer code; `None` when the outcome is no longer in the log.
    pub recorded_code: Option<String>,
    pub whatif_code: String,
    #[serde(flatten)]
    pub keys: KeyChanges,
    /// Inserted or revised counts differ from the recorded answer.
    pub counts_changed: bool,
}

impl UploadDiff {
    /// Compares the recorded transform and answer with the replay's.
    pub fn compare(
        recorded: &Transformed,
        recorded_answer: Option<&Answer>,
        whatif: &Transformed,
        whatif_answer: &Answer,
    ) -> Self {
        let mut diff = Self {
            recorded_code: recorded_answer.map(|a| a.code.clone()),
            whatif_code: whatif_answer.code.clone(),
            keys: KeyChanges {
                keys_recorded: recorded.keys.len() as u64,
                keys_whatif: whatif.keys.len() as u64,
                ..KeyChanges::default()
            },
            counts_changed: recorded_answer.is_some_and(|a| {
                a.inserted != whatif_answer.inserted || a.revised != whatif_answer.revised
            }),
            ..Self::default()
        };
        for (key, before) in &recorded.keys {
            match whatif.keys.get(key) {
                None => diff.keys.keys_dropped += 1,
                Some(after) => {
                    let keys = &mut diff.keys;
                    keys.report_type_changed += u64::from(before.report_type != after.report_type);
                    keys.onset_changed +=
                        u64::from(before.days_since_onset != after.days_since_onset);
                    keys.risk_changed +=
                        u64::from(before.transmission_risk != after.transmission_risk);
                }
            }
        }
        diff.keys.keys_added = whatif
            .keys
            .keys()
            .filter(|k| !recorded.keys.contains_key(*k))
            .count() as u64;
        diff
    }

    fn recorded_accepted(&self) -> Option<bool> {
        self.recorded_code
            .as_deref()
            .map(|c| c == "ok" || c == "partial_failure")
    }

    fn whatif_accepted(&self) -> bool {
        self.whatif_code == "ok" || self.whatif_code == "partial_failure"
    }

    /// True when anything about the upload's decision differs.
    pub fn changed(&self) -> bool {
        self.recorded_code
            .as_ref()
            .is_some_and(|c| *c != self.whatif_code)
            || self.keys.any()
            || self.counts_changed
    }
}

/// Totals of one UTC day and health authority.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub uploads: u64,
    pub uploads_changed: u64,
    pub recorded_accepted: u64,
    pub recorded_rejected: u64,
    /// Uploads whose outcome the log no longer holds (compared on the transform only).
    pub recorded_unknown: u64,
    pub whatif_accepted: u64,
    pub whatif_rejected: u64,
    pub newly_rejected: u64,
    pub newly_accepted: u64,
    #[serde(flatten)]
    pub keys: KeyChanges,
}

impl Totals {
    fn add(&mut self, d: &UploadDiff) {
        self.uploads += 1;
        self.uploads_changed += u64::from(d.changed());
        match d.recorded_accepted() {
            Some(true) => self.recorded_accepted += 1,
            Some(false) => self.recorded_rejected += 1,
            None => self.recorded_unknown += 1,
        }
        if d.whatif_accepted() {
            self.whatif_accepted += 1;
        } else {
            self.whatif_rejected += 1;
        }
        self.newly_rejected +=
            u64::from(d.recorded_accepted() == Some(true) && !d.whatif_accepted());
        self.newly_accepted +=
            u64::from(d.recorded_accepted() == Some(false) && d.whatif_accepted());
        self.keys += d.keys;
    }
}

/// One row of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub day: Option<NaiveDate>,
    pub health_authority_id: Option<i64>,
    #[serde(flatten)]
    pub totals: Totals,
}

/// The whole report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// The `--set` arguments the replay ran with.
    pub settings: Vec<String>,
    pub rows: Vec<Row>,
    pub total: Totals,
    /// The changed uploads, up to the limit.
    pub changed_uploads: Vec<UploadDiff>,
    /// Changed uploads left out of `changed_uploads` (over the limit).
    pub changed_uploads_omitted: u64,
    #[serde(skip)]
    by_group: BTreeMap<(Option<NaiveDate>, Option<i64>), Totals>,
    #[serde(skip)]
    limit: usize,
}

impl Report {
    /// An empty report listing up to `limit` changed uploads.
    pub fn new(settings: Vec<String>, limit: usize) -> Self {
        Self {
            settings,
            limit,
            ..Self::default()
        }
    }

    /// Counts one upload.
    pub fn add(&mut self, diff: UploadDiff) {
        self.total.add(&diff);
        self.by_group
            .entry((diff.day, diff.health_authority_id))
            .or_default()
            .add(&diff);
        if diff.changed() {
            if self.changed_uploads.len() < self.limit {
                self.changed_uploads.push(diff);
            } else {
                self.changed_uploads_omitted += 1;
            }
        }
    }

    /// Fills the rows; call once after the last upload.
    pub fn finish(&mut self) {
        self.rows = std::mem::take(&mut self.by_group)
            .into_iter()
            .map(|((day, health_authority_id), totals)| Row {
                day,
                health_authority_id,
                totals,
            })
            .collect();
    }

    /// The report as a text table.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let header = [
            "day",
            "authority",
            "uploads",
            "changed",
            "acc.rec",
            "acc.new",
            "rej.rec",
            "rej.new",
            "unknown",
            "keys.rec",
            "keys.new",
            "dropped",
            "added",
            "type",
            "onset",
            "risk",
        ];
        let _ = writeln!(out, "{}", header.map(|h| format!("{h:>10}")).join(""));
        let line = |day: String, ha: String, t: &Totals| {
            let cells = [
                day,
                ha,
                t.uploads.to_string(),
                t.uploads_changed.to_string(),
                t.recorded_accepted.to_string(),
                t.whatif_accepted.to_string(),
                t.recorded_rejected.to_string(),
                t.whatif_rejected.to_string(),
                t.recorded_unknown.to_string(),
                t.keys.keys_recorded.to_string(),
                t.keys.keys_whatif.to_string(),
                t.keys.keys_dropped.to_string(),
                t.keys.keys_added.to_string(),
                t.keys.report_type_changed.to_string(),
                t.keys.onset_changed.to_string(),
                t.keys.risk_changed.to_string(),
            ];
            cells.map(|c| format!("{c:>10}")).join("")
        };
        for row in &self.rows {
            let day = row.day.map_or_else(|| "-".to_owned(), |d| d.to_string());
            let ha = row
                .health_authority_id
                .map_or_else(|| "none".to_owned(), |h| h.to_string());
            let _ = writeln!(out, "{}", line(day, ha, &row.totals));
        }
        let _ = writeln!(out, "{}", line("total".into(), String::new(), &self.total));
        out
    }
}
