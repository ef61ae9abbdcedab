//! Privacy of the logs: the real `ingest` binary, logging everything, never writes a client
//! address, a user agent or any key material, token, HMAC secret or certificate.

use std::time::Duration;

use harness::certs::tekmac;
use harness::config::seed_fixture;
use harness::edge::Device;
use harness::keys::k;
use harness::{wait_ready, TestEnv};
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// A raw HTTP/1.1 request from a chosen loopback source address; returns the status code.
async fn raw_post(from: &str, to: std::net::SocketAddr, headers: &str, body: &str) -> u16 {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    let mut stream = socket.connect(to).await.unwrap();
    let request = format!(
        "POST /v1/publish HTTP/1.1\r\nHost: {to}\r\nContent-Type: application/json\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8_lossy(&response);
    text.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// Collects everything a child process writes to `pipe`.
fn collect<R: tokio::io::AsyncRead + Unpin + Send + 'static>(
    pipe: Option<R>,
) -> tokio::task::JoinHandle<Vec<u8>> {
    tokio::spawn(async move {
        let mut out = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut out).await;
        }
        out
    })
}

/// `text` without ANSI escape sequences (`ESC [ ... letter`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The real `ingest` binary, logging everything (`RUST_LOG=trace`), receives a valid publish,
/// a bad certificate, a bad body and chaff from 127.0.0.2 with a distinctive user agent; its
/// whole output must hold neither the client address nor the user agent nor any key material,
/// token, HMAC secret or certificate.
#[tokio::test]
async fn logs_contain_no_ip_and_no_key_material() {
    let env = TestEnv::new().await;
    let authority = seed_fixture(&env).await;
    let bin = harness::process::bin("ingest");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build --bins` (dev/test does)",
        bin.display()
    );
    let port = harness::process::free_port();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let ops_addr = format!("127.0.0.1:{}", harness::process::free_port());
    let mut child = tokio::process::Command::new(&bin)
        .envs(env.env_vars())
        .env("LISTEN_ADDR", addr.to_string())
        .env("OPS_LISTEN_ADDR", &ops_addr)
        .env("REVISION_TOKEN_KEYS", harness::stack::revision_token_keys())
        .env("KAFKA_CREATE_TOPICS", "false")
        .env("PUBLISH_OUTCOME_WAIT", "300ms")
        .env("LOG_JSON_PARSE_ERRORS", "true")
        .env("DEBUG_LOG_BAD_CERTIFICATES", "true")
        .env("RUST_LOG", "trace")
        .env("NO_COLOR", "1")
        .env_remove("LOG_FORMAT")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start ingest");
    let stdout = collect(child.stdout.take());
    let stderr = collect(child.stderr.take());
    wait_ready(&format!("http://{ops_addr}")).await;

    let device = Device::new();
    let keys = vec![k(1), k(2)];
    let good = device.body(&authority, "confirmed", &keys);
    let user_agent = "User-Agent: SecretPhone/9.9 (Android; build XYZ123)\r\n";
    assert_eq!(
        raw_post("127.0.0.2", addr, user_agent, &good.to_string()).await,
        200
    );
    let mut bad_cert = good.clone();
    let mut claims = device.claims("confirmed", &keys);
    claims.tekmac = "AAAA".into();
    bad_cert["verificationPayload"] = json!(authority.sign(&claims));
    assert_eq!(
        raw_post("127.0.0.2", addr, user_agent, &bad_cert.to_string()).await,
        401
    );
    assert_eq!(
        raw_post(
            "127.0.0.2",
            addr,
            user_agent,
            r#"{"temporaryExposureKeys":[{"key":1}]}"#
        )
        .await,
        400
    );
    assert_eq!(
        raw_post("127.0.0.2", addr, "X-Chaff: 1\r\n", &good.to_string()).await,
        200
    );

    // Graceful stop (SIGTERM), then read everything it wrote.
    let pid = child.id().expect("pid").to_string();
    let killed = tokio::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("ingest stops")
        .unwrap();
    assert!(status.success(), "clean exit after SIGTERM: {status}");
    let mut raw = String::from_utf8_lossy(&stdout.await.unwrap()).into_owned();
    raw.push_str(&String::from_utf8_lossy(&stderr.await.unwrap()));
    let logs = strip_ansi(&raw);

    assert!(
        logs.contains("Publish answered"),
        "the publish was logged: {logs}"
    );
    assert!(logs.contains("request_id="), "requests carry an id");
    assert!(
        logs.contains("Bad verification certificate"),
        "the certificate debug log ran"
    );
    let mut forbidden: Vec<String> = vec![
        "127.0.0.2".into(),
        "SecretPhone".into(),
        "XYZ123".into(),
        device.hmac_key.clone(),
        good["verificationPayload"].as_str().unwrap().to_owned(),
        bad_cert["verificationPayload"].as_str().unwrap().to_owned(),
        tekmac(&keys, &device.secret),
    ];
    for key in &keys {
        forbidden.push(key.key.clone());
        forbidden.push(key.key.trim_end_matches('=').to_owned());
    }
    for segment in good["verificationPayload"].as_str().unwrap().split('.') {
        forbidden.push(segment.to_owned());
    }
    for needle in &forbidden {
        let at = logs.find(needle.as_str());
        assert!(
            at.is_none(),
            "the logs contain {needle}: {}",
            at.map(|i| &logs[i.saturating_sub(300)..(i + 200).min(logs.len())])
                .unwrap_or("")
        );
    }
}
