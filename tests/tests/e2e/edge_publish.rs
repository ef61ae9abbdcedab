//! Issue 12 on the publish path, against the real pipeline (ingest, processor, projector, Kafka,
//! PostgreSQL): slow bodies cannot starve real uploads, chaff cannot be told apart from accepted
//! uploads (two-sample KS tests), and a phone that half-closes still gets its answer.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use harness::keys::k;
use harness::raw::{connect, publish_head, read_response};
use harness::stack::Stack;
use harness::stats::ks_two_sample;
use tokio::io::AsyncWriteExt as _;

/// A client that announces a 50,000-byte body and sends one byte a second, reconnecting when
/// cut off, until `until`. Returns the statuses it was answered with.
async fn slow_body_client(addr: SocketAddr, until: Instant) -> Vec<u16> {
    let mut statuses = Vec::new();
    while Instant::now() < until {
        let mut s = connect(addr).await;
        if s.write_all(publish_head(50_000, "").as_bytes())
            .await
            .is_err()
        {
            continue;
        }
        loop {
            if let Some((status, _)) = read_response(&mut s, Duration::from_secs(1)).await {
                statuses.push(status);
                break;
            }
            if Instant::now() >= until || s.write_all(b" ").await.is_err() {
                break;
            }
        }
    }
    statuses
}

async fn metric(stack: &Stack, name: &str, label: &str) -> f64 {
    harness::edge::metric(&stack.ingest.ops_url(), name, label).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_uploads_keep_getting_200_during_a_slow_body_attack() {
    let stack = Stack::start(&[("MAX_CONCURRENT_REQUESTS", "16")]).await;
    let until = Instant::now() + Duration::from_secs(9);
    // 40 slow clients: more than the 16 slots.
    let attackers: Vec<_> = (0..40)
        .map(|_| tokio::spawn(slow_body_client(stack.ingest.addr, until)))
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut answered = Vec::new();
    for i in 0..12 {
        let request = stack.request(&[k(1 + i % 3)], "confirmed");
        let started = Instant::now();
        let (status, body) = stack.publish(&request).await;
        assert_eq!(status, 200, "real upload {i} during the attack: {body:?}");
        assert!(!body.revision_token.is_empty());
        answered.push(started.elapsed());
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    let mut statuses = Vec::new();
    for a in attackers {
        statuses.extend(a.await.unwrap());
    }
    let cut = statuses.iter().filter(|s| **s == 408).count();
    println!(
        "slow-body attack: 12/12 real uploads 200 (slowest {:?}); {} slow bodies cut off with \
         408 ({} answers in all)",
        answered.iter().max().unwrap(),
        cut,
        statuses.len()
    );
    assert!(
        cut >= 40,
        "every slow client was cut off at least once: {statuses:?}"
    );
    assert!(statuses.iter().all(|s| *s == 408), "{statuses:?}");
    assert!(metric(&stack, "keyserver_publish_requests_total", "BODY_TIMEOUT").await >= cut as f64);
    assert_eq!(
        metric(&stack, "keyserver_publish_requests_total", "ERROR_DB_WRITE").await,
        0.0
    );
    assert_eq!(
        metric(&stack, "keyserver_publish_overloaded_total", "").await,
        0.0
    );
}

/// What an observer on the wire sees of one answer.
struct Seen {
    header_bytes: f64,
    body_bytes: f64,
    latency_ms: f64,
}

async fn observe(http: &reqwest::Client, request: reqwest::RequestBuilder) -> Seen {
    let _ = http;
    let started = Instant::now();
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    let header_bytes: usize = response
        .headers()
        .iter()
        .map(|(n, v)| n.as_str().len() + v.len())
        .sum();
    let body = response.bytes().await.unwrap();
    Seen {
        header_bytes: header_bytes as f64,
        body_bytes: body.len() as f64,
        latency_ms: started.elapsed().as_secs_f64() * 1000.0,
    }
}

/// Phones' uploads are independent: before each timed request the in-process pipeline finishes
/// the previous upload's background work (processor, projector, commits, outcome).
const SPACING: Duration = Duration::from_millis(20);

// Run alone (dev/test runs the ignored tests one at a time after the others): beside the other
// tests' bursts in this process the latencies drift within seconds, faster than any window of
// past answers follows (beside the other edge_publish tests: 1 of 2 runs failed, D = 0.160).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "timing distributions: run alone, as dev/test does after the other tests"]
async fn chaff_cannot_be_told_apart_from_accepted_uploads() {
    let stack = Stack::start(&[]).await;
    let url = format!("{}/v1/publish", stack.ingest.url());
    let http = &stack.http;
    let real = |i: i32| {
        let request = stack.request(&[k(1 + i % 5), k(6 + i % 5)], "confirmed");
        http.post(&url).json(&request)
    };
    let chaff = || {
        let request = stack.request(&[k(1), k(6)], "confirmed");
        http.post(&url).header("X-Chaff", "1").json(&request)
    };
    // Warm-up: a whole window of real answers, at the same pace as the measured phase. A server
    // in service always draws from its recent steady traffic; a short warm-up made a large part
    // of the early chaff draw from the first answers of a fresh stack (cold connections and
    // caches, back-to-back requests) and made chaff slower than the real uploads it hides among.
    let mut warm_up = Vec::new();
    for i in 0..ingest::chaff::CAPACITY as i32 {
        warm_up.push(observe(http, real(i)).await.latency_ms);
        tokio::time::sleep(SPACING).await;
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    println!(
        "warm-up latency: first 20 mean {:.1} ms, all {} mean {:.1} ms",
        mean(&warm_up[..20]),
        warm_up.len(),
        mean(&warm_up)
    );
    let (mut reals, mut chaffs) = (Vec::new(), Vec::new());
    let mut order: Vec<bool> = [vec![true; 200], vec![false; 200]].concat();
    rand::seq::SliceRandom::shuffle(order.as_mut_slice(), &mut rand::thread_rng());
    for (i, is_real) in order.into_iter().enumerate() {
        if is_real {
            reals.push(observe(http, real(i as i32)).await);
        } else {
            chaffs.push(observe(http, chaff()).await);
        }
        tokio::time::sleep(SPACING).await;
    }
    let mut failures = Vec::new();
    for (what, pick) in [
        (
            "header bytes",
            (|s: &Seen| s.header_bytes) as fn(&Seen) -> f64,
        ),
        ("body bytes", |s: &Seen| s.body_bytes),
        ("latency", |s: &Seen| s.latency_ms),
    ] {
        let a: Vec<f64> = reals.iter().map(pick).collect();
        let b: Vec<f64> = chaffs.iter().map(pick).collect();
        let (d, p) = ks_two_sample(&a, &b);
        let deciles = |v: &[f64]| {
            let mut v = v.to_vec();
            v.sort_by(f64::total_cmp);
            (0..=10)
                .map(|i| format!("{:.0}", v[(i * (v.len() - 1)) / 10]))
                .collect::<Vec<_>>()
                .join(" ")
        };
        println!(
            "  real deciles  {}\n  chaff deciles {}",
            deciles(&a),
            deciles(&b)
        );
        println!(
            "chaff vs real {what}: KS D = {d:.3}, p = {p:.3} (means {:.1} vs {:.1})",
            mean(&b),
            mean(&a)
        );
        if p <= 0.05 {
            failures.push(format!("{what}: D = {d:.3}, p = {p:.3}"));
        }
    }
    assert!(
        failures.is_empty(),
        "chaff is distinguishable: {failures:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_that_half_closes_gets_its_answer_and_its_keys_are_stored_once() {
    let stack = Stack::start(&[]).await;
    let keys = vec![k(1), k(2)];
    let request = stack.request(&keys, "confirmed");
    let body = serde_json::to_vec(&request).unwrap();
    let mut s = connect(stack.ingest.addr).await;
    s.write_all(publish_head(body.len(), "Connection: close\r\n").as_bytes())
        .await
        .unwrap();
    s.write_all(&body).await.unwrap();
    s.shutdown().await.unwrap(); // the write side is closed: the phone only listens now
    let (status, answer) = read_response(&mut s, Duration::from_secs(15))
        .await
        .expect("an answer after the half-close");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
    let json: serde_json::Value = serde_json::from_slice(&answer).unwrap();
    assert_eq!(json["insertedExposures"], 2);
    assert!(json["revisionToken"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));
    let db = stack.env.db().await;
    harness::wait_for(Duration::from_secs(20), "the keys in the store", || {
        let db = &db;
        async move { (harness::store::count(db).await == 2).then_some(()) }
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(harness::store::count(&db).await, 2, "stored once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_identical_retry_is_answered_like_the_first_with_a_fresh_valid_token() {
    let stack = Stack::start(&[]).await;
    let keys = vec![k(1), k(2)];
    let first_request = stack.request(&keys, "likely");
    let (status, first) = stack.publish(&first_request).await;
    assert_eq!((status, first.inserted_exposures), (200, 2), "{first:?}");

    // The phone lost the answer and retries exactly: answered like the first, a fresh token.
    let (status, retry) = stack.publish(&first_request).await;
    assert_eq!(status, 200, "{retry:?}");
    assert_eq!(retry.inserted_exposures, 2);
    assert!(retry.code.is_empty(), "{retry:?}");
    assert!(!retry.revision_token.is_empty());
    assert_ne!(retry.revision_token, first.revision_token, "freshly minted");
    let db = stack.env.db().await;
    assert_eq!(harness::store::count(&db).await, 2, "stored once");

    // The same keys with another certificate (another hmacKey): the reference rules.
    let other = stack.request(&keys, "likely");
    stack
        .publish_refused(&other, "missing_revision_token")
        .await;
    // A subset of the keys is not identical either.
    let mut subset = first_request.clone();
    subset.temporary_exposure_keys.truncate(1);
    let (status, _) = stack.publish(&subset).await;
    assert_ne!(status, 200, "a changed key list keeps the reference rules");

    // The retry's token is valid: it revises the keys.
    let mut confirm = stack.request(&keys, "confirmed");
    confirm.revision_token = retry.revision_token.clone();
    let (status, revised) = stack.publish(&confirm).await;
    assert_eq!(status, 200, "{revised:?}");
    let rows = harness::store::exposures_in_store(&db).await;
    assert_eq!(rows.len(), 2);
    assert!(rows
        .iter()
        .all(|r| r.revised_report_type.as_deref() == Some("confirmed")));
}
