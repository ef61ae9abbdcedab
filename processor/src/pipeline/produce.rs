//! The producing side of the pipeline: queueing a record (waiting while the local queue is full),
//! the dead-letter record of an undecodable event, and which producer errors stop the service.

use std::time::Duration;

use anyhow::Context as _;
use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Header, Message, OwnedHeaders};
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::util::Timeout;
use schemas::topics::Topic;

use crate::settings::ProcessorSettings;

/// Why a batch was not fully produced.
#[derive(Debug, thiserror::Error)]
pub(super) enum BatchError {
    /// The producer can no longer guarantee order or completeness: the service must restart.
    #[error("fatal producer error: {0}")]
    Fatal(KafkaError),
    /// A record was refused; the batch is produced again from its first offsets.
    #[error("record not produced: {0}")]
    Produce(KafkaError),
}

/// The processor's producer and where undecodable events go.
pub(super) struct Output {
    producer: FutureProducer,
    dead_letter: String,
}

impl Output {
    /// The idempotent, gapless producer that never gives up on a record.
    pub(super) fn new(settings: &ProcessorSettings) -> anyhow::Result<Self> {
        let producer: FutureProducer = settings
            .kafka
            .client_config()
            .set("enable.idempotence", "true")
            .set("enable.gapless.guarantee", "true")
            .set("acks", "all")
            .set("linger.ms", settings.kafka.linger.as_millis().to_string())
            .set(
                "max.in.flight.requests.per.connection",
                settings.kafka.max_in_flight.to_string(),
            )
            .set("compression.type", "lz4")
            // Never give up on a record: a partial failure could leave a gap in the source
            // offsets. While the brokers are away the processor simply does not advance.
            .set("message.timeout.ms", "0")
            .create()
            .context("cannot create the processor producer")?;
        Ok(Self {
            producer,
            dead_letter: settings.kafka.topic(Topic::DeadLetter),
        })
    }

    /// Sends `payload` (the record as received) to the dead-letter topic with the reason and the
    /// source topic as headers.
    pub(super) async fn dead_letter(
        &self,
        message: &BorrowedMessage<'_>,
        payload: &[u8],
        source_topic: &str,
        reason: &str,
    ) -> Result<DeliveryFuture, BatchError> {
        let headers = OwnedHeaders::new()
            .insert(Header {
                key: "reason",
                value: Some(reason),
            })
            .insert(Header {
                key: "source-topic",
                value: Some(source_topic),
            });
        let key = String::from_utf8_lossy(message.key().unwrap_or_default());
        self.send(
            FutureRecord::to(&self.dead_letter)
                .key(key.as_ref())
                .payload(payload)
                .headers(headers),
        )
        .await
    }

    /// Queues one record, waiting while the local queue is full; resolves to its delivery.
    pub(super) async fn send(
        &self,
        mut record: FutureRecord<'_, str, [u8]>,
    ) -> Result<DeliveryFuture, BatchError> {
        loop {
            match self.producer.send_result(record) {
                Ok(delivery) => return Ok(delivery),
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    record = back;
                    self.producer.poll(Timeout::After(Duration::ZERO));
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                Err((e, _)) => return Err(classify(e)),
            }
        }
    }
}

/// Fatal errors (the idempotent producer lost its guarantees) stop the service; the rest retry.
pub(super) fn classify(e: KafkaError) -> BatchError {
    let fatal = matches!(
        e,
        KafkaError::MessageProduction(
            RDKafkaErrorCode::Fatal
                | RDKafkaErrorCode::GaplessGuarantee
                | RDKafkaErrorCode::OutOfOrderSequenceNumber
                | RDKafkaErrorCode::InvalidProducerEpoch
                | RDKafkaErrorCode::UnknownProducerId
        )
    );
    if fatal {
        BatchError::Fatal(e)
    } else {
        BatchError::Produce(e)
    }
}
