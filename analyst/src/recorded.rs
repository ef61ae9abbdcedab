//! What the pipeline recorded about each upload: the processed event (the transform's decision,
//! found by its source position) and the outcome (the projector's answer, found by request id).
//! The outcome topic is kept for a day only, so older uploads have none.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use platform::kafka::KafkaSettings;
use projector::log_range::LogRange;
use projector::progress::Progress;
use schemas::publish::{PublishOutcome, PublishProcessed};
use schemas::topics::Topic;
use schemas::{Envelope, Event};
use uuid::Uuid;

/// One key as the transform left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyAttributes {
    pub report_type: String,
    pub days_since_onset: Option<i32>,
    pub transmission_risk: i32,
}

/// The transform's decision about one upload.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transformed {
    /// Rejected outright by the transform.
    pub rejected: bool,
    /// Kept keys by key text.
    pub keys: HashMap<String, KeyAttributes>,
}

impl Transformed {
    /// The decision held in a processed event.
    pub fn of(event: &PublishProcessed) -> Self {
        Self {
            rejected: event.rejection.is_some(),
            keys: event
                .exposures
                .iter()
                .map(|e| {
                    (
                        e.key.clone(),
                        KeyAttributes {
                            report_type: e.report_type.clone(),
                            days_since_onset: e.days_since_symptom_onset,
                            transmission_risk: e.transmission_risk,
                        },
                    )
                })
                .collect(),
        }
    }
}

/// The projector's answer to one upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// `ok`, `partial_failure` or the error code.
    pub code: String,
    pub inserted: u32,
    pub revised: u32,
    /// Log time of the outcome record (milliseconds).
    pub timestamp: i64,
}

impl Answer {
    /// The answer an outcome holds, at log time `timestamp`.
    pub fn of(outcome: &PublishOutcome, timestamp: i64) -> Self {
        Self {
            code: outcome.code.clone().unwrap_or_else(|| "ok".to_owned()),
            inserted: outcome.inserted,
            revised: outcome.revised,
            timestamp,
        }
    }

    /// True when the upload was accepted (200, with or without dropped keys).
    pub fn accepted(&self) -> bool {
        self.code == "ok" || self.code == "partial_failure"
    }
}

/// Transform decisions by source position (partition, offset of the received record), read from
/// the processed topic from `from` on.
pub fn transformed(
    kafka: &KafkaSettings,
    from: Option<DateTime<Utc>>,
    quiet: bool,
) -> anyhow::Result<HashMap<(i32, i64), Transformed>> {
    let mut out = HashMap::new();
    read_events(
        kafka,
        Topic::PublishProcessed,
        from,
        "recorded decisions",
        quiet,
        2000,
        |envelope: Envelope<PublishProcessed>, _| {
            if let Some(source) = &envelope.payload.source {
                out.insert(
                    (source.partition, source.offset),
                    Transformed::of(&envelope.payload),
                );
            }
        },
    )?;
    Ok(out)
}

/// Answers by request id, read from the outcome topic from `from` on.
pub fn answers(
    kafka: &KafkaSettings,
    from: Option<DateTime<Utc>>,
    quiet: bool,
) -> anyhow::Result<HashMap<Uuid, Answer>> {
    let mut out = HashMap::new();
    read_events(
        kafka,
        Topic::PublishOutcome,
        from,
        "recorded outcomes",
        quiet,
        5000,
        |envelope: Envelope<PublishOutcome>, timestamp| {
            if let Some(id) = envelope.request_id {
                // The first answer counts (a repeat after a crash answers the same).
                out.entry(id)
                    .or_insert_with(|| Answer::of(&envelope.payload, timestamp));
            }
        },
    )?;
    Ok(out)
}

/// Reads `topic` from `from` to its end, `chunk` records at a time, showing progress as `what`,
/// and hands every event of type `E` (with its record's timestamp) to `each`; records that are
/// not one are passed over.
fn read_events<E: Event>(
    kafka: &KafkaSettings,
    topic: Topic,
    from: Option<DateTime<Utc>>,
    what: &'static str,
    quiet: bool,
    chunk: usize,
    mut each: impl FnMut(Envelope<E>, i64),
) -> anyhow::Result<()> {
    let mut reader = LogRange::open(kafka, &kafka.topic(topic), from, None)?;
    let mut progress = Progress::new(what, quiet);
    loop {
        let records = reader.next_chunk(chunk);
        if records.is_empty() {
            progress.finish();
            return Ok(());
        }
        let events = records.len() as u64;
        for timed in records {
            if let Ok(envelope) = Envelope::<E>::from_bytes(&timed.record.payload) {
                each(envelope, timed.timestamp);
            }
        }
        progress.advance(events, 0, reader.positions());
    }
}
