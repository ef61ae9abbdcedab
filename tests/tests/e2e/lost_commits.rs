//! The projector commits without waiting for PostgreSQL's WAL flush (the default), so a crash of
//! PostgreSQL can lose its last commits while Kafka already holds the consumer offsets stored
//! after them. The projector must then read those records again from the store's own position
//! instead of skipping them.

use harness::keys::k;
use harness::stack::Stack;
use harness::store::count;

/// Publishes `n` new keys of `days_ago` days ago, one upload each, every one stored; returns
/// their texts.
async fn publish_one_by_one(stack: &Stack, n: usize, days_ago: i32) -> Vec<String> {
    let mut keys = Vec::new();
    for _ in 0..n {
        let key = k(days_ago);
        let (status, body) = stack
            .publish(&stack.request(std::slice::from_ref(&key), "confirmed"))
            .await;
        assert_eq!((status, body.inserted_exposures), (200, 1), "{body:?}");
        keys.push(key.key);
    }
    keys
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_whose_commits_the_store_lost_are_read_again_from_the_log() {
    let mut stack = Stack::start(&[]).await;
    let db = stack.env.db().await;
    let keys = publish_one_by_one(&stack, 6, 1).await;
    // What the store holds after six uploads: its positions.
    let positions = db
        .query(
            "SELECT topic, kafka_partition, next_offset FROM projector_offsets",
            &[],
        )
        .await
        .unwrap();
    let lost = publish_one_by_one(&stack, 4, 2).await;
    assert_eq!(count(&db).await, 10);

    // PostgreSQL loses the last four commits: their rows and positions are gone, while the
    // projector's consumer (and Kafka's committed offsets) are past them.
    stack.stop_projector().await;
    db.execute(
        "DELETE FROM exposure WHERE exposure_key = ANY($1)",
        &[&lost],
    )
    .await
    .unwrap();
    for row in &positions {
        let (topic, partition, next): (String, i32, i64) = (row.get(0), row.get(1), row.get(2));
        db.execute(
            "UPDATE projector_offsets SET next_offset = $3 WHERE topic = $1 AND kafka_partition = $2",
            &[&topic, &partition, &next],
        )
        .await
        .unwrap();
    }
    assert_eq!(count(&db).await, 6);
    stack.start_projector().await;

    // The next upload of the same app lands in the same partition: the projector sees it starts
    // past the store, reads again from the store's position and applies everything.
    let key = k(3);
    let (status, body) = stack
        .publish(&stack.request(std::slice::from_ref(&key), "confirmed"))
        .await;
    assert_eq!((status, body.inserted_exposures), (200, 1), "{body:?}");
    let mut expected: std::collections::HashSet<String> = keys.into_iter().chain(lost).collect();
    expected.insert(key.key);
    harness::store::assert_exactly_stored(&db, &expected).await;
}

/// A processor of an earlier release wrote the processed topic in Kafka transactions: every
/// commit left a marker that occupies an offset no consumer ever sees. The store's position then
/// points at a marker, and reading again from it cannot fill the gap; the projector must see that
/// the log holds nothing there and go on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_behind_transaction_markers_are_applied() {
    use harness::events::{claims, received};
    use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
    use schemas::publish::RevisionTokenState;
    use std::time::Duration;

    let env = harness::TestEnv::with_database().await;
    let projector = harness::spawn::<projector::Projector>(&env, &[]).await;
    let db = env.db().await;
    let topic = env.kafka.topic(schemas::topics::Topic::PublishProcessed);
    let transactional: ThreadedProducer<DefaultProducerContext> = env
        .kafka
        .client_config()
        .set(
            "transactional.id",
            format!("{}earlier-processor", env.prefix),
        )
        .create()
        .unwrap();
    transactional
        .init_transactions(Duration::from_secs(30))
        .unwrap();
    let mut expected = std::collections::HashSet::new();
    for n in 1..=3 {
        let key = k(n);
        let event = processor::process(&received(
            std::slice::from_ref(&key),
            claims("confirmed"),
            RevisionTokenState::Absent,
        ));
        let payload = schemas::Envelope::new(event, Some(uuid::Uuid::new_v4()))
            .to_bytes()
            .unwrap();
        transactional.begin_transaction().unwrap();
        transactional
            .send(
                BaseRecord::<(), _>::to(&topic)
                    .partition(0)
                    .payload(&payload),
            )
            .map_err(|(e, _)| e)
            .unwrap();
        transactional
            .commit_transaction(Duration::from_secs(30))
            .unwrap();
        expected.insert(key.key);
        // One record per batch: each batch after the first starts behind a marker.
        let want = i64::from(n);
        harness::wait_for(
            Duration::from_secs(30),
            "the record behind the marker",
            || {
                let db = &db;
                async move { (count(db).await == want).then_some(()) }
            },
        )
        .await;
    }
    harness::store::assert_exactly_stored(&db, &expected).await;
    projector.stop().await.unwrap();
}
