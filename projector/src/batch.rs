//! Applying one batch of processed events to PostgreSQL in one transaction, together with the
//! consumer offsets it consumed.
//!
//! Two positions make every upload change the store exactly once, both stored in the same
//! transaction as the rows:
//! - records below the stored offset of their processed partition were applied before (a
//!   redelivery after a crash or rebalance of the projector) and are skipped;
//! - an event whose *source* position (its `PublishReceived` record) is below the stored next
//!   source offset of that received partition is a repeat the processor produced after a crash
//!   of its own (it writes without Kafka transactions) and is skipped too. The processor keeps
//!   each processed partition an unbroken run of source offsets, possibly followed by repeats,
//!   so "below the highest source offset applied so far" means "applied".
//!
//! The live consumer and the rebuild command share this function.

use std::collections::HashMap;

use schemas::publish::PublishProcessed;
use schemas::Envelope;

use crate::apply::{self, BatchDecision, BatchEvent};
use crate::repeats::Frontier;
use crate::repository::Stream;
use crate::{identical_retry, repository, stats_repository};

/// One record of the processed topic.
#[derive(Debug, Clone)]
pub struct Record {
    pub partition: i32,
    pub offset: i64,
    pub payload: Vec<u8>,
}

/// What a committed batch did.
#[derive(Debug, Default)]
pub struct Applied {
    pub decision: BatchDecision,
    /// Records skipped because they were applied before (this record, or a repeat of its
    /// source event).
    pub duplicates: usize,
    /// Records that were not decodable events (skipped, counted).
    pub undecodable: usize,
    /// Keys inserted.
    pub inserted: u64,
    /// Next offset per partition after this batch.
    pub next_offsets: HashMap<i32, i64>,
}

/// Why a batch could not be applied: always transient from the consumer's point of view (the
/// batch is retried), e.g. PostgreSQL unreachable.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("cannot get a database connection: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    #[error("database error: {0}")]
    Db(#[from] tokio_postgres::Error),
    #[error("revision update matched {updated} rows, expected {expected}: the store changed under the lock")]
    RevisionMismatch { updated: u64, expected: usize },
    /// The consumer is past what the store holds: the batch starts at `first` in `partition`
    /// but the store's next offset there is `next` (PostgreSQL lost its last commits, or the
    /// consumer resumed from Kafka's committed offsets ahead of the store). Nothing was written;
    /// the consumer must go back to `next`.
    #[error("partition {partition}: the batch starts at offset {first}, the store has applied up to {next}")]
    Behind {
        partition: i32,
        first: i64,
        next: i64,
    },
}

/// Whether a batch's commit waits for its WAL to reach the disk (`PROJECTOR_SYNCHRONOUS_COMMIT`).
///
/// Not waiting is safe for exactly-once: a batch's rows and its stored offsets are one
/// transaction, so a PostgreSQL crash can only lose a suffix of whole batches (up to about
/// `3 × wal_writer_delay`, 600 ms by default) together with their offsets. The projector then
/// resumes from the older offsets and re-applies the same events from Kafka, which decides them
/// the same way (the decisions depend only on the events and the earlier store). Uploads are
/// durable in Kafka before a phone gets its answer, never only in PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CommitWait {
    /// `synchronous_commit = off`: commit returns before the flush (the default).
    #[default]
    NoFlush,
    /// PostgreSQL's default: commit returns once the WAL is flushed.
    Flush,
}

/// A batch decoded ahead of its transaction: the CPU part of applying it, which the live loop
/// and the rebuild run for the next batch while the current one is in PostgreSQL.
#[derive(Debug, Default)]
pub struct Prepared {
    records: Vec<PreparedRecord>,
}

#[derive(Debug)]
struct PreparedRecord {
    partition: i32,
    offset: i64,
    event: Result<BatchEvent, String>,
}

impl Prepared {
    /// Decodes `records` (in log order).
    pub fn new(records: &[Record]) -> Self {
        let records = records
            .iter()
            .map(|record| PreparedRecord {
                partition: record.partition,
                offset: record.offset,
                event: Envelope::<PublishProcessed>::from_bytes(&record.payload)
                    .map(|envelope| BatchEvent {
                        request_id: envelope.request_id,
                        event: envelope.payload,
                    })
                    .map_err(|e| e.to_string()),
            })
            .collect();
        Self { records }
    }

    /// A batch of events already decoded (or computed, as the analyst's what-if replay does),
    /// each with its record's partition and offset.
    pub fn from_events(events: Vec<(i32, i64, BatchEvent)>) -> Self {
        let records = events
            .into_iter()
            .map(|(partition, offset, event)| PreparedRecord {
                partition,
                offset,
                event: Ok(event),
            })
            .collect();
        Self { records }
    }

    /// The events not applied before (by `frontier`, which records them as seen), counting the
    /// skipped ones and the next offsets in `applied`. The one rule every writer of a store
    /// shares (the live loop, the rebuilds).
    pub(crate) fn fresh_events(
        self,
        topic: &str,
        frontier: &mut Frontier,
        applied: &mut Applied,
    ) -> Vec<BatchEvent> {
        let mut events = Vec::with_capacity(self.records.len());
        for record in self.records {
            if frontier.is_repeat(topic, record.partition, record.offset) {
                applied.duplicates += 1;
                continue;
            }
            applied
                .next_offsets
                .insert(record.partition, record.offset + 1);
            match record.event {
                Ok(event) => {
                    if event
                        .event
                        .source
                        .as_ref()
                        .is_some_and(|source| frontier.is_repeated_source(source))
                    {
                        applied.duplicates += 1;
                    } else {
                        events.push(event);
                    }
                }
                Err(e) => {
                    applied.undecodable += 1;
                    tracing::warn!(partition = record.partition, offset = record.offset, error = %e, "Skipping undecodable processed event");
                }
            }
        }
        events
    }

    /// Records in the batch.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True if the batch holds no record.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

/// Applies `records` (in log order) in one transaction on `pool`.
pub async fn apply_batch(
    pool: &deadpool_postgres::Pool,
    group: &str,
    topic: &str,
    records: &[Record],
    commit: CommitWait,
) -> Result<Applied, BatchError> {
    apply_prepared(pool, group, topic, Prepared::new(records), commit).await
}

/// Applies a decoded batch in one transaction on `pool`, whatever offsets it starts at (a replay
/// reads from the earliest retained record). On an error nothing was written; the caller retries
/// with the batch decoded again.
pub async fn apply_prepared(
    pool: &deadpool_postgres::Pool,
    group: &str,
    topic: &str,
    batch: Prepared,
    commit: CommitWait,
) -> Result<Applied, BatchError> {
    apply(pool, group, topic, batch, commit, &Gaps::Accept).await
}

/// [`apply_prepared`] for the live consumer: refuses ([`BatchError::Behind`]) a batch that starts
/// past the store's next offset of one of its partitions, so records the store never got (its
/// commits were lost, asynchronously committed when PostgreSQL crashed) are read again instead of
/// skipped. A gap listed in `empty` (the log holds no record in it: transaction markers, records
/// of aborted transactions) is accepted.
pub async fn apply_live(
    pool: &deadpool_postgres::Pool,
    group: &str,
    topic: &str,
    batch: Prepared,
    commit: CommitWait,
    empty: &EmptyGaps,
) -> Result<Applied, BatchError> {
    apply(pool, group, topic, batch, commit, &Gaps::Refuse(empty)).await
}

/// Gaps in a partition's offsets known to hold no readable record: partition → (the store's next
/// offset, the first record after it).
pub type EmptyGaps = HashMap<i32, (i64, i64)>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gaps<'a> {
    Accept,
    Refuse(&'a EmptyGaps),
}

async fn apply(
    pool: &deadpool_postgres::Pool,
    group: &str,
    topic: &str,
    batch: Prepared,
    commit: CommitWait,
    gaps: &Gaps<'_>,
) -> Result<Applied, BatchError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    // Every stream whose position this batch reads: its processed partitions and the received
    // partitions its events came from.
    let mut streams: Vec<Stream> = batch
        .records
        .iter()
        .map(|r| (topic.to_owned(), r.partition))
        .chain(batch.records.iter().filter_map(|r| {
            let source = r.event.as_ref().ok()?.event.source.as_ref()?;
            Some((source.topic.clone(), source.partition))
        }))
        .collect();
    streams.sort_unstable();
    streams.dedup();
    let keys: Vec<&str> = batch
        .records
        .iter()
        .filter_map(|r| r.event.as_ref().ok())
        .flat_map(|e| e.event.exposures.iter().map(|x| x.key.as_str()))
        .collect();
    // One round trip: the statements are pipelined on the connection (reads and locks whose
    // order does not matter).
    let synchronous = async {
        if commit == CommitWait::NoFlush {
            tx.batch_execute("SET LOCAL synchronous_commit = off").await
        } else {
            Ok(())
        }
    };
    let ((), stored, existing, digests) = tokio::try_join!(
        synchronous,
        repository::lock_offsets(&tx, group, &streams),
        repository::lock_existing(&tx, &keys),
        identical_retry::stored_digests(&tx, &keys),
    )?;

    if let Gaps::Refuse(empty) = gaps {
        let mut seen = std::collections::HashSet::new();
        for record in &batch.records {
            let next = stored
                .get(&(topic.to_owned(), record.partition))
                .copied()
                .unwrap_or(0);
            if seen.insert(record.partition)
                && record.offset > next
                && empty.get(&record.partition) != Some(&(next, record.offset))
            {
                return Err(BatchError::Behind {
                    partition: record.partition,
                    first: record.offset,
                    next,
                });
            }
        }
    }
    let mut frontier = Frontier::from_stored(stored);
    let mut applied = Applied::default();
    let events = batch.fresh_events(topic, &mut frontier, &mut applied);
    if applied.next_offsets.is_empty() {
        tx.commit().await?;
        return Ok(applied);
    }
    let decision = apply::decide(events, existing, digests);
    let next = frontier.into_stored();
    // Inserts, statistics and offsets are independent: one round trip. Revisions may touch rows
    // this batch inserts, so they run after the inserts (pipelined statements may execute in any
    // order).
    let (inserted, (), ()) = tokio::try_join!(
        repository::insert_exposures(&tx, &decision.inserts, &decision.digest_writes),
        stats_repository::add_hourly(&tx, &decision.stats),
        repository::save_offsets(&tx, group, &next),
    )?;
    let updated = repository::apply_revisions(&tx, &decision.revisions).await?;
    if usize::try_from(updated).ok() != Some(decision.revisions.len()) {
        return Err(BatchError::RevisionMismatch {
            updated,
            expected: decision.revisions.len(),
        });
    }
    tx.commit().await?;
    applied.inserted = inserted;
    applied.decision = decision;
    Ok(applied)
}
