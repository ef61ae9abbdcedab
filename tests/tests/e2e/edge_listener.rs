//! Issue 12 against real service processes and instances: every listener closes held, silent
//! and dripping connections within its timeouts, caps its connections, keeps memory bounded
//! under 1,500 incomplete request heads, and the exporter's log stays small under a flood of
//! impossible names. Figures are printed (`--nocapture`) for `docs/security.md`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use harness::raw::{closed_within, connect, read_response, rss_kib};
use harness::stack::revision_token_keys;
use harness::{spawn, TestEnv};
use tokio::io::AsyncWriteExt as _;

const HEADER_TIMEOUT: Duration = Duration::from_secs(2);
const IDLE_TIMEOUT: Duration = Duration::from_secs(1);

/// Silent, dripping and idle keep-alive connections on `addr` are closed within the limits.
async fn check_timeouts(addr: SocketAddr, what: &str) {
    // Silent: connected, nothing sent: the idle timeout.
    let since = Instant::now();
    let mut silent = connect(addr).await;
    assert_idle_closed(&mut silent, since, &format!("{what}: silent")).await;
    // Dripping a head byte by byte (always active, never finished): the header read timeout.
    let since = Instant::now();
    let mut drip = connect(addr).await;
    drip.write_all(b"GET /health HTTP/1.1\r\nX-Slow: ")
        .await
        .unwrap();
    let closed = closed_within(
        &mut drip,
        since,
        Duration::from_secs(8),
        Some((b"a", Duration::from_millis(100))),
    )
    .await
    .unwrap_or_else(|| panic!("{what}: a dripping head stayed open"));
    assert!(
        closed >= HEADER_TIMEOUT - Duration::from_millis(200)
            && closed < HEADER_TIMEOUT + Duration::from_secs(1),
        "{what}: dripping head {closed:?}"
    );
    // Idle keep-alive after one answered request.
    let mut keep = connect(addr).await;
    keep.write_all(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
        .await
        .unwrap();
    let (status, _) = read_response(&mut keep, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(status, 200, "{what}");
    let since = Instant::now();
    assert_idle_closed(&mut keep, since, &format!("{what}: keep-alive")).await;
    println!("{what}: silent, dripping-head and idle keep-alive connections closed in time");
}

/// `stream`, left alone since `since`, is closed by the idle timeout (`case` names it).
async fn assert_idle_closed(stream: &mut tokio::net::TcpStream, since: Instant, case: &str) {
    let closed = closed_within(stream, since, Duration::from_secs(8), None)
        .await
        .unwrap_or_else(|| panic!("{case}: the connection stayed open"));
    assert!(
        closed < IDLE_TIMEOUT + Duration::from_secs(1),
        "{case}: {closed:?}"
    );
}

fn limits() -> Vec<(&'static str, String)> {
    vec![
        ("HTTP_HEADER_READ_TIMEOUT", "2s".to_owned()),
        ("HTTP_IDLE_TIMEOUT", "1s".to_owned()),
        ("REVISION_TOKEN_KEYS", revision_token_keys()),
    ]
}

fn as_refs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_listener_closes_silent_dripping_and_idle_connections() {
    let env = TestEnv::with_database().await;
    let vars = limits();
    let ingest = spawn::<ingest::Ingest>(&env, &as_refs(&vars)).await;
    let processor = spawn::<processor::Processor>(&env, &as_refs(&vars)).await;
    let exporter_dir = std::env::temp_dir().join(&env.prefix);
    let mut exporter_vars = as_refs(&vars);
    let dir = exporter_dir.to_string_lossy().to_string();
    exporter_vars.push(("EXPORT_DIR", &dir));
    let exporter = spawn::<exporter::Exporter>(&env, &exporter_vars).await;
    check_timeouts(ingest.addr, "ingest public").await;
    check_timeouts(ingest.ops_addr, "ingest ops").await;
    check_timeouts(processor.ops_addr, "processor ops").await;
    check_timeouts(exporter.addr, "exporter public").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connection_cap_holds_new_connections_until_one_ends() {
    let env = TestEnv::new().await;
    let keys = revision_token_keys();
    let ingest = spawn::<ingest::Ingest>(
        &env,
        &[
            ("REVISION_TOKEN_KEYS", &keys),
            ("HTTP_MAX_CONNECTIONS", "4"),
            ("HTTP_IDLE_TIMEOUT", "30s"),
            ("HTTP_HEADER_READ_TIMEOUT", "30s"),
        ],
    )
    .await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(connect(ingest.addr).await);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut fifth = connect(ingest.addr).await;
    fifth
        .write_all(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
        .await
        .unwrap();
    assert!(
        read_response(&mut fifth, Duration::from_secs(1))
            .await
            .is_none(),
        "a fifth connection is not served while four are open"
    );
    drop(held.pop());
    let (status, _) = read_response(&mut fifth, Duration::from_secs(5))
        .await
        .expect("served once a slot is free");
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_stays_bounded_under_1500_incomplete_heads() {
    let env = TestEnv::new().await;
    let keys = revision_token_keys();
    let mut ingest = harness::process::spawn_bin(
        &env,
        "ingest",
        &[
            ("REVISION_TOKEN_KEYS", &keys),
            ("KAFKA_CREATE_TOPICS", "false"),
        ],
    )
    .await;
    let pid = ingest.child.id().expect("pid");
    let addr: SocketAddr = ingest.url.trim_start_matches("http://").parse().unwrap();
    let before = rss_kib(pid);
    let peak = Arc::new(std::sync::atomic::AtomicU64::new(before));
    let sampler = {
        let peak = Arc::clone(&peak);
        tokio::spawn(async move {
            loop {
                peak.fetch_max(rss_kib(pid), std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    // Phase 1: 1,500 heads of 390 KB without their final CRLF (the reported attack).
    let big: Arc<Vec<u8>> = Arc::new(
        [
            b"POST /v1/publish HTTP/1.1\r\nX-Pad: ".as_slice(),
            &vec![b'a'; 390_000],
        ]
        .concat(),
    );
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..1500 {
        let big = Arc::clone(&big);
        tasks.push(tokio::spawn(async move {
            let mut s = tokio::net::TcpStream::connect(addr).await.ok()?;
            let _ = s.write_all(&big).await;
            Some(s)
        }));
    }
    let mut open = Vec::new();
    for t in tasks {
        if let Some(s) = t.await.unwrap() {
            open.push(s);
        }
    }
    let phase1 = started.elapsed();
    drop(open);
    // Phase 2: 1,500 heads of 12 KB (under the 16 KiB cap), held open.
    let small: Arc<Vec<u8>> = Arc::new(
        [
            b"POST /v1/publish HTTP/1.1\r\nX-Pad: ".as_slice(),
            &vec![b'a'; 12_000],
        ]
        .concat(),
    );
    let mut held = Vec::new();
    for _ in 0..1500 {
        let mut s = connect(addr).await;
        s.write_all(&small).await.unwrap();
        held.push(s);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    sampler.abort();
    let peak = peak.load(std::sync::atomic::Ordering::Relaxed);
    drop(held);
    let growth_mib = (peak.saturating_sub(before)) as f64 / 1024.0;
    println!(
        "ingest RSS before {:.1} MiB, peak {:.1} MiB (+{growth_mib:.1} MiB) under 1,500 \
         rejected 390 KB heads ({phase1:?}) then 1,500 held 12 KB heads",
        before as f64 / 1024.0,
        peak as f64 / 1024.0,
    );
    // The bound: 64 KiB per connection (16 KiB head buffer, hyper's state, the task).
    assert!(growth_mib < 1500.0 * 64.0 / 1024.0, "+{growth_mib:.1} MiB");
    let health = reqwest::get(format!("{}/health", ingest.ops_url))
        .await
        .unwrap();
    assert_eq!(health.status(), 200, "still serving");
    ingest.kill_9().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_exporter_log_stays_small_under_a_flood_of_impossible_names() {
    let env = TestEnv::with_database().await;
    let dir = std::env::temp_dir().join(format!("{}flood", env.prefix));
    let log_path = dir.with_extension("log");
    let port = harness::process::free_port();
    let ops_port = harness::process::free_port();
    let bin = harness::process::bin("exporter");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = tokio::process::Command::new(bin)
        .envs(env.env_vars())
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("OPS_LISTEN_ADDR", format!("127.0.0.1:{ops_port}"))
        .env("EXPORT_DIR", &dir)
        .env("RUST_LOG", "info")
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .expect("start exporter");
    harness::wait_ready(&format!("http://127.0.0.1:{ops_port}")).await;
    let before = std::fs::metadata(&log_path).unwrap().len();
    let http = reqwest::Client::new();
    let names = [
        "a".repeat(256),
        "b".repeat(300),
        format!("{}/index.txt", "c".repeat(4000)),
        "x%00y".to_owned(),
        "..%2f..%2fetc%2fpasswd".to_owned(),
    ];
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut requests = 0u32;
    let mut workers = Vec::new();
    for w in 0..4 {
        let (http, names) = (http.clone(), names.clone());
        workers.push(tokio::spawn(async move {
            let mut n = 0u32;
            while Instant::now() < deadline {
                let name = &names[(n as usize + w) % names.len()];
                let r = http
                    .get(format!("http://127.0.0.1:{port}/{name}"))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 404, "{}", &name[..name.len().min(40)]);
                n += 1;
            }
            n
        }));
    }
    for w in workers {
        requests += w.await.unwrap();
    }
    let grown = std::fs::metadata(&log_path).unwrap().len() - before;
    println!("exporter: {requests} requests for impossible names in 5 s, log grew {grown} bytes");
    assert!(grown < 1_000_000, "log grew {grown} bytes");
    let _ = child.start_kill();
    let _ = child.wait().await;
    let _ = std::fs::remove_file(&log_path);
}
