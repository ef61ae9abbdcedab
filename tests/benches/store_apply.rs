//! Load benchmark of the query-store side, against the real PostgreSQL and Kafka:
//!
//! 1. projector apply rate: processed publishes of 14 keys each, applied in batches of 500
//!    events (the projector's default) in one transaction per batch with the projector's default
//!    commit mode, keys/s: the median of 5 rounds, one instance and then two;
//! 2. rebuild rate: the same events produced to a processed topic, then `rebuild` into a fresh
//!    database, keys/s, and the rebuilt checksum compared with the live one.
//!
//! Run with `./dev/test` having started the stack, then
//! `cargo bench -p tests --bench store_apply` (`BENCH_KEYS` sets the size, default 420000;
//! `BENCH_BATCH` the events per transaction, default 500 like `PROJECTOR_BATCH_SIZE`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use harness::events::processed_payload;
use harness::TestEnv;
use schemas::topics::Topic;

// The projector binary's allocator, so the apply path is measured as it runs in `projector`.
#[global_allocator]
static ALLOCATOR: platform::allocator::Allocator = platform::allocator::ALLOCATOR;

const KEYS_PER_PUBLISH: usize = 14;
const ROUNDS: usize = 5;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let total: usize = harness::setting("BENCH_KEYS", 420_000);
    let publishes = total / KEYS_PER_PUBLISH;
    let env = TestEnv::with_database().await;
    let pool = env.store_pool().await;

    // Build the processed events once (the processor's work is not measured here).
    let payloads: Vec<Vec<u8>> = (0..publishes)
        .map(|_| processed_payload(KEYS_PER_PUBLISH))
        .collect();

    // Rounds of each phase (the median is reported: this machine's speed varies from minute to
    // minute). The store keeps growing from round to round, as a live one does.
    let half = payloads.len() / 2;
    let rounds = payloads[..half].chunks(half.div_ceil(ROUNDS));
    report("projector apply, 1 instance", &pool, rounds, 1, 0).await;
    let rounds = payloads[half..].chunks(half.div_ceil(ROUNDS));
    report("projector apply, 2 instances", &pool, rounds, 2, 100).await;

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

/// Runs every round of one phase and prints the median, slowest and fastest rate.
async fn report<'a>(
    label: &str,
    pool: &deadpool_postgres::Pool,
    rounds: impl Iterator<Item = &'a [Vec<u8>]>,
    instances: usize,
    first_partition: i32,
) {
    let mut rates = Vec::new();
    let mut total = 0;
    for (round, payloads) in rounds.enumerate() {
        let partition = first_partition + i32::try_from(round * instances).unwrap();
        let (keys, took) = apply_all(pool, payloads, instances, partition).await;
        total += keys;
        rates.push(keys as f64 / took.as_secs_f64());
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "{label}: {total} keys in {} rounds, median {:.0} keys/s (slowest {:.0}, fastest {:.0})",
        rates.len(),
        rates[rates.len() / 2],
        rates[0],
        rates[rates.len() - 1],
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
    let size = batch_events();
    let workers = payloads
        .chunks(per_instance)
        .enumerate()
        .map(|(instance, part)| async move {
            let partition = i32::try_from(instance).unwrap() + first_partition;
            // As the projector's live loop does: the next batch is decoded on a blocking thread
            // while the current one is in PostgreSQL.
            let prepare = |chunk_index: usize| {
                let chunk = part.chunks(size).nth(chunk_index).map(<[_]>::to_vec);
                tokio::task::spawn_blocking(move || {
                    let records: Vec<projector::batch::Record> = chunk
                        .unwrap_or_default()
                        .into_iter()
                        .enumerate()
                        .map(|(i, payload)| projector::batch::Record {
                            partition,
                            offset: i64::try_from(chunk_index * size + i).unwrap(),
                            payload,
                        })
                        .collect();
                    projector::batch::Prepared::new(&records)
                })
            };
            let mut next = prepare(0);
            for chunk_index in 1.. {
                let batch = next.await.unwrap();
                if batch.is_empty() {
                    break;
                }
                next = prepare(chunk_index);
                projector::batch::apply_prepared(
                    pool,
                    "bench",
                    "bench",
                    batch,
                    projector::batch::CommitWait::default(),
                )
                .await
                .unwrap();
            }
        });
    futures::future::join_all(workers).await;
    (payloads.len() * KEYS_PER_PUBLISH, started.elapsed())
}

/// Events per transaction: `BENCH_BATCH`, default the projector's `PROJECTOR_BATCH_SIZE` default.
fn batch_events() -> usize {
    harness::setting("BENCH_BATCH", 500)
}
