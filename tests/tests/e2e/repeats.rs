//! The processor writes without Kafka transactions, so a crash after it produced a batch but
//! before its offsets were committed makes it produce that batch again. These tests make it do
//! exactly that and show that the repeats change neither the store nor the outcomes.

use std::collections::HashMap;
use std::time::Duration;

use harness::events::{claims, received};
use harness::kafka::read_all_raw;
use harness::keys::k;
use harness::stack::Stack;
use harness::{spawn, wait_for, TestEnv};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::{Offset, TopicPartitionList};
use schemas::publish::{PublishProcessed, RevisionTokenState, SourcePosition};
use schemas::topics::Topic;
use schemas::Envelope;
use uuid::Uuid;

/// Commits offset 0 for every partition of the received topic in the processor's group, as if
/// none of its commits had happened (the group must have no live member).
fn forget_processor_commits(env: &TestEnv) {
    let topic = env.kafka.topic(Topic::PublishReceived);
    let consumer: BaseConsumer = env
        .kafka
        .client_config()
        .set("group.id", format!("{}processor", env.prefix))
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let metadata = consumer
        .fetch_metadata(Some(&topic), Duration::from_secs(10))
        .unwrap();
    let mut offsets = TopicPartitionList::new();
    for partition in metadata.topics()[0].partitions() {
        offsets
            .add_partition_offset(&topic, partition.id(), Offset::Offset(0))
            .unwrap();
    }
    consumer.commit(&offsets, CommitMode::Sync).unwrap();
}

/// The processed events on the topic, with their raw bytes.
fn processed(env: &TestEnv) -> Vec<(Vec<u8>, Envelope<PublishProcessed>)> {
    read_all_raw(env, Topic::PublishProcessed)
        .into_iter()
        .map(|raw| {
            let event = Envelope::from_bytes(&raw).unwrap();
            (raw, event)
        })
        .collect()
}

/// Next offsets the projector stored for the processed topic, summed over partitions.
async fn applied_processed_records(env: &TestEnv) -> i64 {
    let db = env.db().await;
    let topic = env.kafka.topic(Topic::PublishProcessed);
    db.query_one(
        "SELECT COALESCE(SUM(next_offset), 0)::bigint FROM projector_offsets WHERE topic = $1",
        &[&topic],
    )
    .await
    .unwrap()
    .get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_processor_that_produces_everything_again_changes_neither_store_nor_outcomes() {
    let mut stack = Stack::start(&[]).await;
    let env = stack.env.clone();
    // First uploads (likely) and revisions of some of them (confirmed), all answered from the
    // pipeline's outcome.
    let mut uploads = Vec::new();
    for n in 0..12 {
        let keys = vec![k(1 + n % 3), k(4 + n % 5)];
        let (status, body) = stack.publish(&stack.request(&keys, "likely")).await;
        assert_eq!((status, body.inserted_exposures), (200, 2), "{body:?}");
        uploads.push((keys, body.revision_token));
    }
    for (keys, token) in uploads.iter().take(4) {
        let mut request = stack.request(keys, "confirmed");
        request.revision_token = token.clone();
        let (status, body) = stack.publish(&request).await;
        assert_eq!((status, body.code.as_str()), (200, ""), "{body:?}");
    }
    let db = env.db().await;
    let store_before = projector::repository::checksum(&db).await.unwrap();
    let outcomes_before = read_all_raw(&env, Topic::PublishOutcome).len();
    let originals = processed(&env);
    assert_eq!(originals.len(), 16);
    assert_eq!(outcomes_before, 16);

    // The crash: the processor stops and its committed offsets are lost.
    stack.processor.take().unwrap().stop().await.unwrap();
    forget_processor_commits(&env);
    stack.processor = Some(spawn::<processor::Processor>(&env, &[]).await);

    let all = wait_for(
        Duration::from_secs(30),
        "the processor to repeat every event",
        || {
            let env = env.clone();
            async move {
                let all = processed(&env);
                (all.len() == 32).then_some(all)
            }
        },
    )
    .await;
    // Every repeat is byte for byte the event it repeats: same payload, id, time and source.
    let mut by_source: HashMap<SourcePosition, Vec<Vec<u8>>> = HashMap::new();
    for (raw, event) in &all {
        by_source
            .entry(event.payload.source.clone().unwrap())
            .or_default()
            .push(raw.clone());
    }
    assert_eq!(by_source.len(), 16);
    assert!(by_source
        .values()
        .all(|raws| raws.len() == 2 && raws[0] == raws[1]));

    wait_for(
        Duration::from_secs(30),
        "the projector to read the repeats",
        || {
            let env = env.clone();
            async move { (applied_processed_records(&env).await == 32).then_some(()) }
        },
    )
    .await;
    assert_eq!(
        projector::repository::checksum(&db).await.unwrap(),
        store_before
    );
    // Let a stray outcome show up if one was sent.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        read_all_raw(&env, Topic::PublishOutcome).len(),
        outcomes_before
    );

    // The other readers of the processed topic: a rebuild and a dump see each event once.
    let target = harness::create_database(&env.infra).await;
    let rebuilt = projector::rebuild::rebuild(&env.kafka, &target)
        .await
        .unwrap();
    assert_eq!(rebuilt.checksum, store_before.1);
    let mut lines = Vec::new();
    let from = chrono::Utc::now() - chrono::Duration::hours(1);
    let to = chrono::Utc::now() + chrono::Duration::hours(1);
    let written =
        projector::rebuild::dump(&env.kafka, Topic::PublishProcessed, from, to, &mut lines)
            .unwrap();
    assert_eq!(written, 16);

    // And the pipeline goes on as before.
    let keys = vec![k(2)];
    let (status, body) = stack.publish(&stack.request(&keys, "confirmed")).await;
    assert_eq!((status, body.inserted_exposures), (200, 1), "{body:?}");
}

#[tokio::test]
async fn a_repeat_at_another_processed_offset_is_skipped_in_the_same_transaction() {
    let env = TestEnv::with_database().await;
    let pool = env.store_pool().await;
    let mut event = processor::process(&received(
        &[k(1), k(2)],
        claims("likely"),
        RevisionTokenState::Absent,
    ));
    event.source = Some(SourcePosition {
        topic: "received".into(),
        partition: 0,
        offset: 41,
    });
    let payload = Envelope::new(event, Some(Uuid::new_v4()))
        .to_bytes()
        .unwrap();
    let record = |offset| projector::batch::Record {
        partition: 0,
        offset,
        payload: payload.clone(),
    };
    // The original and its repeat in one batch, then another repeat in a later batch.
    let first =
        projector::batch::apply_batch(&pool, "g", "t", &[record(7), record(9)], Default::default())
            .await
            .unwrap();
    assert_eq!((first.inserted, first.duplicates), (2, 1));
    assert_eq!(first.decision.outcomes.len(), 1);
    assert_eq!(first.next_offsets[&0], 10);
    let db = env.db().await;
    let before = projector::repository::checksum(&db).await.unwrap();
    let later = projector::batch::apply_batch(&pool, "g", "t", &[record(12)], Default::default())
        .await
        .unwrap();
    assert_eq!((later.inserted, later.duplicates), (0, 1));
    assert!(later.decision.outcomes.is_empty());
    assert_eq!(later.next_offsets[&0], 13);
    assert_eq!(projector::repository::checksum(&db).await.unwrap(), before);
}
