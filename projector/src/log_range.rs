//! Reading a bounded range of a topic for the replay tools (rebuild, dump, the analyst's what-if
//! and history): every partition from a start (its earliest retained record, or the first record
//! at a time) up to the end offsets seen when the range was opened, or to the first record at or
//! after an end time. Read-committed. It also notices what retention took: a partition whose
//! earliest retained offset is above 0 lost its older records.

use platform::opaque::Opaque;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use platform::kafka::KafkaSettings;
use platform::kafka_consumers::ConsumerProfile;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};

use crate::batch::Record;

/// A record with its log timestamp (milliseconds) and key.
#[derive(Debug, Clone)]
pub struct TimedRecord {
    pub record: Record,
    pub timestamp: i64,
    pub key: Option<String>,
}

/// Where one partition's read stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionPosition {
    pub partition: i32,
    /// First offset of the range.
    pub start: i64,
    /// Next offset to read.
    pub next: i64,
    /// End of the range (exclusive).
    pub end: i64,
}

/// A partition whose older records retention already deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionGap {
    pub partition: i32,
    /// The earliest offset the topic still holds there.
    pub earliest_offset: i64,
}

/// A bounded range of one topic.
#[derive(Debug)]
pub struct LogRange {
    consumer: Opaque<BaseConsumer>,
    positions: Vec<PartitionPosition>,
    done: HashSet<i32>,
    /// Records at or after this time (milliseconds) are not returned.
    to: Option<i64>,
    gaps: Vec<RetentionGap>,
}

impl LogRange {
    /// Opens `topic` from `from` (or its earliest retained record) to `to` (exclusive; or its
    /// current end).
    pub fn open(
        kafka: &KafkaSettings,
        topic: &str,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> anyhow::Result<Self> {
        let consumer: BaseConsumer = kafka
            .consumer_config(ConsumerProfile::Reader {
                group: &format!("replay-{}", uuid::Uuid::new_v4()),
            })
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
        let starts = offsets_at(&consumer, topic, &partitions, from, timeout)?;
        let ends = offsets_at(&consumer, topic, &partitions, to, timeout)?;
        let mut positions = Vec::new();
        let mut gaps = Vec::new();
        let mut assignment = TopicPartitionList::new();
        for p in partitions {
            let (low, high) = consumer.fetch_watermarks(topic, p, timeout)?;
            let start = starts.get(&p).copied().flatten().unwrap_or(high).max(low);
            // The range begins at the earliest record retention left: older ones it asked for
            // may be gone.
            if low > 0 && start == low {
                gaps.push(RetentionGap {
                    partition: p,
                    earliest_offset: low,
                });
            }
            let end = match to {
                Some(_) => ends.get(&p).copied().flatten().unwrap_or(high).min(high),
                None => high,
            };
            if start < end {
                assignment.add_partition_offset(topic, p, Offset::Offset(start))?;
                positions.push(PartitionPosition {
                    partition: p,
                    start,
                    next: start,
                    end,
                });
            }
        }
        if !positions.is_empty() {
            consumer.assign(&assignment)?;
        }
        Ok(Self {
            consumer: Opaque(consumer),
            positions,
            done: HashSet::new(),
            to: to.map(|t| t.timestamp_millis()),
            gaps,
        })
    }

    /// Where each partition's read stands.
    pub fn positions(&self) -> &[PartitionPosition] {
        &self.positions
    }

    /// Partitions where the range starts at the earliest record the topic still holds although
    /// older ones existed (retention deleted them): the range asked for may reach further back
    /// than the log.
    pub fn retention_gaps(&self) -> &[RetentionGap] {
        &self.gaps
    }

    fn finished(&self) -> bool {
        self.done.len() >= self.positions.len()
    }

    fn position_mut(&mut self, partition: i32) -> Option<&mut PartitionPosition> {
        self.positions.iter_mut().find(|p| p.partition == partition)
    }

    /// The next up to `max` records (in log order per partition); empty at the end of the range.
    pub fn next_chunk(&mut self, max: usize) -> Vec<TimedRecord> {
        let mut out = Vec::new();
        let mut idle = 0;
        while out.len() < max && !self.finished() && idle < 100 {
            match self.consumer.poll(Duration::from_millis(100)) {
                Some(Ok(m)) => {
                    idle = 0;
                    let partition = m.partition();
                    let found = self.positions.iter_mut().find(|p| p.partition == partition);
                    let Some(position) = found else {
                        continue;
                    };
                    let end = position.end;
                    if m.offset() >= end {
                        position.next = end;
                        self.done.insert(partition);
                        continue;
                    }
                    position.next = m.offset() + 1;
                    if m.offset() + 1 >= end {
                        self.done.insert(partition);
                    }
                    let timestamp = m.timestamp().to_millis().unwrap_or(0);
                    if self.to.is_some_and(|to| timestamp >= to) {
                        continue;
                    }
                    out.push(TimedRecord {
                        record: Record {
                            partition,
                            offset: m.offset(),
                            payload: m.payload().unwrap_or_default().to_vec(),
                        },
                        timestamp,
                        key: m.key().map(|k| String::from_utf8_lossy(k).into_owned()),
                    });
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

    fn mark_done_by_position(&mut self) {
        let Ok(assigned) = self.consumer.position() else {
            return;
        };
        for elem in assigned.elements() {
            let partition = elem.partition();
            if let (Offset::Offset(pos), Some(position)) =
                (elem.offset(), self.position_mut(partition))
            {
                if pos >= position.end {
                    position.next = position.end;
                    self.done.insert(partition);
                }
            }
        }
    }
}

/// The first offset at or after `at` in each partition (`None`: no such record), or the
/// earliest retained offset when `at` is `None`.
fn offsets_at(
    consumer: &BaseConsumer,
    topic: &str,
    partitions: &[i32],
    at: Option<DateTime<Utc>>,
    timeout: Duration,
) -> anyhow::Result<HashMap<i32, Option<i64>>> {
    let mut list = TopicPartitionList::new();
    for p in partitions {
        let offset = match at {
            Some(t) => Offset::Offset(t.timestamp_millis()),
            None => Offset::Beginning,
        };
        list.add_partition_offset(topic, *p, offset)?;
    }
    if at.is_none() {
        return Ok(partitions.iter().map(|p| (*p, Some(0))).collect());
    }
    let found = consumer.offsets_for_times(list, timeout)?;
    Ok(found
        .elements()
        .iter()
        .map(|e| {
            let offset = match e.offset() {
                Offset::Offset(o) => Some(o),
                _ => None,
            };
            (e.partition(), offset)
        })
        .collect())
}
