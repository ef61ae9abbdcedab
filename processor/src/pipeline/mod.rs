//! The consume → transform → produce loop, without Kafka transactions.
//!
//! For each batch (whatever the consumer has ready, up to `PROCESSOR_BATCH_SIZE`; nothing waits to
//! fill it): transform every received event, produce one `PublishProcessed` (or a dead-letter
//! record) per event to the partition of the same number as its source, wait until the broker
//! acknowledged all of them, then store the consumer offsets (committed to Kafka once a second
//! and on shutdown). A crash between the
//! acknowledgement and the commit makes the next owner of the partition produce those events
//! again; that is safe because the output is a deterministic function of the input (the same
//! payload, a derived event id) and carries its source position, which every reader of the
//! processed topic uses to skip what it has already seen (the exactly-once *effect*, see
//! `ARCHITECTURE.md`).
//!
//! The producer never gives up on a record (`message.timeout.ms=0`) and raises a fatal error
//! rather than leave a gap (`enable.gapless.guarantee`), so within a partition the processed
//! topic always holds an unbroken run of source offsets, possibly followed by repeats.

use platform::opaque::Opaque;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use futures::future::join_all;
use platform::kafka_consumers::ConsumerProfile;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::producer::FutureRecord;
use rdkafka::{Offset, TopicPartitionList};
use schemas::publish::{PublishProcessed, PublishReceived, SourcePosition};
use schemas::topics::Topic;
use schemas::Envelope;
use tokio_util::sync::CancellationToken;

mod produce;

use produce::{classify, BatchError, Output};

use crate::metrics::Metrics;
use crate::settings::ProcessorSettings;

/// The processor's Kafka clients and topics.
#[derive(Debug)]
pub struct Pipeline {
    consumer: Opaque<StreamConsumer>,
    out: Opaque<Output>,
    input: String,
    output: String,
    batch_size: usize,
    metrics: Metrics,
}

impl Pipeline {
    pub fn new(settings: &ProcessorSettings, metrics: Metrics) -> anyhow::Result<Self> {
        let input = settings.kafka.topic(Topic::PublishReceived);
        // Offsets are stored once a batch is acknowledged: a commit lost in a crash only means
        // that batch is produced again.
        let consumer: StreamConsumer = settings
            .kafka
            .consumer_config(ConsumerProfile::Worker {
                group: &settings.group_id,
            })
            .create()
            .context("cannot create the processor consumer")?;
        Ok(Self {
            consumer: Opaque(consumer),
            out: Opaque(Output::new(settings)?),
            input,
            output: settings.kafka.topic(Topic::PublishProcessed),
            batch_size: settings.batch_size,
            metrics,
        })
    }

    /// Runs until `shutdown` is cancelled or a fatal Kafka error occurs.
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        self.check_partitions(&shutdown).await?;
        self.consumer
            .subscribe(&[&self.input])
            .context("cannot subscribe to the received topic")?;
        tracing::info!(topic = %self.input, "Processing");
        loop {
            let batch = tokio::select! {
                () = shutdown.cancelled() => break,
                batch = self.next_batch() => batch,
            };
            // A fatal consumer error (e.g. fenced by the group coordinator) never clears: the
            // consumer would return it forever while its partitions stand still. Exit, so the
            // service is restarted with a fresh consumer.
            let batch = batch.context("fatal Kafka consumer error")?;
            if batch.is_empty() {
                continue;
            }
            match self.process_batch(&batch).await {
                Ok(()) => {}
                Err(BatchError::Fatal(e)) => {
                    return Err(e).context("fatal Kafka producer error");
                }
                Err(e @ BatchError::Produce(_)) => {
                    tracing::warn!(error = %e, events = batch.len(), "Batch not produced; producing it again");
                    self.metrics.retries.inc();
                    self.rewind(&batch);
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
        tracing::info!("Processor stopping");
        if let Err(e) = self.consumer.commit_consumer_state(CommitMode::Sync) {
            tracing::warn!(error = %e, "Cannot commit the final offsets; the last batches may be produced again");
        }
        Ok(())
    }

    /// Refuses to start unless both publish topics have the same number of partitions: every
    /// processed event goes to the partition its source came from, so that each processed
    /// partition holds the events of exactly one received partition, in order.
    async fn check_partitions(&self, shutdown: &CancellationToken) -> anyhow::Result<()> {
        loop {
            let counts = [&self.input, &self.output].map(|topic| {
                self.consumer
                    .fetch_metadata(Some(topic), Duration::from_secs(5))
                    .ok()
                    .and_then(|m| {
                        m.topics()
                            .iter()
                            .find(|t| t.name() == topic && t.error().is_none())
                            .map(|t| t.partitions().len())
                    })
                    .filter(|n| *n > 0)
            });
            match counts {
                [Some(input), Some(output)] if input == output => return Ok(()),
                [Some(input), Some(output)] => anyhow::bail!(
                    "{} has {input} partitions but {} has {output}: the publish topics must have \
                     the same partition count",
                    self.input,
                    self.output
                ),
                _ => {
                    tracing::warn!("Publish topics not readable yet; retrying");
                    tokio::select! {
                        () = shutdown.cancelled() => return Ok(()),
                        () = tokio::time::sleep(Duration::from_millis(500)) => {}
                    }
                }
            }
        }
    }

    /// Waits for the first record, then takes whatever else is already fetched, up to the batch
    /// size, without waiting for more. Only a fatal consumer error is returned; others are
    /// logged and give an empty batch.
    async fn next_batch(&self) -> Result<Vec<BorrowedMessage<'_>>, KafkaError> {
        let mut batch = Vec::new();
        match self.consumer.recv().await {
            Ok(message) => batch.push(message),
            Err(e @ KafkaError::MessageConsumptionFatal(_)) => return Err(e),
            Err(e) => {
                log_consumer_error(&e);
                tokio::time::sleep(Duration::from_millis(100)).await;
                return Ok(batch);
            }
        }
        while batch.len() < self.batch_size {
            // `timeout` polls the receive once before looking at the (elapsed) deadline.
            match tokio::time::timeout(Duration::ZERO, self.consumer.recv()).await {
                Ok(Ok(message)) => batch.push(message),
                Ok(Err(e)) => {
                    log_consumer_error(&e);
                    break;
                }
                Err(_) => break,
            }
        }
        Ok(batch)
    }

    async fn process_batch(&self, batch: &[BorrowedMessage<'_>]) -> Result<(), BatchError> {
        let started = Instant::now();
        let mut next_offsets: BTreeMap<i32, i64> = BTreeMap::new();
        let mut deliveries = Vec::with_capacity(batch.len());
        let (mut processed, mut rejected, mut dead) = (0u64, 0u64, 0u64);
        for message in batch {
            let span = tracing::info_span!(
                "event",
                topic = %self.input,
                partition = message.partition(),
                offset = message.offset(),
                event_id = tracing::field::Empty,
            );
            next_offsets.insert(message.partition(), message.offset() + 1);
            let payload = message.payload().unwrap_or_default();
            let output = span.in_scope(|| self.output_of(message, payload, &span));
            let delivery = match output {
                Ok((bytes, key, rejected_event)) => {
                    if rejected_event {
                        rejected += 1;
                    } else {
                        processed += 1;
                    }
                    let record = FutureRecord::to(&self.output)
                        .partition(message.partition())
                        .key(key.as_str())
                        .payload(bytes.as_slice());
                    self.out.send(record).await?
                }
                Err(reason) => {
                    dead += 1;
                    span.in_scope(|| {
                        tracing::warn!(error = %reason, "Sending the event to the dead-letter topic");
                    });
                    self.out
                        .dead_letter(message, payload, &self.input, &reason)
                        .await?
                }
            };
            deliveries.push(delivery);
        }
        for delivered in join_all(deliveries).await {
            match delivered {
                Ok(Ok(_)) => {}
                Ok(Err((e, _))) => return Err(classify(e)),
                Err(_cancelled) => {
                    return Err(BatchError::Fatal(KafkaError::Canceled));
                }
            }
        }
        self.commit(&next_offsets);
        self.metrics
            .events
            .with_label_values(&["processed"])
            .inc_by(processed);
        self.metrics
            .events
            .with_label_values(&["rejected"])
            .inc_by(rejected);
        self.metrics
            .events
            .with_label_values(&["dead_letter"])
            .inc_by(dead);
        #[allow(clippy::cast_precision_loss)] // batch sizes are small
        self.metrics.batch_size.observe(batch.len() as f64);
        self.metrics
            .batch_seconds
            .observe(started.elapsed().as_secs_f64());
        Ok(())
    }

    /// The serialised processed event of one record, its key and whether it is a rejection; or
    /// why it goes to the dead-letter topic.
    fn output_of(
        &self,
        message: &BorrowedMessage<'_>,
        payload: &[u8],
        span: &tracing::Span,
    ) -> Result<(Vec<u8>, String, bool), String> {
        let received =
            Envelope::<PublishReceived>::from_bytes(payload).map_err(|e| e.to_string())?;
        span.record("event_id", tracing::field::display(received.event_id));
        let envelope = self.transform(message, &received);
        let rejected = envelope.payload.rejection.is_some();
        let bytes = envelope
            .to_bytes()
            .map_err(|e| format!("cannot serialise the processed event: {e}"))?;
        Ok((bytes, envelope.payload.authorized_app, rejected))
    }

    /// The processed event of `received`: a pure function of the record and its position.
    fn transform(
        &self,
        message: &BorrowedMessage<'_>,
        received: &Envelope<PublishReceived>,
    ) -> Envelope<PublishProcessed> {
        let source = SourcePosition {
            topic: self.input.clone(),
            partition: message.partition(),
            offset: message.offset(),
        };
        crate::convert::processed_event(received, source)
    }

    /// Stores the offsets after an acknowledged batch for the next periodic commit. A commit lost
    /// in a crash only means the batch is produced once more, which readers skip.
    fn commit(&self, next_offsets: &BTreeMap<i32, i64>) {
        let mut offsets = TopicPartitionList::new();
        for (partition, next) in next_offsets {
            if let Err(e) =
                offsets.add_partition_offset(&self.input, *partition, Offset::Offset(*next))
            {
                tracing::warn!(error = %e, "Cannot build the offsets to commit");
                return;
            }
        }
        if let Err(e) = self.consumer.store_offsets(&offsets) {
            tracing::warn!(error = %e, "Cannot store consumer offsets; the batch may be produced again");
        }
    }

    /// Moves the consumer back to the first offset of each partition in `batch`.
    fn rewind(&self, batch: &[BorrowedMessage<'_>]) {
        let mut first: BTreeMap<i32, i64> = BTreeMap::new();
        for m in batch {
            first.entry(m.partition()).or_insert(m.offset());
        }
        for (partition, offset) in first {
            if let Err(e) = self.consumer.seek(
                &self.input,
                partition,
                Offset::Offset(offset),
                Duration::from_secs(5),
            ) {
                tracing::warn!(partition, error = %e, "Cannot rewind partition (probably revoked)");
            }
        }
    }
}

fn log_consumer_error(e: &KafkaError) {
    if !matches!(e, KafkaError::PartitionEOF(_)) {
        tracing::warn!(error = %e, "Consumer error");
    }
}
