//! Tells an empty gap from missing records. The projector refuses a batch that starts past the
//! store's position of a partition (the store may have lost commits that Kafka's offsets
//! survived), but offsets can also be skipped by the log itself: transaction markers and records
//! of aborted transactions occupy offsets a `read_committed` consumer never sees (written by
//! transactional producers, e.g. a processor of an earlier release). Rewinding cannot fill such
//! a gap, so the projector asks a separate consumer, assigned at the store's position, which
//! record comes first there.

use platform::opaque::Opaque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use platform::kafka_consumers::ConsumerProfile;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};

/// How long a probe waits for the first record.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// A consumer outside the group (assigned, never subscribed, never committing).
#[derive(Debug, Clone)]
pub struct GapProbe {
    consumer: Opaque<Arc<BaseConsumer>>,
    topic: String,
}

impl GapProbe {
    /// A probe of `topic` reading like the projector (`read_committed`).
    pub fn new(
        kafka: &platform::kafka::KafkaSettings,
        group: &str,
        topic: &str,
    ) -> anyhow::Result<Self> {
        let consumer: BaseConsumer = kafka
            .consumer_config(ConsumerProfile::Reader {
                group: &format!("{group}-gap-probe"),
            })
            // A probe's fetch is answered quickly even when the range holds no record.
            .set("fetch.wait.max.ms", "100")
            .create()
            .context("cannot create the gap probe consumer")?;
        Ok(Self {
            consumer: Opaque(Arc::new(consumer)),
            topic: topic.to_owned(),
        })
    }

    /// The offset of the first readable record of `partition` at or after `from`, or `None` if
    /// none arrived within the probe timeout. Blocking: call it from a blocking thread.
    pub fn first_at_or_after(&self, partition: i32, from: i64) -> anyhow::Result<Option<i64>> {
        let mut assignment = TopicPartitionList::new();
        assignment
            .add_partition_offset(&self.topic, partition, Offset::Offset(from))
            .context("cannot build the probe assignment")?;
        self.consumer
            .assign(&assignment)
            .context("cannot assign the probe")?;
        let deadline = Instant::now() + PROBE_TIMEOUT;
        let mut found = None;
        while found.is_none() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            match self.consumer.poll(left) {
                Some(Ok(m)) if m.partition() == partition && m.offset() >= from => {
                    found = Some(m.offset());
                }
                Some(Ok(_)) | None => {}
                Some(Err(e)) => tracing::debug!(error = %e, "Gap probe consumer error"),
            }
        }
        let _ = self.consumer.unassign();
        Ok(found)
    }
}
