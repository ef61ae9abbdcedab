//! The live loop: consume processed events in batches, apply each batch exactly once, then
//! send the outcomes to the waiting ingest instances.
//!
//! While PostgreSQL is unreachable the current batch is retried with backoff and nothing further
//! is consumed; the log keeps everything, so no acknowledged upload is lost.

use platform::opaque::Opaque;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures::future::join_all;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{Offset, TopicPartitionList};
use schemas::Envelope;
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use crate::batch::{apply_live, BatchError, CommitWait, EmptyGaps, Prepared, Record};
use crate::gap_probe::GapProbe;
use crate::metrics::Metrics;

/// What the loop needs.
#[derive(Debug)]
pub struct Loop {
    pub consumer: Opaque<StreamConsumer>,
    pub producer: Opaque<FutureProducer>,
    pub pool: deadpool_postgres::Pool,
    pub group: String,
    pub input: String,
    pub outcome_topic: String,
    pub batch_size: usize,
    pub batch_wait: Duration,
    pub commit: CommitWait,
    pub metrics: Metrics,
    /// Finds out whether a gap before a batch holds records at all.
    pub probe: GapProbe,
    /// Gaps the probe found empty, accepted when the batch is applied again.
    pub empty_gaps: std::sync::Mutex<EmptyGaps>,
    /// A fatal consumer error (a fenced group member never recovers): the loop ends with it,
    /// so the service is restarted with a fresh consumer.
    pub fatal: std::sync::Mutex<Option<String>>,
}

impl Loop {
    /// Runs until `shutdown` is cancelled.
    ///
    /// Pipelined: while one batch is in PostgreSQL, the next one is collected from Kafka and
    /// decoded on a blocking thread, so the two cores work at once. Batches are still applied
    /// one after another, in log order.
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        tracing::info!(topic = %self.input, group = %self.group, "Projecting");
        let mut next = self.fetch_prepared(&shutdown).await;
        while !shutdown.is_cancelled() {
            if let Some(error) = self.fatal_error() {
                anyhow::bail!("fatal Kafka consumer error: {error}");
            }
            let (records, prepared) = next;
            if records.is_empty() {
                next = self.fetch_prepared(&shutdown).await;
                continue;
            }
            let span = tracing::info_span!(
                "batch",
                events = records.len(),
                first_partition = records[0].partition,
                first_offset = records[0].offset,
            );
            let apply = self
                .apply_with_retry(&records, prepared, &shutdown)
                .instrument(span);
            let (applied, fetched) = tokio::join!(apply, self.fetch_prepared(&shutdown));
            if !applied {
                break;
            }
            next = fetched;
        }
        tracing::info!("Projector stopping");
        Ok(())
    }

    /// The next batch and its decoded form (empty on shutdown or a consumer error).
    async fn fetch_prepared(&self, shutdown: &CancellationToken) -> (Vec<Record>, Prepared) {
        let records = tokio::select! {
            () = shutdown.cancelled() => return (Vec::new(), Prepared::default()),
            records = self.next_batch() => records,
        };
        if records.is_empty() {
            return (records, Prepared::default());
        }
        match tokio::task::spawn_blocking(move || {
            let prepared = Prepared::new(&records);
            (records, prepared)
        })
        .await
        {
            Ok(batch) => batch,
            Err(e) => {
                // Only a panic while decoding gets here; those records are fetched again after
                // the next rebalance or restart, from the stored offsets.
                tracing::error!(error = %e, "Cannot decode a batch");
                (Vec::new(), Prepared::default())
            }
        }
    }

    /// The fatal consumer error seen, if any.
    fn fatal_error(&self) -> Option<String> {
        self.fatal.lock().ok().and_then(|fatal| fatal.clone())
    }

    async fn next_batch(&self) -> Vec<Record> {
        let mut records = Vec::new();
        // Block for the first record, then fill the batch for at most `batch_wait`.
        match self.consumer.recv().await {
            Ok(m) => records.push(to_record(&m)),
            Err(e @ KafkaError::MessageConsumptionFatal(_)) => {
                tracing::error!(error = %e, "Fatal consumer error; stopping");
                if let Ok(mut fatal) = self.fatal.lock() {
                    *fatal = Some(e.to_string());
                }
                return records;
            }
            Err(e) => {
                log_consumer_error(&e);
                tokio::time::sleep(Duration::from_millis(100)).await;
                return records;
            }
        }
        let deadline = tokio::time::Instant::now() + self.batch_wait;
        while records.len() < self.batch_size {
            match tokio::time::timeout_at(deadline, self.consumer.recv()).await {
                Ok(Ok(m)) => records.push(to_record(&m)),
                Ok(Err(e)) => {
                    log_consumer_error(&e);
                    break;
                }
                Err(_) => break,
            }
        }
        records
    }

    /// Applies `records` (decoded as `prepared`), retrying transient failures until it succeeds
    /// or shutdown. Returns false when interrupted by shutdown.
    async fn apply_with_retry(
        &self,
        records: &[Record],
        prepared: Prepared,
        shutdown: &CancellationToken,
    ) -> bool {
        let mut backoff = Duration::from_millis(100);
        let mut prepared = Some(prepared);
        loop {
            let started = Instant::now();
            let batch = prepared.take().unwrap_or_else(|| Prepared::new(records));
            let empty = self
                .empty_gaps
                .lock()
                .map(|g| g.clone())
                .unwrap_or_default();
            match apply_live(
                &self.pool,
                &self.group,
                &self.input,
                batch,
                self.commit,
                &empty,
            )
            .await
            {
                Ok(applied) => {
                    if let Ok(mut gaps) = self.empty_gaps.lock() {
                        gaps.clear();
                    }
                    self.metrics
                        .transaction_seconds
                        .observe(started.elapsed().as_secs_f64());
                    #[allow(clippy::cast_precision_loss)] // batch sizes are small
                    self.metrics.batch_size.observe(records.len() as f64);
                    self.metrics.keys_inserted.inc_by(applied.inserted);
                    self.metrics
                        .keys_revised
                        .inc_by(applied.decision.revisions.len() as u64);
                    self.metrics.duplicates.inc_by(applied.duplicates as u64);
                    self.metrics.undecodable.inc_by(applied.undecodable as u64);
                    for result in &applied.decision.results {
                        self.metrics.outcomes.with_label_values(&[result]).inc();
                    }
                    self.send_outcomes(&applied.decision.outcomes).await;
                    self.commit_hint(&applied.next_offsets);
                    return true;
                }
                Err(BatchError::Behind {
                    partition,
                    first,
                    next,
                }) => {
                    if self.gap_is_empty(partition, first, next).await {
                        tracing::info!(
                            partition,
                            first,
                            next,
                            "The log holds no record between the store's position and the batch \
                             (transaction markers or aborted records); going on"
                        );
                        if let Ok(mut gaps) = self.empty_gaps.lock() {
                            gaps.insert(partition, (next, first));
                        }
                        continue;
                    }
                    self.metrics.rewinds.inc();
                    tracing::warn!(
                        partition,
                        first,
                        next,
                        "The consumer is past the store; reading again from the store's position"
                    );
                    self.rewind(records, partition, next).await;
                    return true;
                }
                Err(e) => {
                    self.metrics.transaction_failures.inc();
                    tracing::warn!(error = %e, retry_in_ms = backoff.as_millis(), "Cannot apply batch; retrying");
                    tokio::select! {
                        () = shutdown.cancelled() => return false,
                        () = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
    }

    async fn send_outcomes(&self, outcomes: &[(uuid::Uuid, schemas::publish::PublishOutcome)]) {
        let sends = outcomes.iter().map(|(request_id, outcome)| async move {
            let envelope = Envelope::new(outcome.clone(), Some(*request_id));
            let Ok(payload) = envelope.to_bytes() else {
                return;
            };
            let key = request_id.to_string();
            let record = FutureRecord::to(&self.outcome_topic)
                .key(&key)
                .payload(&payload);
            if let Err((e, _)) = self.producer.send(record, Duration::from_secs(5)).await {
                // The store is already committed; the waiting request falls back to degraded mode.
                tracing::warn!(error = %e, "Cannot send outcome");
            }
        });
        join_all(sends).await;
    }

    /// Whether the first readable record at or after `next` of `partition` is `first` (so the
    /// offsets between hold none).
    async fn gap_is_empty(&self, partition: i32, first: i64, next: i64) -> bool {
        let probe = self.probe.clone();
        match tokio::task::spawn_blocking(move || probe.first_at_or_after(partition, next)).await {
            Ok(Ok(found)) => found == Some(first),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "Cannot probe the gap; reading again from the store's position");
                false
            }
            Err(e) => {
                tracing::warn!(error = %e, "Gap probe failed; reading again from the store's position");
                false
            }
        }
    }

    /// Moves the consumer back so that `partition` is read again from `next` (the store's
    /// position) and every other partition of `records` from its first record. If the log no
    /// longer holds `next` (retention deleted it first), the store's position moves up to the
    /// oldest record still held: those records can never be applied, and that is logged.
    async fn rewind(&self, records: &[Record], partition: i32, next: i64) {
        let mut target = next;
        match self
            .consumer
            .fetch_watermarks(&self.input, partition, Duration::from_secs(5))
        {
            Ok((low, _)) if low > next => {
                tracing::error!(
                    partition,
                    next,
                    low,
                    "Records were deleted from the log before the store applied them"
                );
                if let Ok(client) = self.pool.get().await {
                    if let Err(e) = crate::repository::advance_offset(
                        &**client,
                        &self.group,
                        &self.input,
                        partition,
                        low,
                    )
                    .await
                    {
                        tracing::warn!(error = %e, "Cannot move the store's position forward");
                    }
                }
                target = low;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "Cannot read the partition's watermarks"),
        }
        let mut first: HashMap<i32, i64> = HashMap::new();
        for record in records {
            first.entry(record.partition).or_insert(record.offset);
        }
        first.insert(partition, target);
        for (p, offset) in first {
            if let Err(e) = self.consumer.seek(
                &self.input,
                p,
                Offset::Offset(offset),
                Duration::from_secs(5),
            ) {
                tracing::warn!(partition = p, error = %e, "Cannot seek (probably revoked)");
            }
        }
    }

    /// Stores the applied position for the consumer's periodic commit to Kafka, so a restart
    /// resumes near it. PostgreSQL's stored offsets stay the source of truth (redeliveries are
    /// skipped there).
    fn commit_hint(&self, next: &HashMap<i32, i64>) {
        let mut list = TopicPartitionList::new();
        for (partition, offset) in next {
            if list
                .add_partition_offset(&self.input, *partition, Offset::Offset(*offset))
                .is_err()
            {
                return;
            }
        }
        if let Err(e) = self.consumer.store_offsets(&list) {
            tracing::debug!(error = %e, "Cannot store offsets for Kafka (hint only)");
        }
    }
}

fn to_record(m: &rdkafka::message::BorrowedMessage<'_>) -> Record {
    Record {
        partition: m.partition(),
        offset: m.offset(),
        payload: m.payload().unwrap_or_default().to_vec(),
    }
}

fn log_consumer_error(e: &KafkaError) {
    if !matches!(e, KafkaError::PartitionEOF(_)) {
        tracing::warn!(error = %e, "Consumer error");
    }
}
