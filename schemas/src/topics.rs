//! Topic names and their retention settings.
//!
//! Names take an optional prefix (`KAFKA_TOPIC_PREFIX`) so test suites and parallel environments
//! can isolate themselves on one broker.

/// How a topic keeps its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    /// Log-compacted, kept forever (latest value per key).
    CompactedForever,
    /// Deleted after the given number of milliseconds.
    DeleteAfterMs(i64),
}

/// The logical topics of the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    /// Configuration events (health authorities, keys, apps, export configs).
    Config,
    /// Audit trail of configuration changes (who, when, what), without secrets.
    ConfigAudit,
    /// Publish requests accepted by ingest.
    PublishReceived,
    /// Publish requests after the processor applied claims and metadata.
    PublishProcessed,
    /// Results of applying a publish to the query store, read back by ingest.
    PublishOutcome,
    /// Events the processor could not decode, with the reason.
    DeadLetter,
}

/// Milliseconds in one day.
pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;

impl Topic {
    /// Every topic, in creation order.
    pub const ALL: [Topic; 6] = [
        Topic::Config,
        Topic::ConfigAudit,
        Topic::PublishReceived,
        Topic::PublishProcessed,
        Topic::PublishOutcome,
        Topic::DeadLetter,
    ];

    /// The unprefixed name.
    pub fn base_name(self) -> &'static str {
        match self {
            Topic::Config => "en.config",
            Topic::ConfigAudit => "en.config.audit",
            Topic::PublishReceived => "en.publish.received",
            Topic::PublishProcessed => "en.publish.processed",
            Topic::PublishOutcome => "en.publish.outcome",
            Topic::DeadLetter => "en.publish.deadletter",
        }
    }

    /// The name with `prefix` in front (no separator is added).
    pub fn name(self, prefix: &str) -> String {
        format!("{prefix}{}", self.base_name())
    }

    /// Retention of the topic, given the TEK retention for topics that carry keys.
    pub fn retention(self, tek_retention_ms: i64) -> Retention {
        match self {
            Topic::Config => Retention::CompactedForever,
            // The audit trail holds no personal data; keep it for a long time.
            Topic::ConfigAudit => Retention::DeleteAfterMs(-1),
            Topic::PublishReceived | Topic::PublishProcessed | Topic::DeadLetter => {
                Retention::DeleteAfterMs(tek_retention_ms)
            }
            Topic::PublishOutcome => Retention::DeleteAfterMs(DAY_MS),
        }
    }
}
