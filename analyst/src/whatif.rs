//! The what-if replay: every recorded `en.publish.received` event runs again through the same
//! transform (`processor::processed_event`, which runs `domain::transform`, the key validation
//! the edge runs too) with changed settings, and the results through the same projector code
//! (`projector::batch`) into a scratch database, so revisions and duplicates are decided as the
//! live projector would. Each upload's decision is compared with the recorded one.
//!
//! Only the scratch database is written; the topics are only read. Uploads the edge refused
//! under the recorded settings never reached the log, so a looser setting cannot accept them.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use platform::kafka::KafkaSettings;
use projector::apply::BatchEvent;
use projector::batch::Prepared;
use projector::bulk::Bulk;
use projector::log_range::{LogRange, PartitionPosition, RetentionGap};
use projector::progress::Progress;
use schemas::publish::{PublishReceived, SourcePosition};
use schemas::topics::Topic;
use schemas::Envelope;

use crate::overrides::Override;
use crate::recorded::{self, Answer, Transformed};
use crate::report::{Report, UploadDiff};

/// The consumer group and stream name under which the scratch database keeps its positions.
pub const WHATIF_GROUP: &str = "whatif";

/// What to replay.
#[derive(Debug, Clone, Default)]
pub struct WhatIf {
    /// The settings to change (in order; a later one wins).
    pub overrides: Vec<Override>,
    /// Their text, for the report.
    pub settings_text: Vec<String>,
    /// Report only uploads received at or after this time (earlier ones still build the
    /// scratch store they are decided against).
    pub from: Option<DateTime<Utc>>,
    /// Leave out uploads received at or after this time.
    pub to: Option<DateTime<Utc>>,
    /// Most changed uploads listed one by one in the report.
    pub changed_limit: usize,
    /// No progress line, only the summary.
    pub quiet: bool,
}

/// The report and what retention hid.
#[derive(Debug)]
pub struct Outcome {
    pub report: Report,
    pub retention_gaps: Vec<RetentionGap>,
}

/// One received event decoded, with the replay's decision.
struct Replayed {
    partition: i32,
    offset: i64,
    timestamp: i64,
    received: Envelope<PublishReceived>,
    transformed: Transformed,
}

/// Runs the replay into the (empty or scratch) database at `scratch_url`.
pub async fn run(
    kafka: &KafkaSettings,
    scratch_url: &str,
    what: WhatIf,
) -> anyhow::Result<Outcome> {
    let pool = platform::pg::PgSettings::for_url(scratch_url).pool()?;
    platform::pg::migrate(&pool, projector::migrations::MIGRATIONS).await?;
    // The scratch store is decided in memory and bulk-loaded at the end, as a rebuild. A
    // database that already holds a store would decide against it: refused.
    anyhow::ensure!(
        projector::bulk::is_empty(&**pool.get().await?).await?,
        "the scratch database must be empty (it holds keys, statistics or offsets)"
    );
    let (k, quiet) = (kafka.clone(), what.quiet);
    let (transformed, answers) = tokio::task::spawn_blocking(move || {
        anyhow::Ok((
            recorded::transformed(&k, None, quiet)?,
            recorded::answers(&k, None, quiet)?,
        ))
    })
    .await??;
    let input = kafka.topic(Topic::PublishReceived);
    let mut reader = LogRange::open(kafka, &input, None, what.to)?;
    let retention_gaps = reader.retention_gaps().to_vec();
    let mut report = Report::new(what.settings_text.clone(), what.changed_limit);
    let mut progress = Progress::new("what-if", what.quiet);
    let mut bulk = Bulk::new(WHATIF_GROUP);
    let from = what.from.map_or(i64::MIN, |t| t.timestamp_millis());
    let overrides = what.overrides.clone();
    let topic = input.clone();
    let mut next = tokio::task::spawn_blocking(move || read_chunk(reader, &topic, &overrides));
    loop {
        let (returned, chunk, positions) = next.await.context("what-if reader failed")?;
        reader = returned;
        if chunk.is_empty() {
            break;
        }
        let (overrides, topic) = (what.overrides.clone(), input.clone());
        next = tokio::task::spawn_blocking(move || read_chunk(reader, &topic, &overrides));
        let events = chunk.len() as u64;
        let keys: u64 = chunk
            .iter()
            .map(|(r, _)| r.transformed.keys.len() as u64)
            .sum();
        let (batch, replayed) = chunk.into_iter().fold(
            (Vec::new(), Vec::new()),
            |(mut batch, mut replayed), (r, event)| {
                batch.push((r.partition, r.offset, event));
                replayed.push(r);
                (batch, replayed)
            },
        );
        let applied = bulk.apply(Prepared::from_events(batch));
        let answers_now: std::collections::HashMap<_, _> = applied
            .decision
            .outcomes
            .iter()
            .map(|(id, o)| (*id, Answer::of(o, 0)))
            .collect();
        for r in replayed {
            if r.timestamp < from {
                continue;
            }
            let no_answer = Answer {
                code: "unanswered".into(),
                inserted: 0,
                revised: 0,
                timestamp: 0,
            };
            let id = r.received.request_id;
            let whatif_answer = id.and_then(|id| answers_now.get(&id)).unwrap_or(&no_answer);
            let recorded_transform = transformed.get(&(r.partition, r.offset));
            let recorded_answer = id.and_then(|id| answers.get(&id));
            let mut diff = UploadDiff::compare(
                recorded_transform.unwrap_or(&Transformed::default()),
                recorded_answer,
                &r.transformed,
                whatif_answer,
            );
            diff.request_id = id;
            diff.partition = r.partition;
            diff.offset = r.offset;
            diff.day = Some(r.received.payload.batch_time.date_naive());
            diff.health_authority_id = r
                .received
                .payload
                .claims
                .as_ref()
                .map(|c| c.health_authority_id);
            report.add(diff);
        }
        progress.advance(events, keys, &positions);
    }
    progress.note(&format!(
        "writing {} rows (COPY), then building the indexes",
        bulk.rows()
    ));
    bulk.write(&pool, WHATIF_GROUP)
        .await
        .context("cannot write the scratch store")?;
    progress.finish();
    report.finish();
    Ok(Outcome {
        report,
        retention_gaps,
    })
}

type Chunk = Vec<(Replayed, BatchEvent)>;

/// Reads, decodes and transforms the next chunk (a blocking call). Undecodable records are left
/// out (the processor sent them to the dead-letter topic).
fn read_chunk(
    mut reader: LogRange,
    topic: &str,
    overrides: &[Override],
) -> (LogRange, Chunk, Vec<PartitionPosition>) {
    let records = reader.next_chunk(2000);
    let mut chunk = Vec::with_capacity(records.len());
    for timed in records {
        let Ok(mut received) = Envelope::<PublishReceived>::from_bytes(&timed.record.payload)
        else {
            continue;
        };
        for o in overrides {
            o.apply(&mut received.payload.settings);
        }
        let source = SourcePosition {
            topic: topic.to_owned(),
            partition: timed.record.partition,
            offset: timed.record.offset,
        };
        let processed = processor::processed_event(&received, source);
        let event = BatchEvent {
            request_id: processed.request_id,
            event: processed.payload,
        };
        let replayed = Replayed {
            partition: timed.record.partition,
            offset: timed.record.offset,
            timestamp: timed.timestamp,
            transformed: Transformed::of(&event.event),
            received,
        };
        chunk.push((replayed, event));
    }
    let positions = reader.positions().to_vec();
    (reader, chunk, positions)
}
