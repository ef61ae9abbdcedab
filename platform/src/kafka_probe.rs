//! The start-up check that a service can reach, trust and authenticate to its brokers.
//!
//! librdkafka retries a refused TLS handshake or SASL authentication forever in the background
//! and reports it only through its error callback; a service would start, stay unready and log
//! the same error at intervals. Every service instead asks the brokers for metadata before
//! anything else and refuses to start, with librdkafka's own reason, when the handshake or the
//! authentication fails (a wrong password, an untrusted CA, a host name that does not match).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rdkafka::client::ClientContext;
use rdkafka::error::KafkaError;
use rdkafka::producer::{BaseProducer, DeliveryResult, Producer as _, ProducerContext};
use rdkafka::types::RDKafkaErrorCode;

use rdkafka::ClientConfig;

/// How long start-up waits for the brokers' metadata.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(30);

/// What an unreachable broker means to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenUnreachable {
    /// An error after the timeout (topics must be created now).
    Fail,
    /// Start anyway, not ready, as soon as every broker is down or the timeout passed: only a
    /// refusal (TLS, authentication) stops the start. Services that do not create topics start
    /// without their broker and report themselves unready until it is back.
    Tolerate,
}

/// Why the brokers could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("Kafka at {brokers} refused this client ({security}): {reason}")]
    Refused {
        brokers: String,
        security: String,
        reason: String,
    },
    #[error("Kafka at {brokers} ({security}) did not answer within {timeout:?}: {reason}")]
    Unreachable {
        brokers: String,
        security: String,
        timeout: Duration,
        reason: String,
    },
    #[error("cannot create the Kafka client: {0}")]
    Client(#[source] KafkaError),
    #[error("the Kafka check did not finish: {0}")]
    Join(#[from] tokio::task::JoinError),
}

/// Remembers the client's errors: the first TLS or authentication failure, and the last error.
#[derive(Default)]
struct Recorder {
    refused: Mutex<Option<String>>,
    last: Mutex<Option<String>>,
    all_down: AtomicBool,
}

impl ClientContext for Recorder {
    fn error(&self, error: KafkaError, reason: &str) {
        let fatal = matches!(
            error.rdkafka_error_code(),
            Some(RDKafkaErrorCode::Authentication | RDKafkaErrorCode::SSL)
        );
        if fatal {
            if let Ok(mut refused) = self.refused.lock() {
                refused.get_or_insert_with(|| reason.to_owned());
            }
        }
        if error.rdkafka_error_code() == Some(RDKafkaErrorCode::AllBrokersDown) {
            self.all_down.store(true, Ordering::Relaxed);
        }
        if let Ok(mut last) = self.last.lock() {
            *last = Some(format!("{error}: {reason}"));
        }
    }
}

impl ProducerContext for Recorder {
    type DeliveryOpaque = ();
    fn delivery(&self, _: &DeliveryResult<'_>, _: Self::DeliveryOpaque) {}
}

impl Recorder {
    fn refused(&self) -> Option<String> {
        self.refused.lock().ok()?.clone()
    }
    fn last(&self) -> Option<String> {
        self.last.lock().ok()?.clone()
    }
}

/// Fetches the cluster's metadata with a client made from `config` (the service's connection
/// and security settings); fails with a clear reason as soon as a TLS handshake or SASL
/// authentication is refused, and, when `unreachable` is [`WhenUnreachable::Fail`], after
/// `timeout` when no broker answers. `brokers` and `security` only name the target in errors.
pub async fn probe(
    config: ClientConfig,
    brokers: String,
    security: String,
    timeout: Duration,
    unreachable: WhenUnreachable,
) -> Result<(), ProbeError> {
    tokio::task::spawn_blocking(move || {
        let producer: BaseProducer<Recorder> = config
            .create_with_context(Recorder::default())
            .map_err(ProbeError::Client)?;
        let deadline = Instant::now() + timeout;
        loop {
            let outcome = producer
                .client()
                .fetch_metadata(None, Duration::from_secs(1));
            // Errors reach the context only when the client is polled.
            producer.poll(Duration::from_millis(100));
            if let Some(reason) = producer.context().refused() {
                return Err(ProbeError::Refused {
                    brokers,
                    security,
                    reason,
                });
            }
            let down = producer.context().all_down.load(Ordering::Relaxed);
            if unreachable == WhenUnreachable::Tolerate
                && outcome.is_err()
                && (down || Instant::now() >= deadline)
            {
                tracing::warn!(
                    brokers = %brokers,
                    reason = producer.context().last().unwrap_or_default(),
                    "Kafka is unreachable at start; starting unready"
                );
                return Ok(());
            }
            match outcome {
                Ok(_) => return Ok(()),
                Err(e) if Instant::now() >= deadline => {
                    return Err(ProbeError::Unreachable {
                        brokers,
                        security,
                        timeout,
                        reason: producer.context().last().unwrap_or_else(|| e.to_string()),
                    })
                }
                Err(_) => {}
            }
        }
    })
    .await?
}
