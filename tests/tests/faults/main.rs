//! The fault suite (`./dev/faults`): two ingest, two processor and two projector processes on
//! topics with several partitions, uploads with revisions from two `loadgen` runs (one per ingest,
//! open loop, every answer recorded), and, during the run, one fault after another: `kill -9` and
//! restart of every instance (several rounds), PostgreSQL stopped for a while, a projector paused
//! (SIGSTOP) past its consumer-group session so its partitions move, then resumed, and on the
//! three-node Kafka cluster (`TEST_KAFKA_REPLICATION_FACTOR=3`, as `dev/faults` runs it) a
//! `kill -9` of the node leading the busiest partition once a round, started again later.
//!
//! Afterwards it checks what the design promises: every key of every 200 is stored, once, with
//! the right revision state; nothing is stored that no upload sent; no request got two outcomes
//! and no upload was counted twice in the statistics; the rebuild checksum equals the live one.
//! It prints one table row per fault (requests during it, 200s, 503s, degraded answers, keys lost,
//! duplicates, recovery time) and fails on any loss or duplicate.
//!
//! Settings (environment): `FAULTS_ROUNDS` (kill rounds over all six instances, default 7: 42 kills),
//! `FAULTS_RATE` (uploads per second per ingest, default 25), `FAULTS_POSTGRES_DOWN` (default
//! 60s; 0 skips that fault), `FAULTS_PAUSE` (default 20s, past the 10 s group session
//! timeout; 0 skips it), `FAULTS_BROKER_DOWN` (default 15s on the cluster; 0 skips it),
//! `FAULTS_KEEP_RECORDS` (keep the load generators' answer records in the
//! temporary directory). PostgreSQL is stopped and started through `dev/pg`, so nothing else
//! may use the local stack's PostgreSQL while this runs.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod brokers;
mod cluster;
mod schedule;
mod verdict;

use std::time::Duration;

use harness::{setting, spawn, wait_ready, TestEnv};

use crate::cluster::Cluster;
use crate::schedule::{Fault, Plan};

const ADMIN_TOKEN: &str = "fault-suite-admin-token-0123456789";

fn seconds(name: &str, default: u64) -> Duration {
    Duration::from_secs(setting(name, default))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_acknowledged_upload_is_lost_or_doubled_under_faults() {
    let rounds: usize = setting("FAULTS_ROUNDS", 7);
    let rate: f64 = setting("FAULTS_RATE", 25.0);
    let postgres_down = seconds("FAULTS_POSTGRES_DOWN", 60);
    let pause = seconds("FAULTS_PAUSE", 20);
    // On the three-node cluster (dev/faults starts it), each round also loses a Kafka node.
    let on_cluster = harness::Infra::get().kafka_replication_factor >= 3;
    let broker_down = seconds("FAULTS_BROKER_DOWN", if on_cluster { 15 } else { 0 });

    let env = TestEnv::with_database().await;
    let admin = spawn::<admin::Admin>(
        &env,
        &[("ADMIN_TOKEN", ADMIN_TOKEN), ("JWKS_SYNC_INTERVAL", "0")],
    )
    .await;
    wait_ready(&admin.ops_url()).await;
    let mut cluster = Cluster::start(&env).await;

    let plan = Plan::new(rounds, postgres_down, pause, broker_down);
    eprintln!(
        "fault suite: {} faults planned over about {:?}, {rate}/s per ingest",
        plan.faults.len(),
        plan.duration()
    );
    let records = tempdir_files(&env.prefix);
    let loads: Vec<_> = cluster
        .ingest_urls()
        .into_iter()
        .zip(&records)
        .map(|(url, record)| {
            let options = load_options(&url, &admin.url(), rate, plan.duration(), record);
            tokio::spawn(loadgen::run(options))
        })
        .collect();
    // Let both load generators register and warm up before the first fault.
    tokio::time::sleep(Duration::from_secs(8)).await;
    let windows = schedule::run(&plan, &mut cluster, &env).await;
    for load in loads {
        load.await
            .expect("load task")
            .expect("loadgen run (registration and warm-up must succeed)");
    }
    cluster.restart_exited(&env).await;

    let answers = verdict::read_records(&records);
    let outcome = verdict::check(&env, &answers, &windows).await;
    eprintln!("{}", outcome.table());
    eprintln!("{}", outcome.summary());
    cluster.stop().await;
    if std::env::var_os("FAULTS_KEEP_RECORDS").is_none() {
        for record in &records {
            let _ = std::fs::remove_file(record);
        }
    }
    outcome.assert_sound();
    if plan.faults.iter().any(|f| matches!(f, Fault::Kill(_))) {
        assert!(windows.len() >= plan.faults.len());
    }
}

fn tempdir_files(prefix: &str) -> Vec<std::path::PathBuf> {
    (0..2)
        .map(|i| std::env::temp_dir().join(format!("faults-{prefix}{i}.jsonl")))
        .collect()
}

fn load_options(
    url: &str,
    admin_url: &str,
    rate: f64,
    duration: Duration,
    record: &std::path::Path,
) -> loadgen::Options {
    let duration = format!("{}s", duration.as_secs());
    let rate = rate.to_string();
    <loadgen::Options as clap::Parser>::try_parse_from([
        "loadgen",
        "--url",
        url,
        "--admin-url",
        admin_url,
        "--admin-token",
        ADMIN_TOKEN,
        "--rate",
        &rate,
        "--connections",
        "64",
        "--duration",
        &duration,
        "--keys",
        "1-14",
        "--revisions",
        "0.3",
        "--apps",
        "8",
        "--warmup",
        "2",
        "--timeout",
        "15s",
        "--quiet",
        "--record",
        record.to_str().unwrap_or_default(),
    ])
    .expect("loadgen options")
}
