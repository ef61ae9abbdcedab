//! Analysts' replay tools: rebuild a query store from the log, checksum a store, and dump the
//! events of a time range as JSON lines.

use std::io::Write;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use platform::kafka::KafkaSettings;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};
use schemas::topics::Topic;

use crate::batch::{apply_prepared, CommitWait, Prepared, Record};

/// The consumer-group name under which a rebuild records its offsets in the target database.
pub const REBUILD_GROUP: &str = "rebuild";

/// Result of a rebuild.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RebuildReport {
    pub events: u64,
    pub rows: i64,
    pub checksum: String,
}

/// Replays `en.publish.processed` from its earliest retained offset up to its current end into
/// the database at `target_url` (migrated first), with the same code the live projector uses.
pub async fn rebuild(kafka: &KafkaSettings, target_url: &str) -> anyhow::Result<RebuildReport> {
    let pool = platform::pg::PgSettings::for_url(target_url).pool()?;
    platform::pg::migrate(&pool, crate::migrations::MIGRATIONS).await?;
    let topic = kafka.topic(Topic::PublishProcessed);
    let mut reader = RangeReader::open(kafka, &topic, None)?;
    let mut events = 0u64;
    // Pipelined like the live loop: the next chunk is read and decoded on a blocking thread
    // while the current one is in PostgreSQL.
    let mut next = tokio::task::spawn_blocking(move || read_chunk(reader));
    loop {
        let (returned, prepared) = next.await.context("replay reader failed")?;
        reader = returned;
        if prepared.is_empty() {
            break;
        }
        events += prepared.len() as u64;
        next = tokio::task::spawn_blocking(move || read_chunk(reader));
        apply_prepared(&pool, REBUILD_GROUP, &topic, prepared, CommitWait::NoFlush)
            .await
            .context("cannot apply replayed batch")?;
    }
    let client = pool.get().await?;
    let (rows, checksum) = crate::repository::checksum(&**client).await?;
    Ok(RebuildReport {
        events,
        rows,
        checksum,
    })
}

/// Reads and decodes the next chunk of the replay (a blocking call).
fn read_chunk(mut reader: RangeReader) -> (RangeReader, Prepared) {
    let prepared = Prepared::new(&reader.next_chunk(2000));
    (reader, prepared)
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
    let mut reader = RangeReader::open(kafka, &name, Some(from))?;
    let mut written = 0;
    let mut seen = crate::repeats::Frontier::default();
    loop {
        let records = reader.next_timed_chunk(1000);
        if records.is_empty() {
            return Ok(written);
        }
        for (record, timestamp, key) in records {
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

/// Reads every partition of a topic from a start (earliest, or the first offset at a time) up
/// to the end offsets seen when it was opened. Read-committed.
struct RangeReader {
    consumer: BaseConsumer,
    ends: Vec<(i32, i64)>,
    done: std::collections::HashSet<i32>,
}

impl RangeReader {
    fn open(
        kafka: &KafkaSettings,
        topic: &str,
        from: Option<DateTime<Utc>>,
    ) -> anyhow::Result<Self> {
        let consumer: BaseConsumer = kafka
            .client_config()
            .set("group.id", format!("replay-{}", uuid::Uuid::new_v4()))
            .set("enable.auto.commit", "false")
            .set("isolation.level", "read_committed")
            .create()
            .context("cannot create replay consumer")?;
        let timeout = Duration::from_secs(10);
        let metadata = consumer.fetch_metadata(Some(topic), timeout)?;
        let partitions: Vec<i32> = metadata
            .topics()
            .iter()
            .flat_map(|t| t.partitions().iter().map(|p| p.id()))
            .collect();
        anyhow::ensure!(!partitions.is_empty(), "topic {topic} does not exist");
        let mut starts = TopicPartitionList::new();
        for p in &partitions {
            let offset = match from {
                Some(t) => Offset::Offset(t.timestamp_millis()),
                None => Offset::Beginning,
            };
            starts.add_partition_offset(topic, *p, offset)?;
        }
        if from.is_some() {
            starts = consumer.offsets_for_times(starts, timeout)?;
        }
        let mut ends = Vec::new();
        let mut assignment = TopicPartitionList::new();
        for elem in starts.elements() {
            let (low, high) = consumer.fetch_watermarks(topic, elem.partition(), timeout)?;
            let start = match elem.offset() {
                Offset::Offset(o) => o.max(low),
                Offset::End => high,
                _ => low,
            };
            if start < high {
                assignment.add_partition_offset(topic, elem.partition(), Offset::Offset(start))?;
                ends.push((elem.partition(), high));
            }
        }
        if !ends.is_empty() {
            consumer.assign(&assignment)?;
        }
        Ok(Self {
            consumer,
            ends,
            done: std::collections::HashSet::new(),
        })
    }

    fn finished(&self) -> bool {
        self.done.len() >= self.ends.len()
    }

    fn end_of(&self, partition: i32) -> Option<i64> {
        self.ends
            .iter()
            .find(|(p, _)| *p == partition)
            .map(|(_, h)| *h)
    }

    fn next_timed_chunk(&mut self, max: usize) -> Vec<(Record, i64, Option<String>)> {
        let mut out = Vec::new();
        let mut idle = 0;
        while out.len() < max && !self.finished() && idle < 100 {
            match self.consumer.poll(Duration::from_millis(100)) {
                Some(Ok(m)) => {
                    idle = 0;
                    let partition = m.partition();
                    let Some(end) = self.end_of(partition) else {
                        continue;
                    };
                    if m.offset() >= end {
                        self.done.insert(partition);
                        continue;
                    }
                    if m.offset() + 1 >= end {
                        self.done.insert(partition);
                    }
                    out.push((
                        Record {
                            partition,
                            offset: m.offset(),
                            payload: m.payload().unwrap_or_default().to_vec(),
                        },
                        m.timestamp().to_millis().unwrap_or(0),
                        m.key().map(|k| String::from_utf8_lossy(k).into_owned()),
                    ));
                }
                Some(Err(e)) => {
                    tracing::warn!(error = %e, "Replay consumer error");
                    idle += 1;
                }
                None => {
                    idle += 1;
                    // Transaction markers take offsets without yielding records.
                    self.mark_done_by_position();
                }
            }
        }
        out
    }

    fn next_chunk(&mut self, max: usize) -> Vec<Record> {
        self.next_timed_chunk(max)
            .into_iter()
            .map(|(r, _, _)| r)
            .collect()
    }

    fn mark_done_by_position(&mut self) {
        if let Ok(positions) = self.consumer.position() {
            for elem in positions.elements() {
                if let (Offset::Offset(pos), Some(end)) =
                    (elem.offset(), self.end_of(elem.partition()))
                {
                    if pos >= end {
                        self.done.insert(elem.partition());
                    }
                }
            }
        }
    }
}
