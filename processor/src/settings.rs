//! Settings of the processor.

use platform::env::Env;
use platform::kafka::KafkaSettings;

/// Processor settings.
#[derive(Debug, Clone)]
pub struct ProcessorSettings {
    pub kafka: KafkaSettings,
    /// `LISTEN_ADDR`: ops endpoints (`/health`, `/ready`, `/metrics`).
    pub listen_addr: String,
    /// `PROCESSOR_GROUP_ID`: consumer group (prefixed with `KAFKA_TOPIC_PREFIX`).
    pub group_id: String,
    /// `PROCESSOR_BATCH_SIZE`: most events handled at once (one acknowledgement wait and one
    /// offset commit per batch). A batch never waits to fill: it takes what is already fetched.
    pub batch_size: usize,
}

impl ProcessorSettings {
    pub fn from_env(env: &mut Env) -> Self {
        let kafka = KafkaSettings::from_env(env);
        let group_id = env.string("PROCESSOR_GROUP_ID", "processor");
        let settings = Self {
            listen_addr: env.string("LISTEN_ADDR", "127.0.0.1:18083"),
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
