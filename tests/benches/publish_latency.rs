//! End-to-end publish latency at a fixed request rate, against the real Kafka and PostgreSQL:
//! ingest, processor and projector in one process (release build), each request a fresh
//! confirmed publish of 14 keys with a valid ES256 certificate, answered after the projector's
//! outcome came back (the normal, non-degraded path).
//!
//! `cargo bench -p tests --bench publish_latency` (`BENCH_RATE` requests/s, default 100;
//! `BENCH_SECONDS`, default 20).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use harness::keys::k;
use harness::stack::Stack;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rate: u64 = std::env::var("BENCH_RATE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let stack = std::sync::Arc::new(Stack::start(&[("PUBLISH_OUTCOME_WAIT", "5s")]).await);
    // Warm up: connections, consumer assignments.
    for _ in 0..20 {
        let keys: Vec<_> = (1..=14).map(k).collect();
        stack.publish(&stack.request(&keys, "confirmed")).await;
    }
    let total = rate * seconds;
    let interval = Duration::from_micros(1_000_000 / rate);
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = Vec::with_capacity(usize::try_from(total).unwrap());
    let started = Instant::now();
    for _ in 0..total {
        ticker.tick().await;
        let keys: Vec<_> = (1..=14).map(k).collect();
        let request = stack.request(&keys, "confirmed");
        let stack = stack.clone();
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let (status, body) = stack.publish(&request).await;
            (status, body.inserted_exposures, t.elapsed())
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (status, inserted, latency) = task.await.unwrap();
        if status == 200 && inserted == 14 {
            latencies.push(latency);
        } else {
            errors += 1;
        }
    }
    let wall = started.elapsed();
    latencies.sort();
    let pct = |p: f64| {
        let i = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies[i].as_secs_f64() * 1000.0
    };
    let degraded = reqwest::get(format!("{}/metrics", stack.ingest.ops_url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .lines()
        .find(|l| l.starts_with("publish_degraded_total"))
        .unwrap_or("publish_degraded_total 0")
        .to_owned();
    for (name, running) in [
        ("processor", &stack.processor),
        ("projector", &stack.projector),
    ] {
        let Some(running) = running else { continue };
        let text = reqwest::get(format!("{}/metrics", running.ops_url()))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let value = |metric: &str| {
            text.lines()
                .find(|l| l.starts_with(metric))
                .and_then(|l| l.rsplit(' ').next())
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        let (sum, count) = (
            value(&format!("{name}_transaction_seconds_sum")),
            value(&format!("{name}_transaction_seconds_count")),
        );
        let (events, batches) = (
            value(&format!("{name}_batch_events_sum")),
            value(&format!("{name}_batch_events_count")),
        );
        println!(
            "{name}: {count} transactions, mean {:.1} ms, mean {:.1} events per transaction",
            1000.0 * sum / count.max(1.0),
            events / batches.max(1.0)
        );
    }
    println!(
        "publish latency at {rate} req/s for {seconds} s ({} ok, {errors} other, achieved {:.0} req/s): p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {degraded}",
        latencies.len(),
        total as f64 / wall.as_secs_f64(),
        pct(0.50),
        pct(0.90),
        pct(0.99),
        pct(1.0),
    );
}
