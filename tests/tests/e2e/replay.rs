//! Exactly once under faults, and replay: `kill -9` of the processor and the projector during a
//! bounded load run, then the store rebuilt from the log must match the live one.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use futures::future::join_all;
use harness::events::{claims, received};
use harness::keys::k;
use harness::process::spawn_bin;
use harness::TestEnv;
use schemas::publish::RevisionTokenState;
use schemas::topics::Topic;
use schemas::Envelope;

const EVENTS: usize = 10_000;

/// Produces `n` single-key publishes concurrently; returns the keys the broker acknowledged.
async fn produce_load(env: &TestEnv, start: usize, n: usize) -> Vec<String> {
    let producer = env.kafka.producer().unwrap();
    let topic = env.kafka.topic(Topic::PublishReceived);
    let mut acked = Vec::with_capacity(n);
    for chunk_start in (start..start + n).step_by(500) {
        let chunk_end = (chunk_start + 500).min(start + n);
        let sends = (chunk_start..chunk_end).map(|_| {
            let producer = &producer;
            let topic = &topic;
            async move {
                let key = k(1);
                let mut event = received(
                    std::slice::from_ref(&key),
                    claims("confirmed"),
                    RevisionTokenState::Absent,
                );
                // Spread over several apps so every partition gets load.
                event.authorized_app = format!("com.example.app{}", rand::random::<u8>() % 8);
                let envelope = Envelope::new(event, Some(uuid::Uuid::new_v4()));
                let app = envelope.payload.authorized_app.clone();
                platform::kafka::produce(producer, topic, &app, &envelope, Duration::from_secs(30))
                    .await
                    .ok()
                    .map(|_| {
                        domain::base64::encode_std(
                            &domain::base64::decode_lenient(&key.key).unwrap(),
                        )
                    })
            }
        });
        acked.extend(join_all(sends).await.into_iter().flatten());
    }
    acked
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_load_stores_every_acknowledged_key_exactly_once_and_rebuild_matches() {
    let env = TestEnv::with_database().await;
    let mut processor = spawn_bin(&env, "processor", &[]).await;
    let mut projector = spawn_bin(&env, "projector", &[]).await;
    let db = env.db().await;
    let started = Instant::now();

    let mut acked = produce_load(&env, 0, EVENTS / 2).await;
    // Kill both mid-stream (whatever they were doing), then restart them.
    processor.kill_9().await;
    projector.kill_9().await;
    let during = produce_load(&env, EVENTS / 2, EVENTS / 4).await;
    acked.extend(during);
    let mut processor = spawn_bin(&env, "processor", &[]).await;
    let mut projector = spawn_bin(&env, "projector", &[]).await;
    acked.extend(produce_load(&env, 3 * EVENTS / 4, EVENTS / 8).await);
    // A second kill of the projector while it is catching up.
    tokio::time::sleep(Duration::from_millis(300)).await;
    projector.kill_9().await;
    let mut projector = spawn_bin(&env, "projector", &[]).await;
    acked.extend(produce_load(&env, 7 * EVENTS / 8, EVENTS / 8).await);
    assert_eq!(acked.len(), EVENTS, "every produce was acknowledged");

    let acked_set: HashSet<String> = acked.iter().cloned().collect();
    harness::store::assert_exactly_stored(&db, &acked_set).await;
    let expected = i64::try_from(acked.len()).unwrap();
    // Every verified upload is counted once in the health-authority statistics too.
    let counted: i64 = db
        .query_one(
            "SELECT coalesce(sum(publish[1] + publish[2] + publish[3]), 0)::bigint
             FROM healthauthoritystats",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(counted, expected);
    eprintln!(
        "load run with kills: {} events in {:?}",
        EVENTS,
        started.elapsed()
    );

    // Rebuild from the log into a fresh database: same content.
    let (report, live, _) = harness::store::rebuild_from_the_log(&env).await;
    assert_eq!(report.rows, expected);
    assert_eq!(report.checksum, live);
    assert!(processor.terminate().await);
    assert!(projector.terminate().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dump_prints_the_events_of_a_time_range_as_json_lines() {
    let env = TestEnv::new().await;
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    produce_load(&env, 0, 3).await;
    let after = chrono::Utc::now() + chrono::Duration::seconds(1);
    let mut out = Vec::new();
    let n = tokio::task::block_in_place(|| {
        projector::rebuild::dump(&env.kafka, Topic::PublishReceived, before, after, &mut out)
    })
    .unwrap();
    assert_eq!(n, 3);
    let lines: Vec<serde_json::Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["event"]["eventType"], "publish.received");
    // An empty range prints nothing.
    let mut none = Vec::new();
    let later = after + chrono::Duration::hours(1);
    let n = tokio::task::block_in_place(|| {
        projector::rebuild::dump(
            &env.kafka,
            Topic::PublishReceived,
            later,
            later + chrono::Duration::hours(1),
            &mut none,
        )
    })
    .unwrap();
    assert_eq!(n, 0);
}
