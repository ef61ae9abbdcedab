//! Making an accepted request durable: `PublishReceived` on `en.publish.received`, keyed by the
//! authorized app (so every app's events stay in order), through the idempotent `acks=all`
//! producer. The caller answers the phone only after the broker acknowledged.

use platform::opaque::Opaque;
use std::fmt;
use std::time::Duration;

use futures::future::BoxFuture;
use platform::kafka::ProduceError;
use rdkafka::producer::{FutureProducer, Producer as _};
use schemas::publish::PublishReceived;
use schemas::Envelope;

/// Why an event was not made durable.
#[derive(Debug, thiserror::Error)]
pub enum EnqueueError {
    #[error(transparent)]
    Produce(#[from] ProduceError),
    #[error("no acknowledgement within {0:?}")]
    Timeout(Duration),
}

/// Where accepted requests go.
pub trait EventSink: Send + Sync + fmt::Debug {
    /// Writes the event durably under `key`; resolves once acknowledged.
    fn enqueue<'a>(
        &'a self,
        key: &'a str,
        event: &'a Envelope<PublishReceived>,
    ) -> BoxFuture<'a, Result<(), EnqueueError>>;
}

/// The Kafka sink.
#[derive(Debug)]
pub struct KafkaSink {
    producer: Opaque<FutureProducer>,
    topic: String,
    timeout: Duration,
}

impl KafkaSink {
    /// A sink producing to `topic`, giving up after `timeout` (`KAFKA_PRODUCE_TIMEOUT`, which is
    /// also the producer's `message.timeout.ms`).
    pub fn new(producer: FutureProducer, topic: String, timeout: Duration) -> Self {
        Self {
            producer: Opaque(producer),
            topic,
            timeout,
        }
    }

    /// Waits (blocking a worker thread, not the runtime) until queued events are delivered.
    pub async fn flush(&self, timeout: Duration) {
        let producer = self.producer.clone();
        let flushed = tokio::task::spawn_blocking(move || producer.flush(timeout)).await;
        match flushed {
            Ok(Ok(())) => tracing::info!("Producer flushed"),
            Ok(Err(e)) => tracing::warn!(error = %e, "Producer flush incomplete"),
            Err(e) => tracing::warn!(error = %e, "Producer flush task failed"),
        }
    }
}

impl EventSink for KafkaSink {
    fn enqueue<'a>(
        &'a self,
        key: &'a str,
        event: &'a Envelope<PublishReceived>,
    ) -> BoxFuture<'a, Result<(), EnqueueError>> {
        Box::pin(async move {
            // librdkafka fails the delivery after `message.timeout.ms`; the outer timeout only
            // guards against a stuck client.
            let guard = self.timeout + Duration::from_secs(1);
            let produced =
                platform::kafka::produce(&self.producer, &self.topic, key, event, self.timeout);
            match tokio::time::timeout(guard, produced).await {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(e)) => Err(EnqueueError::Produce(e)),
                Err(_) => Err(EnqueueError::Timeout(guard)),
            }
        })
    }
}
