//! Reading a test's topics directly, to assert what reached Kafka (and what did not).

use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};
use schemas::topics::Topic;
use schemas::{Envelope, Event};

use crate::TestEnv;

/// Every record currently on `topic` (all partitions), as raw payloads, reading committed
/// records only.
pub fn read_all_raw(env: &TestEnv, topic: Topic) -> Vec<Vec<u8>> {
    let name = env.kafka.topic(topic);
    let consumer: BaseConsumer = env
        .kafka
        .client_config()
        .set("group.id", format!("test-reader-{}", uuid::Uuid::new_v4()))
        .set("enable.auto.commit", "false")
        .set("isolation.level", "read_committed")
        .create()
        .expect("consumer");
    let metadata = consumer
        .fetch_metadata(Some(&name), Duration::from_secs(10))
        .expect("metadata");
    let partitions: Vec<i32> = metadata
        .topics()
        .iter()
        .flat_map(|t| t.partitions().iter().map(|p| p.id()))
        .collect();
    let mut assignment = TopicPartitionList::new();
    let mut remaining = 0usize;
    let mut ends = Vec::new();
    for p in &partitions {
        let (low, high) = consumer
            .fetch_watermarks(&name, *p, Duration::from_secs(10))
            .expect("watermarks");
        if high > low {
            assignment
                .add_partition_offset(&name, *p, Offset::Offset(low))
                .expect("assignment");
            remaining += 1;
            ends.push((*p, high));
        }
    }
    if remaining == 0 {
        return Vec::new();
    }
    consumer.assign(&assignment).expect("assign");
    let mut out = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut done: std::collections::HashSet<i32> = std::collections::HashSet::new();
    while done.len() < ends.len() && std::time::Instant::now() < deadline {
        if let Some(Ok(msg)) = consumer.poll(Duration::from_millis(200)) {
            if let Some(payload) = msg.payload() {
                out.push(payload.to_vec());
            }
            if let Some((_, high)) = ends.iter().find(|(p, _)| *p == msg.partition()) {
                if msg.offset() + 1 >= *high {
                    done.insert(msg.partition());
                }
            }
        } else {
            // Transaction markers occupy offsets without yielding messages: check positions.
            if let Ok(positions) = consumer.position() {
                for elem in positions.elements() {
                    if let (Offset::Offset(pos), Some((_, high))) = (
                        elem.offset(),
                        ends.iter().find(|(p, _)| *p == elem.partition()),
                    ) {
                        if pos >= *high {
                            done.insert(elem.partition());
                        }
                    }
                }
            }
        }
    }
    out
}

/// Every event of type `T` currently on `topic`.
pub fn read_all<T: Event>(env: &TestEnv, topic: Topic) -> Vec<Envelope<T>> {
    read_all_raw(env, topic)
        .iter()
        .map(|bytes| Envelope::<T>::from_bytes(bytes).expect("event decodes"))
        .collect()
}

/// Waits (up to 30 s) for the `PublishOutcome` of `request_id` on the test's outcome topic.
pub async fn outcome(env: &TestEnv, request_id: uuid::Uuid) -> schemas::publish::PublishOutcome {
    crate::wait_for(Duration::from_secs(30), "the publish outcome", || async {
        read_all::<schemas::publish::PublishOutcome>(env, Topic::PublishOutcome)
            .into_iter()
            .find(|e| e.request_id == Some(request_id))
            .map(|e| e.payload)
    })
    .await
}
