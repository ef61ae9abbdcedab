//! The columnar upload history: one row per received upload, with no key material (no key
//! bytes, tokens, certificates, HMAC keys, digests or request ids), for analysts' own tools.
//!
//! Rows come from `en.publish.received` in a time range (by log time), with the transform's
//! decision recomputed by the same pure function the processor runs (processing is
//! deterministic, so it equals the recorded one) and the projector's answer joined from
//! `en.publish.outcome` by request id. That topic is kept for a day only: older uploads have no
//! outcome code and no degraded flag, which is why the history is exported while the outcome is
//! still in the log and kept as the long-lived record.

mod file;

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use platform::kafka::KafkaSettings;
use projector::log_range::{LogRange, RetentionGap};
use projector::progress::Progress;
use schemas::publish::{Platform, PublishReceived, RevisionTokenState};
use schemas::topics::Topic;
use schemas::Envelope;

pub use file::{write, Format};

use crate::recorded::{self, Answer};

/// One upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRow {
    /// The hour (UTC) of the upload's batch time.
    pub hour: DateTime<Utc>,
    /// The health authority whose certificate verified it; `None` when verification was
    /// bypassed.
    pub health_authority_id: Option<i64>,
    pub authorized_app: String,
    /// `android`, `ios` or `unknown`.
    pub platform: &'static str,
    /// Keys the phone sent.
    pub keys_sent: i32,
    /// Keys the transform kept.
    pub keys_kept: i32,
    /// Keys the projector inserted (from the outcome).
    pub keys_inserted: Option<i32>,
    /// The certificate's report type (`confirmed`, `likely`, ...).
    pub report_type: Option<String>,
    /// Days between symptom onset and the upload, when known.
    pub onset_days: Option<i32>,
    /// The upload carried a valid revision token (a revision, not a first upload).
    pub revision: bool,
    /// `ok`, `partial_failure` or the error code; `None` when the outcome is no longer in the log.
    pub outcome_code: Option<String>,
    /// The outcome came later than the edge waits (`--outcome-wait`), so the phone got the
    /// degraded answer; `None` when the outcome is no longer in the log.
    pub degraded: Option<bool>,
}

/// What to export.
#[derive(Debug, Clone, Copy)]
pub struct Range {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The edge's `PUBLISH_OUTCOME_WAIT`.
    pub outcome_wait: Duration,
    pub quiet: bool,
}

/// The rows of a range and what retention hid.
#[derive(Debug)]
pub struct Rows {
    pub rows: Vec<UploadRow>,
    pub retention_gaps: Vec<RetentionGap>,
}

/// Reads the uploads received in `[from, to)`.
pub fn collect(kafka: &KafkaSettings, range: Range) -> anyhow::Result<Rows> {
    let answers = recorded::answers(kafka, Some(range.from), range.quiet)?;
    let topic = kafka.topic(Topic::PublishReceived);
    let mut reader = LogRange::open(kafka, &topic, Some(range.from), Some(range.to))?;
    let retention_gaps = reader.retention_gaps().to_vec();
    let mut progress = Progress::new("history", range.quiet);
    let wait = i64::try_from(range.outcome_wait.as_millis()).unwrap_or(i64::MAX);
    let mut rows = Vec::new();
    loop {
        let chunk = reader.next_chunk(5000);
        if chunk.is_empty() {
            break;
        }
        let mut keys = 0u64;
        let events = chunk.len() as u64;
        for timed in chunk {
            let Ok(received) = Envelope::<PublishReceived>::from_bytes(&timed.record.payload)
            else {
                continue;
            };
            let answer = received.request_id.and_then(|id| answers.get(&id));
            let row = row_of(&received.payload, answer, timed.timestamp, wait);
            keys += u64::try_from(row.keys_sent).unwrap_or(0);
            rows.push(row);
        }
        progress.advance(events, keys, reader.positions());
    }
    progress.finish();
    Ok(Rows {
        rows,
        retention_gaps,
    })
}

fn row_of(
    received: &PublishReceived,
    answer: Option<&Answer>,
    received_at: i64,
    wait_ms: i64,
) -> UploadRow {
    let processed = processor::process(received);
    UploadRow {
        hour: received
            .batch_time
            .duration_trunc(TimeDelta::hours(1))
            .unwrap_or(received.batch_time),
        health_authority_id: received.claims.as_ref().map(|c| c.health_authority_id),
        authorized_app: received.authorized_app.clone(),
        platform: match received.platform {
            Platform::Android => "android",
            Platform::Ios => "ios",
            Platform::Unknown => "unknown",
        },
        keys_sent: i32::try_from(received.keys.len()).unwrap_or(i32::MAX),
        keys_kept: i32::try_from(processed.exposures.len()).unwrap_or(i32::MAX),
        keys_inserted: answer.map(|a| i32::try_from(a.inserted).unwrap_or(i32::MAX)),
        report_type: received.claims.as_ref().map(|c| c.report_type.clone()),
        onset_days: processed.stats.onset_days_ago,
        revision: matches!(received.revision_token, RevisionTokenState::Valid { .. }),
        outcome_code: answer.map(|a| a.code.clone()),
        degraded: answer.map(|a| a.timestamp - received_at > wait_ms),
    }
}

/// Counts per outcome code, for the command's summary.
pub fn codes(rows: &[UploadRow]) -> HashMap<String, u64> {
    let mut out = HashMap::new();
    for row in rows {
        let code = row.outcome_code.clone().unwrap_or_else(|| "unknown".into());
        *out.entry(code).or_insert(0) += 1;
    }
    out
}
