//! Reads the tail of the audit trail (`en.config.audit`, one partition) on demand.
//!
//! Each request uses a short-lived consumer with no group: it asks for the partition's
//! watermarks, starts `limit` records before the end, and reads up to the end. Admin traffic is
//! rare, so a consumer per request is simpler than keeping the whole trail in memory.

use std::sync::Arc;
use std::time::Duration;

use platform::kafka::EofAwareContext;
use platform::kafka::KafkaSettings;
use platform::kafka_consumers::ConsumerProfile;
use rdkafka::consumer::{Consumer as _, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message as _;
use rdkafka::{Offset, TopicPartitionList};
use schemas::config::ConfigEvent;
use schemas::topics::Topic;
use schemas::Envelope;

use super::{AuditEntry, StoreError};

/// The last `limit` events of the audit trail, newest first.
pub async fn read_recent(
    settings: &KafkaSettings,
    limit: usize,
    timeout: Duration,
) -> Result<Vec<AuditEntry>, StoreError> {
    let deadline = tokio::time::Instant::now() + timeout;
    let topic = settings.topic(Topic::ConfigAudit);
    let consumer: StreamConsumer<EofAwareContext> = settings
        .consumer_config(ConsumerProfile::Follower {
            name: "admin-audit-reader",
        })
        .create_with_context(EofAwareContext)
        .map_err(|e| StoreError::AuditRead(format!("cannot create a consumer: {e}")))?;
    let consumer = Arc::new(consumer);

    let watermarks = {
        let consumer = Arc::clone(&consumer);
        let name = topic.clone();
        tokio::task::spawn_blocking(move || consumer.fetch_watermarks(&name, 0, timeout))
            .await
            .map_err(|e| StoreError::AuditRead(format!("watermark lookup failed: {e}")))?
            .map_err(|e| {
                StoreError::AuditRead(format!("cannot read the watermarks of {topic}: {e}"))
            })?
    };
    let (low, high) = watermarks;
    let wanted = i64::try_from(limit).unwrap_or(i64::MAX);
    let start = low.max(high.saturating_sub(wanted));
    if limit == 0 || start >= high {
        return Ok(Vec::new());
    }

    let mut assignment = TopicPartitionList::new();
    assignment
        .add_partition_offset(&topic, 0, Offset::Offset(start))
        .and_then(|()| consumer.assign(&assignment))
        .map_err(|e| StoreError::AuditRead(format!("cannot assign {topic}: {e}")))?;

    let mut entries = Vec::new();
    loop {
        let received = tokio::time::timeout_at(deadline, consumer.recv())
            .await
            .map_err(|_| StoreError::AuditRead(format!("timed out reading {topic}")))?;
        match received {
            Ok(message) => {
                let offset = message.offset();
                match message.payload().map(Envelope::<ConfigEvent>::from_bytes) {
                    Some(Ok(event)) => entries.push(AuditEntry { offset, event }),
                    Some(Err(e)) => {
                        tracing::warn!(offset, error = %e, "Skipping undecodable audit event")
                    }
                    None => {}
                }
                if offset >= high - 1 {
                    break;
                }
            }
            Err(KafkaError::PartitionEOF(_)) => break,
            Err(e) => return Err(StoreError::AuditRead(format!("cannot read {topic}: {e}"))),
        }
    }
    entries.reverse();
    Ok(entries)
}
