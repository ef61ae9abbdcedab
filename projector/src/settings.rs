//! Settings of the projector.

use std::time::Duration;

use platform::env::Env;
use platform::kafka::KafkaSettings;
use platform::pg::PgSettings;

use crate::batch::CommitWait;

/// Projector settings.
#[derive(Debug, Clone)]
pub struct ProjectorSettings {
    pub kafka: KafkaSettings,
    pub pg: PgSettings,
    /// `LISTEN_ADDR`: ops endpoints.
    pub listen_addr: String,
    /// `PROJECTOR_GROUP_ID`: consumer group (prefixed with `KAFKA_TOPIC_PREFIX`); also the key of
    /// the stored offsets.
    pub group_id: String,
    /// `PROJECTOR_BATCH_SIZE`: most events per PostgreSQL transaction.
    pub batch_size: usize,
    /// `PROJECTOR_BATCH_WAIT`: how long to wait to fill a batch.
    pub batch_wait: Duration,
    /// `PROJECTOR_SYNCHRONOUS_COMMIT`: wait for each batch's WAL flush (default false: see
    /// [`crate::batch::CommitWait`]).
    pub commit: CommitWait,
    /// `EXPOSURE_RETENTION`: keys whose `created_at` is older are deleted (default 14 days).
    pub retention: Duration,
    /// `RETENTION_CLEANUP_INTERVAL`: how often the cleanup runs (0 disables it).
    pub cleanup_interval: Duration,
}

impl ProjectorSettings {
    pub fn from_env(env: &mut Env) -> Self {
        let kafka = KafkaSettings::from_env(env);
        let group_id = env.string("PROJECTOR_GROUP_ID", "projector");
        let settings = Self {
            pg: PgSettings::from_env(env),
            listen_addr: env.string("LISTEN_ADDR", "127.0.0.1:18084"),
            group_id: format!("{}{group_id}", kafka.topic_prefix),
            batch_size: env.parse("PROJECTOR_BATCH_SIZE", 500),
            batch_wait: env.duration("PROJECTOR_BATCH_WAIT", Duration::from_millis(10)),
            commit: if env.bool("PROJECTOR_SYNCHRONOUS_COMMIT", false) {
                CommitWait::Flush
            } else {
                CommitWait::NoFlush
            },
            retention: env.duration("EXPOSURE_RETENTION", Duration::from_secs(14 * 24 * 3600)),
            cleanup_interval: env.duration("RETENTION_CLEANUP_INTERVAL", Duration::from_secs(3600)),
            kafka,
        };
        if settings.batch_size == 0 {
            env.problem("PROJECTOR_BATCH_SIZE must be at least 1");
        }
        if settings.retention < Duration::from_secs(24 * 3600) {
            env.problem("EXPOSURE_RETENTION must be at least 24h");
        }
        settings
    }
}
