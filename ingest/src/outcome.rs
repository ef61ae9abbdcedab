//! The outcome round trip: each ingest instance has a random `reply_to` id and
//! reads `en.publish.outcome` itself — every partition, from the end at start-up, without a
//! consumer group — completing the pending requests whose outcome names it.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use platform::kafka::KafkaSettings;
use platform::kafka_consumers::ConsumerProfile;
use rdkafka::consumer::{Consumer as _, StreamConsumer};
use rdkafka::message::Message as _;
use rdkafka::{Offset, TopicPartitionList};
use schemas::publish::PublishOutcome;
use schemas::topics::Topic;
use schemas::Envelope;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::metrics::Metrics;

/// Routes outcomes to the requests waiting for them.
pub struct OutcomeRouter {
    reply_to: String,
    pending: Mutex<HashMap<Uuid, oneshot::Sender<Box<PublishOutcome>>>>,
    listening: AtomicBool,
    metrics: Metrics,
}

impl fmt::Debug for OutcomeRouter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutcomeRouter")
            .field("reply_to", &self.reply_to)
            .field("listening", &self.is_listening())
            .finish_non_exhaustive()
    }
}

/// What happened to one outcome event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// A waiting request got it.
    Matched,
    /// Ours, but nobody waits any more (answered in degraded mode already).
    Late,
}

impl OutcomeRouter {
    /// A router with a fresh random instance id.
    pub fn new(metrics: Metrics) -> Self {
        Self {
            reply_to: format!("ingest-{}", Uuid::new_v4()),
            pending: Mutex::new(HashMap::new()),
            listening: AtomicBool::new(false),
            metrics,
        }
    }

    /// This instance's id, written into every `PublishReceived`.
    pub fn reply_to(&self) -> &str {
        &self.reply_to
    }

    /// Whether the listener is assigned to the outcome topic.
    pub fn is_listening(&self) -> bool {
        self.listening.load(Ordering::Acquire)
    }

    fn set_listening(&self, listening: bool) {
        self.listening.store(listening, Ordering::Release);
    }

    /// Registers a request before its event is produced, so its outcome cannot be missed.
    pub fn register(self: &Arc<Self>, request_id: Uuid) -> Pending {
        let (tx, rx) = oneshot::channel();
        if let Ok(mut pending) = self.pending.lock() {
            pending.insert(request_id, tx);
            self.metrics.pending_outcomes.set(pending.len() as i64);
        }
        Pending {
            router: self.clone(),
            request_id,
            rx: Some(rx),
        }
    }

    /// Hands an outcome to the request waiting for it.
    pub fn deliver(&self, request_id: Uuid, outcome: PublishOutcome) -> Delivery {
        let sender = self
            .pending
            .lock()
            .ok()
            .and_then(|mut p| p.remove(&request_id));
        match sender.map(|tx| tx.send(Box::new(outcome)).is_ok()) {
            Some(true) => Delivery::Matched,
            Some(false) | None => Delivery::Late,
        }
    }

    fn forget(&self, request_id: Uuid) {
        if let Ok(mut pending) = self.pending.lock() {
            pending.remove(&request_id);
            self.metrics.pending_outcomes.set(pending.len() as i64);
        }
    }
}

/// A request waiting for its outcome. Dropping it unregisters the request.
#[derive(Debug)]
pub struct Pending {
    router: Arc<OutcomeRouter>,
    request_id: Uuid,
    rx: Option<oneshot::Receiver<Box<PublishOutcome>>>,
}

impl Pending {
    /// Waits up to `wait` for the outcome.
    pub async fn wait(mut self, wait: Duration) -> Option<PublishOutcome> {
        let rx = self.rx.take()?;
        tokio::time::timeout(wait, rx).await.ok()?.ok().map(|o| *o)
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.router.forget(self.request_id);
    }
}

/// Follows the outcome topic until `shutdown`, (re)connecting as needed. Never fails: while it
/// cannot read, requests are answered in degraded mode.
pub async fn listen(kafka: KafkaSettings, router: Arc<OutcomeRouter>, shutdown: CancellationToken) {
    let topic = kafka.topic(Topic::PublishOutcome);
    loop {
        let consumer = tokio::select! {
            () = shutdown.cancelled() => return,
            assigned = assign_at_end(&kafka, &topic, router.reply_to()) => assigned,
        };
        match consumer {
            Ok(consumer) => {
                router.set_listening(true);
                tracing::info!(topic = %topic, "Listening for publish outcomes");
                follow(&consumer, &router, &shutdown).await;
                router.set_listening(false);
                if shutdown.is_cancelled() {
                    return;
                }
            }
            Err(e) => {
                tracing::warn!(
                    error = format!("{e:#}"),
                    "Cannot listen for publish outcomes yet; retrying"
                );
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
            }
        }
    }
}

/// A consumer assigned to every partition of `topic` at its current end (exact offsets, so an
/// outcome written right after start-up is not skipped).
async fn assign_at_end(
    kafka: &KafkaSettings,
    topic: &str,
    reply_to: &str,
) -> anyhow::Result<StreamConsumer> {
    let consumer: StreamConsumer = kafka
        .consumer_config(ConsumerProfile::Tail { group: reply_to })
        .create()
        .context("cannot create the outcome consumer")?;
    let consumer = Arc::new(consumer);
    let topic_name = topic.to_owned();
    let blocking = consumer.clone();
    let assignment = tokio::task::spawn_blocking(move || -> anyhow::Result<TopicPartitionList> {
        let timeout = Duration::from_secs(5);
        let metadata = blocking
            .fetch_metadata(Some(&topic_name), timeout)
            .context("cannot read outcome topic metadata")?;
        let partitions: Vec<i32> = metadata
            .topics()
            .iter()
            .filter(|t| t.name() == topic_name && t.error().is_none())
            .flat_map(|t| t.partitions().iter().map(|p| p.id()))
            .collect();
        anyhow::ensure!(
            !partitions.is_empty(),
            "outcome topic {topic_name} has no partitions"
        );
        let mut list = TopicPartitionList::new();
        for partition in partitions {
            let (_, high) = blocking
                .fetch_watermarks(&topic_name, partition, timeout)
                .context("cannot read outcome topic offsets")?;
            list.add_partition_offset(&topic_name, partition, Offset::Offset(high))
                .context("cannot build the outcome assignment")?;
        }
        Ok(list)
    })
    .await
    .context("outcome assignment task failed")??;
    consumer
        .assign(&assignment)
        .context("cannot assign the outcome topic")?;
    Arc::try_unwrap(consumer).map_err(|_| anyhow::anyhow!("outcome consumer still shared"))
}

async fn follow(consumer: &StreamConsumer, router: &OutcomeRouter, shutdown: &CancellationToken) {
    let outcomes = &router.metrics.outcomes;
    loop {
        let received = tokio::select! {
            () = shutdown.cancelled() => return,
            received = consumer.recv() => received,
        };
        let message = match received {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "Outcome consumer error");
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        let Some(Ok(envelope)) = message
            .payload()
            .map(Envelope::<PublishOutcome>::from_bytes)
        else {
            outcomes.with_label_values(&["undecodable"]).inc();
            continue;
        };
        if envelope.payload.reply_to != router.reply_to() {
            outcomes.with_label_values(&["foreign"]).inc();
            continue;
        }
        let Some(request_id) = envelope.request_id else {
            outcomes.with_label_values(&["undecodable"]).inc();
            continue;
        };
        let label = match router.deliver(request_id, envelope.payload) {
            Delivery::Matched => "matched",
            Delivery::Late => "late",
        };
        outcomes.with_label_values(&[label]).inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome() -> PublishOutcome {
        PublishOutcome {
            reply_to: "x".into(),
            status: 200,
            code: None,
            error: None,
            inserted: 1,
            revised: 0,
            dropped: 0,
            warnings: vec![],
            token_entries: vec![],
        }
    }

    fn router() -> Arc<OutcomeRouter> {
        let registry = prometheus::Registry::new();
        Arc::new(OutcomeRouter::new(Metrics::register(&registry).unwrap()))
    }

    #[tokio::test]
    async fn delivers_to_the_waiting_request() {
        let r = router();
        let id = Uuid::new_v4();
        let pending = r.register(id);
        assert_eq!(r.deliver(id, outcome()), Delivery::Matched);
        assert_eq!(pending.wait(Duration::from_secs(1)).await, Some(outcome()));
        assert!(r.reply_to().starts_with("ingest-"));
    }

    #[tokio::test]
    async fn timeout_and_late_outcomes() {
        let r = router();
        let id = Uuid::new_v4();
        let pending = r.register(id);
        assert_eq!(pending.wait(Duration::from_millis(10)).await, None);
        // The request no longer waits: the outcome is late, and nothing leaks.
        assert_eq!(r.deliver(id, outcome()), Delivery::Late);
        assert!(r.pending.lock().unwrap().is_empty());
        assert_eq!(r.deliver(Uuid::new_v4(), outcome()), Delivery::Late);
    }

    #[tokio::test]
    async fn dropping_unregisters() {
        let r = router();
        let id = Uuid::new_v4();
        drop(r.register(id));
        assert!(r.pending.lock().unwrap().is_empty());
        assert_eq!(r.metrics.pending_outcomes.get(), 0);
    }
}
