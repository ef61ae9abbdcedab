//! The consume → transform → produce loop, one Kafka transaction per batch.
//!
//! The loop runs on a blocking thread because librdkafka's transactional calls block. For each
//! batch: begin a transaction, produce one `PublishProcessed` (or a dead-letter record) per
//! received event, add the consumer offsets to the transaction, commit. If anything fails the
//! transaction is aborted and the consumer rewinds to the batch's first offsets, so the batch is
//! processed again; downstream consumers read `read_committed` and never see aborted output.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Header, Message, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Offset, TopicPartitionList};
use schemas::publish::PublishReceived;
use schemas::topics::Topic;
use schemas::Envelope;
use tokio_util::sync::CancellationToken;

use crate::metrics::Metrics;
use crate::settings::ProcessorSettings;

const TX_TIMEOUT: Duration = Duration::from_secs(30);

/// The processor's Kafka clients and topics.
pub struct Pipeline {
    consumer: BaseConsumer,
    producer: ThreadedProducer<DefaultProducerContext>,
    input: String,
    output: String,
    dead_letter: String,
    batch_size: usize,
    batch_wait: Duration,
    metrics: Metrics,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("input", &self.input)
            .finish_non_exhaustive()
    }
}

impl Pipeline {
    pub fn new(settings: &ProcessorSettings, metrics: Metrics) -> anyhow::Result<Self> {
        let input = settings.kafka.topic(Topic::PublishReceived);
        let consumer: BaseConsumer = settings
            .kafka
            .client_config()
            .set("group.id", &settings.group_id)
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            .set("isolation.level", "read_committed")
            .set("fetch.wait.max.ms", "20")
            .create()
            .context("cannot create the processor consumer")?;
        consumer
            .subscribe(&[&input])
            .context("cannot subscribe to the received topic")?;
        let producer: ThreadedProducer<DefaultProducerContext> = settings
            .kafka
            .client_config()
            .set("transactional.id", &settings.transactional_id)
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("linger.ms", "2")
            .set("compression.type", "lz4")
            .set("transaction.timeout.ms", "10000")
            .create()
            .context("cannot create the processor producer")?;
        Ok(Self {
            consumer,
            producer,
            input,
            output: settings.kafka.topic(Topic::PublishProcessed),
            dead_letter: settings.kafka.topic(Topic::DeadLetter),
            batch_size: settings.batch_size,
            batch_wait: settings.batch_wait,
            metrics,
        })
    }

    /// Runs until `shutdown` is cancelled or a fatal Kafka error occurs.
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        tokio::task::spawn_blocking(move || self.run_blocking(&shutdown))
            .await
            .context("processor loop panicked")?
    }

    fn run_blocking(self, shutdown: &CancellationToken) -> anyhow::Result<()> {
        // Retries until the broker is reachable: init fences any predecessor with our id.
        loop {
            match self.producer.init_transactions(TX_TIMEOUT) {
                Ok(()) => break,
                Err(e) if !shutdown.is_cancelled() && is_retriable(&e) => {
                    tracing::warn!(error = %e, "Cannot initialise transactions yet; retrying");
                    std::thread::sleep(Duration::from_millis(500));
                }
                Err(e) => return Err(e).context("cannot initialise transactions"),
            }
            if shutdown.is_cancelled() {
                return Ok(());
            }
        }
        tracing::info!(topic = %self.input, "Processing");
        while !shutdown.is_cancelled() {
            let batch = self.poll_batch();
            if batch.is_empty() {
                continue;
            }
            if let Err(e) = self.process_batch(&batch) {
                if kafka_fatal(&e) {
                    return Err(e).context("fatal Kafka transaction error");
                }
                tracing::warn!(error = %e, events = batch.len(), "Transaction failed; aborting and retrying the batch");
                self.metrics
                    .aborts
                    .with_label_values(&[abort_reason(&e)])
                    .inc();
                if let Err(abort) = self.producer.abort_transaction(TX_TIMEOUT) {
                    if kafka_fatal(&abort) {
                        return Err(abort).context("cannot abort transaction");
                    }
                }
                self.rewind(&batch);
                std::thread::sleep(Duration::from_millis(200));
            }
        }
        tracing::info!("Processor stopping");
        Ok(())
    }

    fn poll_batch(&self) -> Vec<BorrowedMessage<'_>> {
        let mut batch = Vec::new();
        let deadline = Instant::now() + self.batch_wait;
        let mut timeout = Duration::from_millis(100);
        while batch.len() < self.batch_size {
            match self.consumer.poll(timeout) {
                Some(Ok(message)) => batch.push(message),
                Some(Err(KafkaError::PartitionEOF(_))) => {}
                Some(Err(e)) => {
                    tracing::warn!(error = %e, "Consumer error");
                    break;
                }
                None => break,
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            timeout = left;
        }
        batch
    }

    fn process_batch(&self, batch: &[BorrowedMessage<'_>]) -> Result<(), KafkaError> {
        let started = Instant::now();
        self.producer.begin_transaction()?;
        let mut next_offsets: BTreeMap<i32, i64> = BTreeMap::new();
        let (mut processed, mut rejected, mut dead) = (0u64, 0u64, 0u64);
        for message in batch {
            let span = tracing::info_span!(
                "event",
                topic = %self.input,
                partition = message.partition(),
                offset = message.offset(),
                event_id = tracing::field::Empty,
            );
            let _entered = span.enter();
            next_offsets.insert(message.partition(), message.offset() + 1);
            let payload = message.payload().unwrap_or_default();
            let decoded = Envelope::<PublishReceived>::from_bytes(payload);
            let failure = match decoded {
                Ok(envelope) => {
                    span.record("event_id", tracing::field::display(envelope.event_id));
                    let result = crate::convert::process(&envelope.payload);
                    let rejected_event = result.rejection.is_some();
                    match Envelope::new(result, envelope.request_id).to_bytes() {
                        Ok(bytes) => {
                            self.send(
                                BaseRecord::to(&self.output)
                                    .key(envelope.payload.authorized_app.as_str())
                                    .payload(&bytes),
                            )?;
                            if rejected_event {
                                rejected += 1;
                            } else {
                                processed += 1;
                            }
                            None
                        }
                        Err(e) => Some(format!("cannot serialise the processed event: {e}")),
                    }
                }
                Err(e) => Some(e.to_string()),
            };
            if let Some(reason) = failure {
                dead += 1;
                tracing::warn!(error = %reason, "Sending the event to the dead-letter topic");
                self.dead_letter(message, payload, &reason)?;
            }
        }
        let mut offsets = TopicPartitionList::new();
        for (partition, next) in &next_offsets {
            offsets.add_partition_offset(&self.input, *partition, Offset::Offset(*next))?;
        }
        let group = self
            .consumer
            .group_metadata()
            .ok_or(KafkaError::MessageProduction(RDKafkaErrorCode::State))?;
        self.producer
            .send_offsets_to_transaction(&offsets, &group, TX_TIMEOUT)?;
        self.producer.commit_transaction(TX_TIMEOUT)?;
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
            .transaction_seconds
            .observe(started.elapsed().as_secs_f64());
        Ok(())
    }

    /// Sends `payload` (the record as received) to the dead-letter topic with the reason and the
    /// source topic as headers, inside the current transaction.
    fn dead_letter(
        &self,
        message: &BorrowedMessage<'_>,
        payload: &[u8],
        reason: &str,
    ) -> Result<(), KafkaError> {
        let headers = OwnedHeaders::new()
            .insert(Header {
                key: "reason",
                value: Some(reason),
            })
            .insert(Header {
                key: "source-topic",
                value: Some(self.input.as_str()),
            });
        let key = String::from_utf8_lossy(message.key().unwrap_or_default());
        self.send(
            BaseRecord::to(&self.dead_letter)
                .key(key.as_ref())
                .payload(payload)
                .headers(headers),
        )
    }

    /// Sends one record, waiting while the local queue is full.
    fn send(&self, mut record: BaseRecord<'_, str, [u8]>) -> Result<(), KafkaError> {
        loop {
            match self.producer.send(record) {
                Ok(()) => return Ok(()),
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    record = back;
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err((e, _)) => return Err(e),
            }
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

fn rd_error(e: &KafkaError) -> Option<&rdkafka::error::RDKafkaError> {
    match e {
        KafkaError::Transaction(err) => Some(err),
        _ => None,
    }
}

fn kafka_fatal(e: &KafkaError) -> bool {
    rd_error(e).is_some_and(|err| err.is_fatal())
}

fn is_retriable(e: &KafkaError) -> bool {
    rd_error(e).is_none_or(|err| err.is_retriable() || !err.is_fatal())
}

fn abort_reason(e: &KafkaError) -> &'static str {
    match e {
        KafkaError::Transaction(_) => "transaction",
        KafkaError::MessageProduction(_) => "produce",
        _ => "other",
    }
}
