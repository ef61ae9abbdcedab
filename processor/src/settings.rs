//! Settings of the processor.

use platform::env::{Env, FromEnv};
use platform::kafka::KafkaSettings;

/// Processor settings.
#[derive(Debug, Clone)]
pub struct ProcessorSettings {
    pub kafka: KafkaSettings,
    /// `OPS_LISTEN_ADDR`: ops endpoints (`/health`, `/ready`, `/metrics`); the processor has no
    /// public port.
    pub listen_addr: String,
    /// `HTTP_*`: limits of the ops listener.
    pub http: platform::http_server::HttpLimits,
    /// `PROCESSOR_GROUP_ID`: consumer group (prefixed with `KAFKA_TOPIC_PREFIX`).
    pub group_id: String,
    /// `PROCESSOR_BATCH_SIZE`: most events handled at once (one acknowledgement wait and one
    /// offset commit per batch). A batch never waits to fill: it takes what is already fetched.
    pub batch_size: usize,
}

impl FromEnv for ProcessorSettings {
    fn from_env(env: &mut Env) -> Self {
        let kafka = KafkaSettings::from_env(env);
        let group_id = env.string("PROCESSOR_GROUP_ID", "processor");
        let settings = Self {
            listen_addr: platform::ops::listen_addr(env, "127.0.0.1:18083"),
            http: platform::http_server::HttpLimits::from_env(env),
            group_id: format!("{}{group_id}", kafka.topic_prefix),
            batch_size: env.parse("PROCESSOR_BATCH_SIZE", 500),
            kafka,
        };
        if settings.batch_size == 0 {
            env.problem("PROCESSOR_BATCH_SIZE must be at least 1");
        }
        settings
    }
}
