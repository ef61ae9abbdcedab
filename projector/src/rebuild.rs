//! Analysts' replay tools: rebuild a query store from the log (as it stands, or as it stood at an
//! instant), checksum a store, and dump the events of a time range as JSON lines.

use std::io::Write;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use platform::kafka::KafkaSettings;
use schemas::topics::Topic;

use crate::batch::{apply_prepared, CommitWait, Prepared, Record};
use crate::log_range::{LogRange, PartitionPosition, RetentionGap};
use crate::progress::Progress;

/// The consumer-group name under which a rebuild records its offsets in the target database.
pub const REBUILD_GROUP: &str = "rebuild";

/// Result of a rebuild.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RebuildReport {
    pub events: u64,
    pub rows: i64,
    pub checksum: String,
    /// Partitions whose older records retention deleted: the rebuild could not include them.
    pub retention_gaps: Vec<RetentionGap>,
}

/// What to rebuild.
#[derive(Debug, Clone, Copy, Default)]
pub struct RebuildOptions {
    /// The store as it stood at this instant: processed events whose log timestamp is after it
    /// are left out. `None`: everything the log holds now.
    pub until: Option<DateTime<Utc>>,
    /// No progress line, only the summary.
    pub quiet: bool,
}

/// Replays `en.publish.processed` from its earliest retained offset up to its current end into
/// the database at `target_url` (migrated first), with the same code the live projector uses.
pub async fn rebuild(kafka: &KafkaSettings, target_url: &str) -> anyhow::Result<RebuildReport> {
    let options = RebuildOptions {
        until: None,
        quiet: true,
    };
    rebuild_with(kafka, target_url, options).await
}

/// [`rebuild`], up to an instant ([`RebuildOptions::until`]) and with a progress line.
pub async fn rebuild_with(
    kafka: &KafkaSettings,
    target_url: &str,
    options: RebuildOptions,
) -> anyhow::Result<RebuildReport> {
    let pool = platform::pg::PgSettings::for_url(target_url).pool()?;
    platform::pg::migrate(&pool, crate::migrations::MIGRATIONS).await?;
    let topic = kafka.topic(Topic::PublishProcessed);
    // `until` is inclusive: the range ends before the first record one millisecond later.
    let to = options
        .until
        .map(|t| t + chrono::TimeDelta::milliseconds(1));
    let mut reader = LogRange::open(kafka, &topic, None, to)?;
    let retention_gaps = reader.retention_gaps().to_vec();
    let mut progress = Progress::new("rebuild", options.quiet);
    // An empty database is built in memory and bulk-loaded at the end; otherwise batch by batch.
    let mut bulk = if crate::bulk::is_empty(&**pool.get().await?).await? {
        Some(crate::bulk::Bulk::new(&topic))
    } else {
        None
    };
    // Pipelined like the live loop: the next chunk is read and decoded on a blocking thread
    // while the current one is decided (and, batch by batch, written).
    let mut next = tokio::task::spawn_blocking(move || read_chunk(reader));
    loop {
        let (returned, prepared, positions) = next.await.context("replay reader failed")?;
        reader = returned;
        if prepared.is_empty() {
            break;
        }
        let events = prepared.len() as u64;
        next = tokio::task::spawn_blocking(move || read_chunk(reader));
        let applied = match bulk.as_mut() {
            Some(bulk) => bulk.apply(prepared),
            None => apply_prepared(&pool, REBUILD_GROUP, &topic, prepared, CommitWait::NoFlush)
                .await
                .context("cannot apply replayed batch")?,
        };
        progress.advance(events, applied.inserted, &positions);
    }
    if let Some(bulk) = bulk {
        progress.note(&format!(
            "writing {} rows (COPY), then building the indexes",
            bulk.rows()
        ));
        bulk.write(&pool, REBUILD_GROUP)
            .await
            .context("cannot write the rebuilt store")?;
    }
    progress.finish();
    let client = pool.get().await?;
    let (rows, checksum) = crate::repository::checksum(&**client).await?;
    Ok(RebuildReport {
        events: progress.events(),
        rows,
        checksum,
        retention_gaps,
    })
}

/// Reads and decodes the next chunk of the replay (a blocking call).
fn read_chunk(mut reader: LogRange) -> (LogRange, Prepared, Vec<PartitionPosition>) {
    let records: Vec<Record> = reader
        .next_chunk(2000)
        .into_iter()
        .map(|r| r.record)
        .collect();
    let prepared = Prepared::new(&records);
    let positions = reader.positions().to_vec();
    (reader, prepared, positions)
}

/// The note the commands print when the log no longer holds the start of what was asked for.
pub fn retention_note(topic: &str, gaps: &[RetentionGap]) -> Option<String> {
    if gaps.is_empty() {
        return None;
    }
    let parts: Vec<String> = gaps
        .iter()
        .map(|g| format!("{}:{}", g.partition, g.earliest_offset))
        .collect();
    Some(format!(
        "note: {topic} no longer holds records before offsets {} (partition:offset); they are past \
         the topic's retention (TEK_RETENTION for topics with keys), so the result covers only \
         what the log still holds. The columnar history (`analyst history export`) is the \
         long-lived record.",
        parts.join(" ")
    ))
}

/// Checksum of the live store at `url`.
pub async fn checksum(url: &str) -> anyhow::Result<(i64, String)> {
    let pool = platform::pg::PgSettings::for_url(url).pool()?;
    let client = pool.get().await?;
    Ok(crate::repository::checksum(&**client).await?)
}

/// Writes the events of `topic` whose record timestamps lie in `[from, to)` as JSON lines:
/// `{"topic","partition","offset","timestamp","key","event"}`. On the processed topic a repeat
/// of an event already written (the processor produced it again after a crash: the same source
/// position) is left out, so each event appears once.
pub fn dump(
    kafka: &KafkaSettings,
    topic: Topic,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    out: &mut impl Write,
) -> anyhow::Result<u64> {
    let name = kafka.topic(topic);
    let mut reader = LogRange::open(kafka, &name, Some(from), Some(to))?;
    if let Some(note) = retention_note(&name, reader.retention_gaps()) {
        eprintln!("{note}");
    }
    let mut written = 0;
    let mut seen = crate::repeats::Frontier::default();
    loop {
        let records = reader.next_chunk(1000);
        if records.is_empty() {
            return Ok(written);
        }
        for timed in records {
            let (record, timestamp, key) = (timed.record, timed.timestamp, timed.key);
            if timestamp >= to.timestamp_millis() || timestamp < from.timestamp_millis() {
                continue;
            }
            let event: serde_json::Value =
                serde_json::from_slice(&record.payload).unwrap_or(serde_json::Value::Null);
            if topic == Topic::PublishProcessed && seen.is_repeat_json(&event) {
                continue;
            }
            let line = serde_json::json!({
                "topic": name,
                "partition": record.partition,
                "offset": record.offset,
                "timestamp": DateTime::<Utc>::from_timestamp_millis(timestamp),
                "key": key,
                "event": event,
            });
            serde_json::to_writer(&mut *out, &line)?;
            out.write_all(b"\n")?;
            written += 1;
        }
    }
}
