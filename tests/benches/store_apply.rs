//! Load benchmark of the query-store side, against the real PostgreSQL and Kafka:
//!
//! 1. projector apply rate: processed publishes of 14 keys each, applied in batches of 500
//!    events (the projector's default) in one transaction per batch, keys/s;
//! 2. rebuild rate: the same events produced to a processed topic, then `rebuild` into a fresh
//!    database, keys/s, and the rebuilt checksum compared with the live one.
//!
//! Run with `./dev/test` having started the stack, then
//! `cargo bench -p tests --bench store_apply` (`BENCH_KEYS` sets the size, default 210000).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use harness::events::{claims, received};
use harness::keys::k;
use harness::TestEnv;
use schemas::publish::RevisionTokenState;
use schemas::topics::Topic;
use schemas::Envelope;

const KEYS_PER_PUBLISH: usize = 14;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let total: usize = std::env::var("BENCH_KEYS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(210_000);
    let publishes = total / KEYS_PER_PUBLISH;
    let env = TestEnv::with_database().await;
    let pool = env.store_pool().await;

    // Build the processed events once (the processor's work is not measured here).
    let payloads: Vec<Vec<u8>> = (0..publishes)
        .map(|_| {
            let keys: Vec<_> = (1..=KEYS_PER_PUBLISH)
                .map(|d| k(i32::try_from(d).unwrap()))
                .collect();
            let event = processor::process(&received(
                &keys,
                claims("confirmed"),
                RevisionTokenState::Absent,
            ));
            Envelope::new(event, Some(uuid::Uuid::new_v4()))
                .to_bytes()
                .unwrap()
        })
        .collect();

    // One projector instance: every batch in turn.
    let (keys, apply) = apply_all(&pool, &payloads[..payloads.len() / 2], 1, 0).await;
    println!(
        "projector apply, 1 instance: {keys} keys, {:.2} s, {:.0} keys/s",
        apply.as_secs_f64(),
        keys as f64 / apply.as_secs_f64()
    );
    // Two instances (two members of the consumer group, each owning its partitions).
    let (keys, apply) = apply_all(&pool, &payloads[payloads.len() / 2..], 2, 10).await;
    println!(
        "projector apply, 2 instances: {keys} keys, {:.2} s, {:.0} keys/s",
        apply.as_secs_f64(),
        keys as f64 / apply.as_secs_f64()
    );

    // Rebuild: put the same events on a processed topic, then replay them into a new database.
    let producer = env.kafka.producer().unwrap();
    let topic = env.kafka.topic(Topic::PublishProcessed);
    for chunk in payloads.chunks(1000) {
        let sends = chunk.iter().map(|p| {
            producer.send(
                rdkafka::producer::FutureRecord::to(&topic)
                    .key("com.example.app")
                    .payload(p),
                Duration::from_secs(30),
            )
        });
        for r in futures::future::join_all(sends).await {
            r.map_err(|(e, _)| e).unwrap();
        }
    }
    let target = harness::create_database(&env.infra).await;
    let started = Instant::now();
    let report = projector::rebuild::rebuild(&env.kafka, &target)
        .await
        .unwrap();
    let rebuild = started.elapsed();
    let (_, live) = projector::rebuild::checksum(env.database_url())
        .await
        .unwrap();
    println!(
        "rebuild: {} events, {} rows, {:.2} s, {:.0} keys/s, checksum {} ({})",
        report.events,
        report.rows,
        rebuild.as_secs_f64(),
        report.rows as f64 / rebuild.as_secs_f64(),
        report.checksum,
        if report.checksum == live {
            "equals live"
        } else {
            "DIFFERS from live"
        }
    );
}

/// Applies `payloads` in batches of 500 events with `instances` concurrent appliers, each on its
/// own partitions (as separate projector instances would be). Returns keys applied and time.
/// `first_partition` keeps runs apart: offsets are per partition, and a record below a
/// partition's stored offset is skipped as already applied.
async fn apply_all(
    pool: &deadpool_postgres::Pool,
    payloads: &[Vec<u8>],
    instances: usize,
    first_partition: i32,
) -> (usize, Duration) {
    let started = Instant::now();
    let per_instance = payloads.len().div_ceil(instances);
    let workers = payloads
        .chunks(per_instance)
        .enumerate()
        .map(|(instance, part)| async move {
            let partition = i32::try_from(instance).unwrap() + first_partition;
            for (chunk_index, chunk) in part.chunks(500).enumerate() {
                let records: Vec<projector::batch::Record> = chunk
                    .iter()
                    .enumerate()
                    .map(|(i, payload)| projector::batch::Record {
                        partition,
                        offset: i64::try_from(chunk_index * 500 + i).unwrap(),
                        payload: payload.clone(),
                    })
                    .collect();
                projector::batch::apply_batch(pool, "bench", "bench", &records)
                    .await
                    .unwrap();
            }
        });
    futures::future::join_all(workers).await;
    (payloads.len() * KEYS_PER_PUBLISH, started.elapsed())
}
