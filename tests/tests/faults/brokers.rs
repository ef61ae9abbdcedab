//! What the suite reads from Kafka (partition leaders and ends) and the three-node cluster's
//! fault: the node that leads the busiest partition of the received topic is killed (`kill -9`)
//! and, after a while, started again, through `dev/brokers`.

use std::time::Duration;

use harness::TestEnv;
use rdkafka::consumer::{BaseConsumer, Consumer};
use schemas::topics::Topic;

/// One partition of a topic: its id, its end (high watermark) and its leader's node id.
#[derive(Debug, Clone, Copy)]
pub struct PartitionEnd {
    pub partition: i32,
    pub end: i64,
    pub leader: i32,
}

/// Every partition of `topic` with its end and leader.
pub async fn partition_ends(env: &TestEnv, topic: Topic) -> Vec<PartitionEnd> {
    let kafka = env.kafka.clone();
    tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = kafka.client_config().create().expect("metadata client");
        let topic = kafka.topic(topic);
        let timeout = Duration::from_secs(10);
        let metadata = consumer
            .fetch_metadata(Some(&topic), timeout)
            .expect("topic metadata");
        metadata.topics()[0]
            .partitions()
            .iter()
            .map(|p| PartitionEnd {
                partition: p.id(),
                end: consumer
                    .fetch_watermarks(&topic, p.id(), timeout)
                    .map_or(0, |(_, high)| high),
                leader: p.leader(),
            })
            .collect()
    })
    .await
    .expect("metadata task")
}

/// The received topic's partition with the most records, and its leader's node id.
pub async fn busiest_received_partition(env: &TestEnv) -> PartitionEnd {
    partition_ends(env, Topic::PublishReceived)
        .await
        .into_iter()
        .max_by_key(|p| p.end)
        .expect("the received topic has partitions")
}

/// `dev/brokers kill N` / `dev/brokers start-node N`.
pub fn brokers(action: &str, node: i32) {
    let script = harness::repo_root().join("dev/brokers");
    let status = std::process::Command::new(&script)
        .args([action, &node.to_string()])
        .status()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    assert!(status.success(), "dev/brokers {action} {node} failed");
}
