//! Settings of the projector.

use std::time::Duration;

use platform::env::{Env, FromEnv};
use platform::kafka::KafkaSettings;
use platform::pg::PgSettings;

use crate::batch::CommitWait;

/// Projector settings.
#[derive(Debug, Clone)]
pub struct ProjectorSettings {
    pub kafka: KafkaSettings,
    pub pg: PgSettings,
    /// `OPS_LISTEN_ADDR`: ops endpoints; the projector has no public port.
    pub listen_addr: String,
    /// `HTTP_*`: limits of the ops listener.
    pub http: platform::http_server::HttpLimits,
    /// `PROJECTOR_GROUP_ID`: consumer group (prefixed with `KAFKA_TOPIC_PREFIX`); also the key of
    /// the stored offsets.
    pub group_id: String,
    /// `PROJECTOR_BATCH_SIZE`: most events per PostgreSQL transaction.
    pub batch_size: usize,
    /// `PROJECTOR_BATCH_WAIT`: how long to wait for more records once a batch has its first one
    /// (default 0: take what is already fetched; batches still grow under load because records
    /// arrive while the previous batch is in PostgreSQL).
    pub batch_wait: Duration,
    /// `PROJECTOR_SYNCHRONOUS_COMMIT`: wait for each batch's WAL flush (default false: see
    /// [`crate::batch::CommitWait`]).
    pub commit: CommitWait,
    /// `EXPOSURE_RETENTION`: keys whose `created_at` is older are deleted (default 14 days).
    pub retention: Duration,
    /// `RETENTION_CLEANUP_INTERVAL`: how often the cleanup runs (0 disables it).
    pub cleanup_interval: Duration,
}

impl FromEnv for ProjectorSettings {
    fn from_env(env: &mut Env) -> Self {
        let kafka = KafkaSettings::from_env(env);
        let group_id = env.string("PROJECTOR_GROUP_ID", "projector");
        let settings = Self {
            pg: PgSettings::from_env(env),
            listen_addr: platform::ops::listen_addr(env, "127.0.0.1:18084"),
            http: platform::http_server::HttpLimits::from_env(env),
            group_id: format!("{}{group_id}", kafka.topic_prefix),
            batch_size: env.parse("PROJECTOR_BATCH_SIZE", 500),
            batch_wait: env.duration("PROJECTOR_BATCH_WAIT", Duration::ZERO),
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn settings(extra: &[(&str, &str)]) -> (ProjectorSettings, Result<(), String>) {
        let mut vars = vec![
            ("DATABASE_URL", "postgres://u:p@127.0.0.1:5432/db"),
            ("KAFKA_BROKERS", "127.0.0.1:9092"),
        ];
        vars.extend_from_slice(extra);
        let mut env = Env::from_map(vars);
        let settings = ProjectorSettings::from_env(&mut env);
        (settings, env.finish().map_err(|e| e.to_string()))
    }

    #[test]
    fn commits_do_not_wait_for_the_flush_unless_asked() {
        let (default, ok) = settings(&[]);
        assert_eq!(ok, Ok(()));
        assert_eq!(default.commit, CommitWait::NoFlush);
        let (flush, ok) = settings(&[("PROJECTOR_SYNCHRONOUS_COMMIT", "true")]);
        assert_eq!(ok, Ok(()));
        assert_eq!(flush.commit, CommitWait::Flush);
        let (_, bad) = settings(&[("PROJECTOR_SYNCHRONOUS_COMMIT", "perhaps")]);
        assert!(bad.unwrap_err().contains("PROJECTOR_SYNCHRONOUS_COMMIT"));
    }

    #[test]
    fn batch_size_and_retention_are_checked() {
        let (_, bad) = settings(&[("PROJECTOR_BATCH_SIZE", "0"), ("EXPOSURE_RETENTION", "1h")]);
        let text = bad.unwrap_err();
        assert!(text.contains("PROJECTOR_BATCH_SIZE"), "{text}");
        assert!(text.contains("EXPOSURE_RETENTION"), "{text}");
    }
}
