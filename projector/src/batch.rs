//! Applying one batch of processed events to PostgreSQL in one transaction, together with the
//! consumer offsets it consumed.
//!
//! Records below the stored offset of their partition were applied before (a redelivery after a
//! crash or rebalance) and are skipped, so every event changes the store exactly once. The live
//! consumer and the rebuild command share this function.

use std::collections::HashMap;

use schemas::publish::PublishProcessed;
use schemas::Envelope;

use crate::apply::{self, BatchDecision, BatchEvent};
use crate::{identical_retry, repository};

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
    /// Records skipped because they were applied before.
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

/// Applies a decoded batch in one transaction on `pool`. On an error nothing was written; the
/// caller retries with the batch decoded again.
pub async fn apply_prepared(
    pool: &deadpool_postgres::Pool,
    group: &str,
    topic: &str,
    batch: Prepared,
    commit: CommitWait,
) -> Result<Applied, BatchError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    if commit == CommitWait::NoFlush {
        tx.batch_execute("SET LOCAL synchronous_commit = off")
            .await?;
    }
    let mut partitions: Vec<i32> = batch.records.iter().map(|r| r.partition).collect();
    partitions.sort_unstable();
    partitions.dedup();
    let stored_next = repository::lock_offsets(&tx, group, topic, &partitions).await?;

    let mut applied = Applied::default();
    let mut events = Vec::with_capacity(batch.records.len());
    for record in batch.records {
        let next = stored_next.get(&record.partition).copied().unwrap_or(0);
        if record.offset < next {
            applied.duplicates += 1;
            continue;
        }
        let entry = applied.next_offsets.entry(record.partition).or_insert(0);
        *entry = (*entry).max(record.offset + 1);
        match record.event {
            Ok(event) => events.push(event),
            Err(e) => {
                applied.undecodable += 1;
                tracing::warn!(partition = record.partition, offset = record.offset, error = %e, "Skipping undecodable processed event");
            }
        }
    }
    if applied.next_offsets.is_empty() {
        tx.commit().await?;
        return Ok(applied);
    }
    let keys: Vec<&str> = events
        .iter()
        .flat_map(|e| e.event.exposures.iter().map(|x| x.key.as_str()))
        .collect();
    let existing = repository::lock_existing(&tx, &keys).await?;
    let digests = identical_retry::stored_digests(&tx, &keys).await?;
    let decision = apply::decide(events, existing, digests);
    applied.inserted = repository::insert_exposures(&tx, &decision.inserts).await?;
    identical_retry::record_digests(&tx, &decision.digest_writes).await?;
    let updated = repository::apply_revisions(&tx, &decision.revisions).await?;
    if usize::try_from(updated).ok() != Some(decision.revisions.len()) {
        return Err(BatchError::RevisionMismatch {
            updated,
            expected: decision.revisions.len(),
        });
    }
    repository::save_offsets(&tx, group, topic, &applied.next_offsets).await?;
    tx.commit().await?;
    applied.decision = decision;
    Ok(applied)
}
