//! Kafka client settings, topic names and creation, and the idempotent producer.
//!
//! Every service builds its clients from one [`KafkaSettings`], so broker address, topic prefix,
//! retention and security ([`crate::kafka_security`]) are read the same way everywhere.

use std::time::Duration;

use anyhow::Context as _;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::error::KafkaError;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::types::RDKafkaErrorCode;
use schemas::topics::{Retention, Topic};
use schemas::{Envelope, Event};

use crate::env::Env;
use crate::kafka_probe::{probe, WhenUnreachable, PROBE_TIMEOUT};
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
    /// `KAFKA_CREATE_TOPICS`: create missing topics at start-up.
    pub create_topics: bool,
    /// `KAFKA_PRODUCE_TIMEOUT`: how long a produce may wait for the broker's acknowledgement.
    pub produce_timeout: Duration,
    /// `KAFKA_LINGER`: how long a producer may hold a record to batch it with later ones
    /// (librdkafka `linger.ms`, default 0: send at once). Under load records batch anyway while
    /// earlier requests are in flight, so a linger only adds latency on this path.
    pub linger: Duration,
    /// `KAFKA_SECURITY_PROTOCOL`, `KAFKA_SASL_*`, `KAFKA_SSL_*`: applied to every client.
    pub security: KafkaSecurity,
}

impl KafkaSettings {
    /// Reads the settings from `env`.
    pub fn from_env(env: &mut Env) -> Self {
        let settings = Self {
            brokers: env.string("KAFKA_BROKERS", "127.0.0.1:19092"),
            topic_prefix: env.string("KAFKA_TOPIC_PREFIX", ""),
            tek_retention: env.duration("TEK_RETENTION", Duration::from_secs(15 * 24 * 3600)),
            partitions: env.parse("KAFKA_PARTITIONS", 4),
            replication_factor: env.parse("KAFKA_REPLICATION_FACTOR", 1),
            create_topics: env.bool("KAFKA_CREATE_TOPICS", true),
            produce_timeout: env.duration("KAFKA_PRODUCE_TIMEOUT", Duration::from_secs(5)),
            linger: env.duration("KAFKA_LINGER", Duration::ZERO),
            security: KafkaSecurity::from_env(env),
        };
        if settings.partitions < 1 {
            env.problem("KAFKA_PARTITIONS must be at least 1");
        }
        if settings.replication_factor < 1 {
            env.problem("KAFKA_REPLICATION_FACTOR must be at least 1");
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
            create_topics: true,
            produce_timeout: Duration::from_secs(5),
            linger: Duration::ZERO,
            security: KafkaSecurity::Plaintext,
        }
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

    /// An idempotent producer that waits for all in-sync replicas (`acks=all`).
    pub fn producer(&self) -> anyhow::Result<FutureProducer> {
        self.client_config()
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("linger.ms", self.linger.as_millis().to_string())
            .set("compression.type", "lz4")
            .set(
                "message.timeout.ms",
                self.produce_timeout.as_millis().to_string(),
            )
            .create()
            .context("cannot create Kafka producer")
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
            probe(self, PROBE_TIMEOUT, WhenUnreachable::Tolerate).await?;
        }
        Ok(())
    }

    /// Creates every topic of design §4 that does not exist yet, with its retention settings,
    /// after checking the connection ([`crate::kafka_probe`]).
    pub async fn ensure_topics(&self) -> anyhow::Result<()> {
        probe(self, PROBE_TIMEOUT, WhenUnreachable::Fail).await?;
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
                .set("retention.ms", &retention_ms[i]),
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
