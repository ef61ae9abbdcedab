//! Benchmark of the analysts' replay tools at scale, against the real Kafka and PostgreSQL.
//!
//! The log: `BENCH_UPLOADS` uploads (default 100,000) of 10 keys each (1,000,000 keys) on the
//! received topic, their processed events as the processor computes them (with their source
//! positions) on the processed topic, the live store built from them batch by batch with the
//! projector's code, and its outcomes on the outcome topic. Then, each timed:
//!
//! 1. `rebuild` into an empty database (bulk load, indexes afterwards), checksum against live;
//! 2. a what-if with unchanged settings into an empty scratch database (differences: 0);
//! 3. the history export of every upload to Parquet.
//!
//! Run with the stack up: `cargo bench -p tests --bench analyst_replay` (a release build).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use analyst::whatif::{self, WhatIf};
use harness::events::{claims, received};
use harness::keys::k;
use harness::TestEnv;
use projector::batch::{apply_batch, CommitWait, Record};
use projector::rebuild::{rebuild_with, RebuildOptions};
use rdkafka::producer::FutureRecord;
use schemas::publish::{RevisionTokenState, SourcePosition};
use schemas::topics::Topic;
use schemas::Envelope;

#[global_allocator]
static ALLOCATOR: platform::allocator::Allocator = platform::allocator::ALLOCATOR;

const KEYS_PER_UPLOAD: i32 = 10;
const CHUNK: usize = 500;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let uploads: usize = harness::setting("BENCH_UPLOADS", 100_000);
    let env = TestEnv::with_database().await;
    let pool = env.store_pool().await;
    let producer = env.kafka.producer().unwrap();
    let received_topic = env.kafka.topic(Topic::PublishReceived);
    let processed_topic = env.kafka.topic(Topic::PublishProcessed);
    let outcome_topic = env.kafka.topic(Topic::PublishOutcome);
    let from = chrono::Utc::now() - chrono::Duration::minutes(1);
    let started = Instant::now();
    for first in (0..uploads).step_by(CHUNK) {
        let n = CHUNK.min(uploads - first);
        let envelopes: Vec<_> = (0..n)
            .map(|i| {
                let keys: Vec<_> = (1..=KEYS_PER_UPLOAD).map(k).collect();
                let mut event = received(&keys, claims("confirmed"), RevisionTokenState::Absent);
                event.authorized_app = format!("com.example.app{}", (first + i) % 8);
                Envelope::new(event, Some(uuid::Uuid::new_v4()))
            })
            .collect();
        let sends = envelopes.iter().map(|e| {
            let payload = e.to_bytes().unwrap();
            let producer = &producer;
            let topic = &received_topic;
            let key = e.payload.authorized_app.clone();
            async move {
                let record = FutureRecord::to(topic).key(&key).payload(&payload);
                producer.send(record, Duration::from_secs(30)).await
            }
        });
        let positions: Vec<_> = futures::future::join_all(sends)
            .await
            .into_iter()
            .map(|r| r.map_err(|(e, _)| e).unwrap())
            .collect();
        let processed: Vec<_> = envelopes
            .iter()
            .zip(&positions)
            .map(|(e, d)| {
                let source = SourcePosition {
                    topic: received_topic.clone(),
                    partition: d.partition,
                    offset: d.offset,
                };
                (
                    d.partition,
                    processor::processed_event(e, source).to_bytes().unwrap(),
                )
            })
            .collect();
        let sends = processed.iter().map(|(partition, payload)| {
            let record = FutureRecord::to(&processed_topic)
                .key("app")
                .partition(*partition)
                .payload(payload);
            producer.send(record, Duration::from_secs(30))
        });
        let records: Vec<Record> = futures::future::join_all(sends)
            .await
            .into_iter()
            .zip(&processed)
            .map(|(r, (_, payload))| {
                let d = r.map_err(|(e, _)| e).unwrap();
                Record {
                    partition: d.partition,
                    offset: d.offset,
                    payload: payload.clone(),
                }
            })
            .collect();
        let applied = apply_batch(
            &pool,
            "bench",
            &processed_topic,
            &records,
            CommitWait::NoFlush,
        )
        .await
        .unwrap();
        let outcomes: Vec<_> = applied
            .decision
            .outcomes
            .iter()
            .map(|(id, o)| {
                (
                    id.to_string(),
                    Envelope::new(o.clone(), Some(*id)).to_bytes().unwrap(),
                )
            })
            .collect();
        let sends = outcomes.iter().map(|(key, payload)| {
            producer.send(
                FutureRecord::to(&outcome_topic).key(key).payload(payload),
                Duration::from_secs(30),
            )
        });
        for r in futures::future::join_all(sends).await {
            r.map_err(|(e, _)| e).unwrap();
        }
    }
    let (live_rows, live) = projector::rebuild::checksum(env.database_url())
        .await
        .unwrap();
    println!(
        "setup: {uploads} uploads, {live_rows} keys in the live store, {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let target = harness::create_database(&env.infra).await;
    let started = Instant::now();
    let options = RebuildOptions {
        until: None,
        quiet: false,
    };
    let report = rebuild_with(&env.kafka, &target, options).await.unwrap();
    let took = started.elapsed().as_secs_f64();
    println!(
        "rebuild: {} events, {} rows, {took:.2} s, {:.0} keys/s, checksum {}",
        report.events,
        report.rows,
        report.rows as f64 / took,
        if report.checksum == live {
            "equals live"
        } else {
            "DIFFERS from live"
        }
    );

    println!("peak memory of the process so far: {}", peak_memory());
    let scratch = harness::create_database(&env.infra).await;
    let started = Instant::now();
    let what = WhatIf {
        changed_limit: 10,
        ..WhatIf::default()
    };
    let outcome = whatif::run(&env.kafka, &scratch, what).await.unwrap();
    let took = started.elapsed().as_secs_f64();
    let total = &outcome.report.total;
    println!(
        "what-if (unchanged settings): {} uploads, {} keys, {took:.2} s, {:.0} keys/s, {} changed",
        total.uploads,
        total.keys.keys_whatif,
        total.keys.keys_whatif as f64 / took,
        total.uploads_changed
    );

    let started = Instant::now();
    let range = analyst::history::Range {
        from,
        to: chrono::Utc::now() + chrono::Duration::minutes(1),
        outcome_wait: Duration::from_secs(3600),
        quiet: false,
    };
    let kafka = env.kafka.clone();
    let rows = tokio::task::spawn_blocking(move || analyst::history::collect(&kafka, range))
        .await
        .unwrap()
        .unwrap();
    let file = std::env::temp_dir().join(format!("bench-{}.parquet", uuid::Uuid::new_v4()));
    analyst::history::write(&rows.rows, analyst::history::Format::Parquet, &file).unwrap();
    let took = started.elapsed().as_secs_f64();
    let size = std::fs::metadata(&file).unwrap().len();
    std::fs::remove_file(&file).unwrap();
    println!(
        "history export: {} uploads to Parquet ({size} bytes), {took:.2} s",
        rows.rows.len()
    );
}

/// The process's peak resident memory (`VmHWM`), as the kernel reports it.
fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .map_or_else(
            || "unknown".to_owned(),
            |l| l.trim_start_matches("VmHWM:").trim().to_owned(),
        )
}
