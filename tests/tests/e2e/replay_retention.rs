//! Retention and the replay tools: a range that reaches before the earliest record a topic still
//! holds is reported (records deleted as `TEK_RETENTION` would, with DeleteRecords).

use std::time::Duration;

use harness::events::{claims, received};
use harness::keys::k;
use harness::TestEnv;
use schemas::publish::RevisionTokenState;
use schemas::topics::Topic;
use schemas::Envelope;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_range_reaching_before_what_retention_left_is_reported() {
    use rdkafka::admin::{AdminClient, AdminOptions};
    use rdkafka::client::DefaultClientContext;
    let env = TestEnv::new().await;
    let producer = env.kafka.producer().unwrap();
    let topic = env.kafka.topic(Topic::PublishReceived);
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    let mut at = Vec::new();
    for _ in 0..2 {
        let event = Envelope::new(
            received(&[k(1)], claims("confirmed"), RevisionTokenState::Absent),
            None,
        );
        at.push(
            platform::kafka::produce(&producer, &topic, "app", &event, Duration::from_secs(10))
                .await
                .unwrap(),
        );
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    let later = chrono::Utc::now();
    let event = Envelope::new(
        received(&[k(1)], claims("confirmed"), RevisionTokenState::Absent),
        None,
    );
    platform::kafka::produce(&producer, &topic, "app", &event, Duration::from_secs(10))
        .await
        .unwrap();
    // Retention deletes the first record (as TEK_RETENTION would).
    let (partition, first) = at[0];
    let admin: AdminClient<DefaultClientContext> = env.kafka.client_config().create().unwrap();
    let mut upto = rdkafka::TopicPartitionList::new();
    upto.add_partition_offset(&topic, partition, rdkafka::Offset::Offset(first + 1))
        .unwrap();
    admin
        .delete_records(&upto, &AdminOptions::new())
        .await
        .unwrap();

    let kafka = env.kafka.clone();
    let (old, recent) = tokio::task::spawn_blocking(move || {
        // The retention gaps of a read of the received topic from `from` on.
        let gaps_from = |from| {
            projector::log_range::LogRange::open(
                &kafka,
                &kafka.topic(Topic::PublishReceived),
                Some(from),
                None,
            )
            .unwrap()
            .retention_gaps()
            .to_vec()
        };
        (gaps_from(before), gaps_from(later))
    })
    .await
    .unwrap();
    assert_eq!(
        old,
        [projector::log_range::RetentionGap {
            partition,
            earliest_offset: first + 1
        }]
    );
    let note = projector::rebuild::retention_note(&topic, &old).unwrap();
    assert!(note.contains("past the topic's retention"), "{note}");
    assert!(
        recent.is_empty(),
        "a range within what the log holds has no note"
    );
}
