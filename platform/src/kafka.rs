//! Kafka client settings, topic names and creation, and the idempotent producer.
//!
//! Every service builds its clients from one [`KafkaSettings`], so broker address, topic prefix,
//! retention and security (`KafkaSecurity`) are read the same way everywhere.

use std::time::Duration;

use anyhow::Context as _;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::{ClientContext, DefaultClientContext};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::ConsumerContext;
use rdkafka::error::KafkaError;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::types::RDKafkaErrorCode;
use schemas::topics::{Retention, Topic};
use schemas::{Envelope, Event};

use crate::env::Env;
use crate::kafka_probe::{probe, ProbeError, WhenUnreachable, PROBE_TIMEOUT};
use crate::kafka_security::KafkaSecurity;

/// `fetch.wait.max.ms` of every consumer: how long the broker may hold a fetch that has no new
/// records. A fetch returns as soon as a record is appended, so this costs no latency; it only
/// bounds how often idle consumers ask (a short wait made idle services cost the broker CPU).
pub const FETCH_WAIT_MAX_MS: &str = "500";

/// Broker connection and topic layout, from `KAFKA_*` and `TEK_RETENTION`.
#[derive(Debug, Clone)]
pub struct KafkaSettings {
    /// `KAFKA_BROKERS`: bootstrap servers, comma-separated.
    pub brokers: String,
    /// `KAFKA_TOPIC_PREFIX`: prepended to every topic name.
    pub topic_prefix: String,
    /// `TEK_RETENTION`: retention of topics that carry keys (default 15 days).
    pub tek_retention: Duration,
    /// `KAFKA_PARTITIONS`: partitions of the publish topics when this service creates them.
    pub partitions: i32,
    /// `KAFKA_REPLICATION_FACTOR`: replication of topics this service creates.
    pub replication_factor: i32,
    /// `KAFKA_MIN_INSYNC_REPLICAS`: `min.insync.replicas` of topics this service creates: how
    /// many copies must have a record before the broker acknowledges it (producers use
    /// `acks=all`). Default: 2 with a replication factor of 3 or more (one node may be lost
    /// without losing an acknowledged record or stopping writes), otherwise 1.
    pub min_insync_replicas: i32,
    /// `KAFKA_CREATE_TOPICS`: create missing topics at start-up.
    pub create_topics: bool,
    /// `KAFKA_PRODUCE_TIMEOUT` (default 15s; librdkafka `message.timeout.ms`): how long a
    /// produce may wait for the broker's acknowledgement. Longer than a broker failover
    /// (`broker.session.timeout.ms`, 9 s by default, plus the election): a record still in
    /// flight when it times out makes librdkafka's idempotent producer bump its epoch, after which
    /// records it resends can be written twice (librdkafka issue 4953; the fault suite saw 51
    /// such duplicates in 7 broker kills with 5 s).
    pub produce_timeout: Duration,
    /// `KAFKA_LINGER`: how long a producer may hold a record to batch it with later ones
    /// (librdkafka `linger.ms`, default 0: send at once). Under load records batch anyway while
    /// earlier requests are in flight, so a linger only adds latency on this path.
    pub linger: Duration,
    /// `KAFKA_MAX_IN_FLIGHT` (1..=5, default 1): produce requests a producer keeps in flight per
    /// broker. With one, records that arrive while a request is out go together in the next:
    /// a lone record is sent at once, and under load batches grow with the load instead of the
    /// brokers answering one request per record.
    pub max_in_flight: u32,
    /// `KAFKA_SESSION_TIMEOUT` (default 10s; librdkafka's own default is 45 s): how long a
    /// consumer-group member may stay silent before its partitions move to the others. A member
    /// that died without leaving (`kill -9`, a lost host) stalls its partitions this long.
    pub session_timeout: Duration,
    /// `KAFKA_GROUP_INSTANCE_ID` (optional): a stable identity of this instance in its consumer
    /// group (static membership, e.g. the pod name of a StatefulSet). An instance that restarts
    /// under the same id gets its partitions back at once, without a rebalance. Unique per
    /// instance of a service.
    pub group_instance_id: Option<String>,
    /// `KAFKA_SECURITY_PROTOCOL`, `KAFKA_SASL_*`, `KAFKA_SSL_*`: applied to every client.
    pub security: KafkaSecurity,
}

impl KafkaSettings {
    /// Reads the settings from `env`.
    pub fn from_env(env: &mut Env) -> Self {
        let replication_factor = env.parse("KAFKA_REPLICATION_FACTOR", 1);
        let settings = Self {
            brokers: env.string("KAFKA_BROKERS", "127.0.0.1:19092"),
            topic_prefix: env.string("KAFKA_TOPIC_PREFIX", ""),
            tek_retention: env.duration("TEK_RETENTION", Duration::from_secs(15 * 24 * 3600)),
            partitions: env.parse("KAFKA_PARTITIONS", 4),
            replication_factor,
            min_insync_replicas: env.parse(
                "KAFKA_MIN_INSYNC_REPLICAS",
                default_min_insync_replicas(replication_factor),
            ),
            create_topics: env.bool("KAFKA_CREATE_TOPICS", true),
            produce_timeout: env.duration("KAFKA_PRODUCE_TIMEOUT", Duration::from_secs(15)),
            linger: env.duration("KAFKA_LINGER", Duration::ZERO),
            max_in_flight: env.parse("KAFKA_MAX_IN_FLIGHT", 1),
            session_timeout: env.duration("KAFKA_SESSION_TIMEOUT", Duration::from_secs(10)),
            group_instance_id: Some(env.string("KAFKA_GROUP_INSTANCE_ID", ""))
                .filter(|id| !id.is_empty()),
            security: KafkaSecurity::from_env(env),
        };
        // The broker's group.min.session.timeout.ms defaults to 6 s, its max to 30 min.
        if !(Duration::from_secs(6)..=Duration::from_secs(1800)).contains(&settings.session_timeout)
        {
            env.problem("KAFKA_SESSION_TIMEOUT must be between 6s and 30m");
        }
        if !(1..=5).contains(&settings.max_in_flight) {
            env.problem("KAFKA_MAX_IN_FLIGHT must be between 1 and 5 (idempotent producers)");
        }
        if settings.partitions < 1 {
            env.problem("KAFKA_PARTITIONS must be at least 1");
        }
        if settings.replication_factor < 1 {
            env.problem("KAFKA_REPLICATION_FACTOR must be at least 1");
        }
        if !(1..=settings.replication_factor.max(1)).contains(&settings.min_insync_replicas) {
            env.problem("KAFKA_MIN_INSYNC_REPLICAS must be between 1 and KAFKA_REPLICATION_FACTOR");
        }
        settings
    }

    /// Settings for a local broker with the given prefix (tests and tools).
    pub fn local(brokers: &str, topic_prefix: &str) -> Self {
        Self {
            brokers: brokers.to_owned(),
            topic_prefix: topic_prefix.to_owned(),
            tek_retention: Duration::from_secs(15 * 24 * 3600),
            partitions: 4,
            replication_factor: 1,
            min_insync_replicas: 1,
            create_topics: true,
            produce_timeout: Duration::from_secs(5),
            linger: Duration::ZERO,
            max_in_flight: 1,
            session_timeout: Duration::from_secs(10),
            group_instance_id: None,
            security: KafkaSecurity::Plaintext,
        }
    }

    /// The same settings with topics created `replication_factor` times over (and the default
    /// `min.insync.replicas` for it): tests on the three-node cluster.
    #[must_use]
    pub fn with_replication(mut self, replication_factor: i32) -> Self {
        self.replication_factor = replication_factor;
        self.min_insync_replicas = default_min_insync_replicas(replication_factor);
        self
    }

    /// The full (prefixed) name of `topic`.
    pub fn topic(&self, topic: Topic) -> String {
        topic.name(&self.topic_prefix)
    }

    /// Base client configuration (bootstrap servers, security, quiet librdkafka logs).
    pub fn client_config(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", &self.brokers)
            .set("log_level", "4")
            .set("socket.keepalive.enable", "true");
        self.security.apply(&mut config);
        config
    }

    /// Client configuration of a member of consumer group `group`: the session timeout (a
    /// heartbeat every fifth of it) and, if set, the static group instance id.
    pub fn group_consumer_config(&self, group: &str) -> ClientConfig {
        let mut config = self.client_config();
        let session_ms = self.session_timeout.as_millis();
        config
            .set("group.id", group)
            .set("session.timeout.ms", session_ms.to_string())
            .set(
                "heartbeat.interval.ms",
                (session_ms / 5).max(100).to_string(),
            );
        if let Some(id) = &self.group_instance_id {
            config.set("group.instance.id", id);
        }
        config
    }

    /// An idempotent producer that waits for all in-sync replicas (`acks=all`).
    pub fn producer(&self) -> anyhow::Result<FutureProducer> {
        self.client_config()
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("linger.ms", self.linger.as_millis().to_string())
            .set(
                "max.in.flight.requests.per.connection",
                self.max_in_flight.to_string(),
            )
            .set("compression.type", "lz4")
            .set(
                "message.timeout.ms",
                self.produce_timeout.as_millis().to_string(),
            )
            .create()
            .context("cannot create Kafka producer")
    }

    /// Asks the brokers for metadata with these settings (see [`probe`]).
    async fn probe(&self, unreachable: WhenUnreachable) -> Result<(), ProbeError> {
        probe(
            self.client_config(),
            self.brokers.clone(),
            self.security.to_string(),
            PROBE_TIMEOUT,
            unreachable,
        )
        .await
    }

    /// What every service does at start-up: checks that the brokers can be reached, trusted and
    /// authenticated to ([`crate::kafka_probe`]), then [`KafkaSettings::ensure_topics`] when
    /// `KAFKA_CREATE_TOPICS` is on (the default).
    pub async fn ensure_topics_if_enabled(&self) -> anyhow::Result<()> {
        if self.create_topics {
            self.ensure_topics().await?;
        } else {
            // Without topics to create a service starts without its broker (unready until it is
            // back), but never with credentials or a CA the broker refuses.
            self.probe(WhenUnreachable::Tolerate).await?;
        }
        Ok(())
    }

    /// Creates every topic of [`schemas::topics`] that does not exist yet, with its retention
    /// settings, after checking the connection ([`crate::kafka_probe`]).
    pub async fn ensure_topics(&self) -> anyhow::Result<()> {
        self.probe(WhenUnreachable::Fail).await?;
        let admin: AdminClient<DefaultClientContext> = self
            .client_config()
            .create()
            .context("cannot create Kafka admin client")?;
        let tek_ms = i64::try_from(self.tek_retention.as_millis()).unwrap_or(i64::MAX);
        let names: Vec<String> = Topic::ALL.iter().map(|t| self.topic(*t)).collect();
        let retentions: Vec<Retention> = Topic::ALL.iter().map(|t| t.retention(tek_ms)).collect();
        let retention_ms: Vec<String> = retentions
            .iter()
            .map(|r| match r {
                Retention::CompactedForever => "-1".to_owned(),
                Retention::DeleteAfterMs(ms) => ms.to_string(),
            })
            .collect();
        let min_insync = self.min_insync_replicas.to_string();
        let mut specs = Vec::new();
        for (i, topic) in Topic::ALL.iter().enumerate() {
            let partitions = match topic {
                Topic::Config | Topic::ConfigAudit => 1,
                _ => self.partitions,
            };
            let policy = match retentions[i] {
                Retention::CompactedForever => "compact",
                Retention::DeleteAfterMs(_) => "delete",
            };
            specs.push(
                NewTopic::new(
                    &names[i],
                    partitions,
                    TopicReplication::Fixed(self.replication_factor),
                )
                .set("cleanup.policy", policy)
                .set("retention.ms", &retention_ms[i])
                .set("min.insync.replicas", &min_insync),
            );
        }
        let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
        let results = admin
            .create_topics(specs.iter(), &options)
            .await
            .context("cannot create topics")?;
        for result in results {
            match result {
                Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
                Err((name, code)) => anyhow::bail!("cannot create topic {name}: {code}"),
            }
        }
        Ok(())
    }
}

/// `min.insync.replicas` for a replication factor: 2 from three copies up, otherwise 1.
fn default_min_insync_replicas(replication_factor: i32) -> i32 {
    if replication_factor >= 3 {
        2
    } else {
        1
    }
}

/// Why an event could not be made durable in Kafka.
#[derive(Debug, thiserror::Error)]
pub enum ProduceError {
    #[error("cannot serialise event: {0}")]
    Serialize(#[from] serde_json::Error),
    #[error("broker did not acknowledge the event: {0}")]
    NotAcknowledged(#[source] KafkaError),
}

/// Produces `envelope` to `topic` under `key` and waits for the broker's acknowledgement.
/// Returns the partition and offset it was written at.
pub async fn produce<T: Event>(
    producer: &FutureProducer,
    topic: &str,
    key: &str,
    envelope: &Envelope<T>,
    timeout: Duration,
) -> Result<(i32, i64), ProduceError> {
    let payload = envelope.to_bytes()?;
    let record = FutureRecord::to(topic).key(key).payload(&payload);
    producer
        .send(record, timeout)
        .await
        .map(|delivery| (delivery.partition, delivery.offset))
        .map_err(|(e, _)| ProduceError::NotAcknowledged(e))
}

/// Client context of consumers that read to the end of a partition (`enable.partition.eof`).
///
/// librdkafka reports every "reached the end of the partition" as an error event too, and
/// rdkafka's default context logs each one at ERROR level, so a reader following `en.config`
/// would log an error after every configuration change. This context drops those (the consumer
/// still receives them as [`KafkaError::PartitionEOF`]) and logs real client errors as warnings:
/// librdkafka retries them itself, and callers see the ones that matter.
#[derive(Debug, Clone, Copy, Default)]
pub struct EofAwareContext;

impl ClientContext for EofAwareContext {
    fn error(&self, error: KafkaError, reason: &str) {
        match error {
            KafkaError::Global(RDKafkaErrorCode::PartitionEOF) | KafkaError::PartitionEOF(_) => {
                tracing::trace!(reason, "Partition end reached");
            }
            other => tracing::warn!(error = %other, reason, "Kafka client error"),
        }
    }
}

impl ConsumerContext for EofAwareContext {}

#[cfg(test)]
#[allow(clippy::expect_used)]
#[path = "kafka_tests.rs"]
mod tests;
