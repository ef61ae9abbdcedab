//! Router tests without Kafka: transport, JSON errors, chaff, maintenance, routes, enqueue
//! success and failure, outcome answers, degraded mode, timeouts, overload, logs.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use base64::Engine as _;
use futures::future::BoxFuture;
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt as _;
use schemas::publish::{PublishOutcome, PublishReceived};
use schemas::Envelope;
use tower::ServiceExt as _;

use super::*;
use crate::api::Padding;
use crate::certificate::KeyCache;
use crate::enqueue::{EnqueueError, EventSink};
use crate::metrics::Metrics;
use crate::outcome::OutcomeRouter;
use crate::publish::EdgeRules;
use crate::revision_token::{KeyRing, TokenCodec};
use crate::settings::HttpSettings;
use crate::state::{StateParts, StaticConfig};
use crate::testkit::{self, Signer, APP};

/// What the fake sink does with an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SinkMode {
    Accept,
    /// Accept, and deliver this outcome status to the waiting request.
    AcceptWithOutcome(u16),
    Fail,
    Hang,
}

#[derive(Debug)]
struct FakeSink {
    mode: SinkMode,
    events: Mutex<Vec<(String, Envelope<PublishReceived>)>>,
    outcomes: Mutex<Option<Arc<OutcomeRouter>>>,
}

impl EventSink for FakeSink {
    fn enqueue<'a>(
        &'a self,
        key: &'a str,
        event: &'a Envelope<PublishReceived>,
    ) -> BoxFuture<'a, Result<(), EnqueueError>> {
        Box::pin(async move {
            match self.mode {
                SinkMode::Fail => return Err(EnqueueError::Timeout(Duration::from_millis(1))),
                SinkMode::Hang => futures::future::pending::<()>().await,
                SinkMode::Accept | SinkMode::AcceptWithOutcome(_) => {}
            }
            self.events
                .lock()
                .unwrap()
                .push((key.to_owned(), event.clone()));
            if let SinkMode::AcceptWithOutcome(status) = self.mode {
                let router = self.outcomes.lock().unwrap().clone().unwrap();
                let outcome = PublishOutcome {
                    reply_to: event.payload.reply_to.clone(),
                    status,
                    code: (status != 200).then(|| "invalid_revision_token".to_owned()),
                    error: (status != 200).then(|| "revision token is invalid".to_owned()),
                    inserted: 7,
                    revised: 0,
                    dropped: 0,
                    warnings: vec![],
                    token_entries: vec![],
                };
                let router_clone = router.clone();
                let id = event.request_id.unwrap();
                tokio::spawn(async move {
                    router_clone.deliver(id, outcome);
                });
            }
            Ok(())
        })
    }
}

struct Harness {
    router: Router,
    state: AppState,
    sink: Arc<FakeSink>,
    signer: Signer,
    now: chrono::DateTime<chrono::Utc>,
}

fn http_settings() -> HttpSettings {
    HttpSettings {
        listen_addr: "127.0.0.1:0".into(),
        maintenance_mode: false,
        padding: Padding {
            min_bytes: 16,
            range: 16,
        },
        enable_v1alpha1: false,
        chaff_max_latency: Duration::from_millis(50),
        log_json_parse_errors: true,
        debug_log_bad_certificates: true,
        outcome_wait: Duration::from_millis(200),
        request_timeout: Duration::from_secs(5),
        startup_ready_wait: Duration::from_secs(1),
        max_concurrent_requests: 64,
        body_deadline: crate::body_deadline::BodyDeadline::default(),
        ops_listen_addr: "127.0.0.1:0".into(),
        limits: platform::http_server::HttpLimits::default(),
    }
}

fn harness(mode: SinkMode, edit: impl FnOnce(&mut HttpSettings)) -> Harness {
    let mut settings = http_settings();
    edit(&mut settings);
    let signer = Signer::generate();
    let other = Signer::generate();
    let now = chrono::Utc::now();
    let config = testkit::fixture(&signer, &other, now);
    let ops = platform::ops::Ops::new("ingest-test");
    let metrics = Metrics::register(&ops.registry).unwrap();
    let outcomes = Arc::new(OutcomeRouter::new(metrics.clone()));
    let sink = Arc::new(FakeSink {
        mode,
        events: Mutex::new(vec![]),
        outcomes: Mutex::new(Some(outcomes.clone())),
    });
    let keys = format!(
        "k1:{}",
        base64::engine::general_purpose::STANDARD.encode([3u8; 64])
    );
    let state = AppState::new(StateParts {
        settings,
        rules: EdgeRules {
            policy: domain::PublishPolicy::default(),
            allow_partial_revisions: false,
            default_region: None,
            tokens: TokenCodec::new(KeyRing::parse(&keys).unwrap(), 28),
            certificate_keys: KeyCache::default(),
        },
        config: Arc::new(StaticConfig(Arc::new(config))),
        sink: sink.clone(),
        outcomes,
        metrics,
        clock: Arc::new(move || now),
    });
    Harness {
        router: router(state.clone()),
        state,
        sink,
        signer,
        now,
    }
}

struct Reply {
    status: StatusCode,
    headers: http::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {:?}", String::from_utf8_lossy(&self.body)))
    }
    fn api_version(&self) -> Option<&str> {
        self.headers
            .get("x-api-version")
            .and_then(|v| v.to_str().ok())
    }
}

impl Harness {
    async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        Reply {
            status,
            headers,
            body,
        }
    }

    async fn post(&self, path: &str, content_type: &str, body: impl Into<Body>) -> Reply {
        let request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header("content-type", content_type)
            .header("user-agent", "Dalvik/2.1.0 (Linux; U; Android 11)")
            .body(body.into())
            .unwrap();
        self.send(request).await
    }

    fn valid_body(&self, report_type: &str) -> (String, Vec<domain::RawKey>) {
        let keys = vec![
            testkit::key_days_ago(1, self.now),
            testkit::key_days_ago(2, self.now),
        ];
        let secret = b"device secret";
        let cert = testkit::certificate(&self.signer, &keys, secret, report_type, self.now);
        let body = serde_json::json!({
            "temporaryExposureKeys": keys.iter().map(|k| serde_json::json!({
                "key": k.key, "rollingStartNumber": k.rolling_start_number, "rollingPeriod": k.rolling_period,
            })).collect::<Vec<_>>(),
            "healthAuthorityID": APP,
            "verificationPayload": cert,
            "hmacKey": base64::engine::general_purpose::STANDARD.encode(secret),
            "padding": "AAAA",
        });
        (body.to_string(), keys)
    }

    fn events(&self) -> Vec<(String, Envelope<PublishReceived>)> {
        self.sink.events.lock().unwrap().clone()
    }
}

fn assert_handler_response(reply: &Reply, status: u16, code: &str) {
    assert_eq!(
        reply.status.as_u16(),
        status,
        "{:?}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.api_version(), Some("v1"));
    assert_eq!(
        reply.headers.get("content-type").unwrap(),
        "application/json"
    );
    let json = reply.json();
    if code.is_empty() {
        assert!(json.get("code").is_none(), "{json}");
    } else {
        assert_eq!(json["code"], code);
    }
    assert!(
        json["padding"].as_str().is_some_and(|p| !p.is_empty()),
        "padding on every handler response"
    );
}

#[tokio::test]
async fn a1_a3_content_type() {
    let h = harness(SinkMode::Accept, |_| {});
    for ct in ["application/pdf", "Application/JSON", ""] {
        let reply = h.post("/v1/publish", ct, "{}").await;
        assert_handler_response(&reply, 415, "bad_request");
        assert_eq!(
            reply.json()["error"],
            "error unmarshalling API call, code: 415: content-type is not application/json"
        );
    }
}

#[tokio::test]
async fn a5_a7_a11_json_errors() {
    let h = harness(SinkMode::Accept, |_| {});
    let reply = h
        .post("/v1/publish", "application/json", "totally not json")
        .await;
    assert_handler_response(&reply, 400, "bad_request");
    assert_eq!(
        reply.json()["error"],
        "error unmarshalling API call, code: 400: malformed json at position 2"
    );
    let reply = h.post("/v1/publish", "application/json", "{}{}").await;
    assert_eq!(
        reply.json()["error"],
        "error unmarshalling API call, code: 400: body must contain only one JSON object"
    );
    let reply = h
        .post(
            "/v1/publish",
            "application/json",
            r#"{"temporaryExposureKeys":[{"rollingStartNumber": 2.0}]}"#,
        )
        .await;
    assert_handler_response(&reply, 400, "bad_request");
    let reply = h
        .post(
            "/v1/publish",
            "application/json; charset=utf-8",
            r#"{"regions":[]}"#,
        )
        .await;
    assert_eq!(
        reply.json()["error"],
        r#"error unmarshalling API call, code: 400: unknown field "regions""#
    );
    let reply = h.post("/v1/publish", "application/json", "").await;
    assert_eq!(
        reply.json()["error"],
        "error unmarshalling API call, code: 400: body must not be empty"
    );
    assert!(h.events().is_empty());
}

#[tokio::test]
async fn a9_body_limit() {
    let h = harness(SinkMode::Accept, |_| {});
    let body = format!(r#"{{"padding":"{}"}}"#, "A".repeat(64_010 - 14));
    assert_eq!(body.len(), 64_010);
    let reply = h.post("/v1/publish", "application/json", body).await;
    assert_handler_response(&reply, 413, "bad_request");
    assert_eq!(
        reply.json()["error"],
        "error unmarshalling API call, code: 413: http: request body too large"
    );
    // Exactly 64,000 bytes is fine (it fails later, for the unknown app).
    let body = format!(r#"{{"padding":"{}"}}"#, "A".repeat(64_000 - 14));
    let reply = h.post("/v1/publish", "application/json", body).await;
    assert_handler_response(&reply, 401, "unknown_health_authority_id");
}

#[tokio::test]
async fn a13_routes() {
    let h = harness(SinkMode::Accept, |_| {});
    let reply = h.post("/", "application/json", "{}").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.body, b"404 page not found\n");
    let reply = h.post("/v1/publish/", "application/json", "{}").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.api_version(), None);
    let reply = h
        .send(Request::get("/health").body(Body::empty()).unwrap())
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, br#"{"status":"ok"}"#, "a bare liveness answer");
    // The ops endpoints are not on the public port.
    for path in ["/metrics", "/ready"] {
        let reply = h
            .send(Request::get(path).body(Body::empty()).unwrap())
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
    }
    // Any method reaches the publish handler.
    let reply = h
        .send(
            Request::put("/v1/publish")
                .header("content-type", "application/json")
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await;
    assert_handler_response(&reply, 401, "unknown_health_authority_id");
}

#[tokio::test]
async fn c1_unknown_app() {
    let h = harness(SinkMode::Accept, |_| {});
    let reply = h
        .post(
            "/v1/publish",
            "application/json",
            r#"{"healthAuthorityID":"com.example.appWRONG"}"#,
        )
        .await;
    assert_handler_response(&reply, 401, "unknown_health_authority_id");
    assert_eq!(
        reply.json()["error"],
        "unauthorized health authority: com.example.appWRONG"
    );
}

#[tokio::test]
async fn valid_publish_is_enqueued_once_and_answered_degraded() {
    let h = harness(SinkMode::Accept, |s| {
        s.outcome_wait = Duration::from_millis(20)
    });
    let (body, keys) = h.valid_body("confirmed");
    let reply = h.post("/v1/publish", "application/json", body).await;
    assert_handler_response(&reply, 200, "");
    let json = reply.json();
    assert_eq!(json["insertedExposures"], 2);
    assert!(json["revisionToken"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));
    assert!(json.get("code").is_none() && json.get("error").is_none());
    let events = h.events();
    assert_eq!(events.len(), 1);
    let (key, envelope) = &events[0];
    assert_eq!(key, APP);
    assert!(envelope.request_id.is_some());
    let event = &envelope.payload;
    assert_eq!(event.authorized_app, APP);
    assert_eq!(event.keys.len(), 2);
    let mut sent: Vec<&str> = keys.iter().map(|k| k.key.as_str()).collect();
    sent.sort_unstable();
    assert_eq!(
        event
            .keys
            .iter()
            .map(|k| k.key.as_str())
            .collect::<Vec<_>>(),
        sent
    );
    assert_eq!(event.platform, schemas::publish::Platform::Android);
    assert_eq!(event.reply_to, h.state.outcomes().reply_to());
    assert_eq!(h.state.metrics().degraded.get(), 1);
    assert_eq!(
        h.state
            .metrics()
            .requests
            .with_label_values(&["OK", "NONE"])
            .get(),
        1
    );
    // The minted token opens for this app.
    let token = json["revisionToken"].as_str().unwrap();
    assert!(
        matches!(h.state.rules().tokens.open(APP, token), crate::revision_token::Opened::Valid(e) if e.len() == 2)
    );
}

#[tokio::test]
async fn outcome_answers_are_used_when_they_arrive() {
    let h = harness(SinkMode::AcceptWithOutcome(200), |_| {});
    let (body, _) = h.valid_body("confirmed");
    let reply = h.post("/v1/publish", "application/json", body).await;
    assert_handler_response(&reply, 200, "");
    assert_eq!(reply.json()["insertedExposures"], 7);
    assert!(
        reply.json().get("revisionToken").is_none(),
        "no token entries in this outcome"
    );
    assert_eq!(h.state.metrics().degraded.get(), 0);

    let h = harness(SinkMode::AcceptWithOutcome(400), |_| {});
    let (body, _) = h.valid_body("confirmed");
    let reply = h.post("/v1/publish", "application/json", body).await;
    assert_handler_response(&reply, 400, "invalid_revision_token");
    assert_eq!(reply.json()["error"], "revision token is invalid");
    assert_eq!(
        h.state
            .metrics()
            .requests
            .with_label_values(&["INVALID_REVISION_TOKEN", "CLIENT"])
            .get(),
        1
    );
}

#[tokio::test]
async fn broker_not_acknowledging_is_503() {
    let h = harness(SinkMode::Fail, |_| {});
    let (body, _) = h.valid_body("confirmed");
    let reply = h.post("/v1/publish", "application/json", body).await;
    assert_handler_response(&reply, 503, "internal_error");
    assert!(reply.json().get("revisionToken").is_none());
    assert_eq!(h.state.metrics().enqueue_failures.get(), 1);
}

#[tokio::test]
async fn request_timeout_is_503() {
    let h = harness(SinkMode::Hang, |s| {
        s.request_timeout = Duration::from_millis(100)
    });
    let (body, _) = h.valid_body("confirmed");
    let reply = h.post("/v1/publish", "application/json", body).await;
    assert_handler_response(&reply, 503, "internal_error");
    assert_eq!(h.state.metrics().timeouts.get(), 1);
}

#[tokio::test]
async fn concurrency_limit_sheds_load() {
    let h = harness(SinkMode::Hang, |s| {
        s.max_concurrent_requests = 1;
        s.request_timeout = Duration::from_millis(500);
    });
    let (body, _) = h.valid_body("confirmed");
    let router = h.router.clone();
    let first_body = body.clone();
    let first = tokio::spawn(async move {
        router
            .oneshot(
                Request::post("/v1/publish")
                    .header("content-type", "application/json")
                    .body(Body::from(first_body))
                    .unwrap(),
            )
            .await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let reply = h.post("/v1/publish", "application/json", body).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(h.state.metrics().overloaded.get(), 1);
    let first = first.await.unwrap().unwrap();
    assert_eq!(first.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn b1_chaff_before_traffic_b3_empty_header() {
    let h = harness(SinkMode::Accept, |_| {});
    let request = Request::post("/v1/publish")
        .header("x-chaff", "1")
        .body(Body::from("garbage"))
        .unwrap();
    let reply = h.send(request).await;
    assert_eq!(reply.status, StatusCode::OK);
    // Before any real traffic: padding from the real answers' distribution, the same headers.
    let padding = reply.json()["padding"].as_str().unwrap().len();
    assert!((20..=44).contains(&padding), "{padding}");
    assert_eq!(reply.api_version(), Some("v1"));
    assert_eq!(reply.headers["content-type"], "application/json");
    assert!(h.events().is_empty());
    assert_eq!(h.state.metrics().chaff.get(), 1);
    // An empty X-Chaff is a real request.
    let request = Request::post("/v1/publish")
        .header("x-chaff", "")
        .header("content-type", "application/json")
        .body(Body::from("garbage"))
        .unwrap();
    let reply = h.send(request).await;
    assert_handler_response(&reply, 400, "bad_request");
}

#[tokio::test]
async fn chaff_imitates_real_accepted_uploads() {
    let h = harness(SinkMode::Accept, |s| {
        s.padding = Padding {
            min_bytes: 1500,
            range: 1,
        }
    });
    // Refusals are not sampled: chaff imitates accepted uploads only.
    h.post(
        "/v1/publish",
        "application/json",
        r#"{"healthAuthorityID":"nope"}"#,
    )
    .await;
    assert!(h.state.chaff().is_empty());
    let (body, _) = h.valid_body("confirmed");
    let real = h.post("/v1/publish", "application/json", body).await;
    assert_eq!(real.status, StatusCode::OK);
    assert_eq!(h.state.chaff().len(), 1);
    let request = Request::post("/v1/publish")
        .header("x-chaff", "yes")
        .body(Body::from("{}"))
        .unwrap();
    let chaff = h.send(request).await;
    assert_eq!(chaff.status, StatusCode::OK);
    assert_eq!(chaff.body.len(), real.body.len(), "the drawn real length");
    let names = |headers: &http::HeaderMap| {
        let mut names: Vec<String> = headers.keys().map(|k| k.to_string()).collect();
        names.sort_unstable();
        names
    };
    assert_eq!(names(&chaff.headers), names(&real.headers));
    assert_eq!(chaff.api_version(), real.api_version());
    assert_eq!(chaff.json().as_object().unwrap().len(), 1);
    assert_eq!(h.events().len(), 1, "only the real upload was enqueued");
}

#[tokio::test]
async fn chaff_delay_is_capped() {
    let h = harness(SinkMode::Accept, |s| {
        s.chaff_max_latency = Duration::from_millis(30)
    });
    h.state.chaff().record(crate::chaff::Sample {
        latency: Duration::from_secs(10),
        body_bytes: 100,
        header_bytes: 0,
    });
    let started = std::time::Instant::now();
    let reply = h
        .send(
            Request::post("/v1/publish")
                .header("x-chaff", "1")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let elapsed = started.elapsed();
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        elapsed >= Duration::from_millis(30) && elapsed < Duration::from_secs(2),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn b5_maintenance_mode() {
    let h = harness(SinkMode::Accept, |s| s.maintenance_mode = true);
    let reply = h.post("/v1/publish", "application/json", "{}").await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(reply.body, br#"{"error": "please try again later"}"#);
    assert_eq!(
        reply.headers.get("content-type").unwrap(),
        "application/json"
    );
    assert_eq!(reply.api_version(), None);
    let reply = h
        .send(
            Request::post("/v1/publish")
                .header("x-chaff", "1")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    // Ops endpoints are not in maintenance.
    let reply = h
        .send(Request::get("/health").body(Body::empty()).unwrap())
        .await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn j1_v1alpha1() {
    let h = harness(SinkMode::Accept, |s| {
        s.enable_v1alpha1 = true;
        s.outcome_wait = Duration::ZERO;
    });
    let (body, _) = h.valid_body("confirmed");
    let mut json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let obj = json.as_object_mut().unwrap();
    let app = obj.remove("healthAuthorityID").unwrap();
    let hmac = obj.remove("hmacKey").unwrap();
    obj.insert("appPackageName".into(), app);
    obj.insert("hmackey".into(), hmac);
    obj.insert("regions".into(), serde_json::json!(["US"]));
    let reply = h.post("/", "application/json", json.to_string()).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.api_version(), Some("v1alpha"));
    let json = reply.json();
    assert_eq!(json["insertedExposures"], 2);
    assert_eq!(json["error"], "");
    assert!(json.get("code").is_none());
    assert!(json["revisionToken"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));
    assert!(json["padding"].as_str().is_some_and(|t| !t.is_empty()));
    // Errors come without a code.
    let reply = h
        .post("/", "application/json", r#"{"healthAuthorityID":"x"}"#)
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let json = reply.json();
    assert!(json.get("code").is_none());
    assert_eq!(
        json["error"],
        r#"error unmarshalling API call, code: 400: unknown field "healthAuthorityID""#
    );
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_hold_no_user_agent_keys_tokens_or_certificates() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let h = harness(SinkMode::Accept, |s| s.outcome_wait = Duration::ZERO);
    let (body, keys) = h.valid_body("confirmed");
    let reply = h
        .post("/v1/publish", "application/json", body.clone())
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let token = reply.json()["revisionToken"].as_str().unwrap().to_owned();
    // A failing certificate with debug logging on, and a JSON error with logging on.
    let bad = body.replace(
        "\"hmacKey\"",
        "\"verificationPayload\":\"x.y.z\",\"hmacKey\"",
    );
    h.post("/v1/publish", "application/json", bad).await;
    h.post("/v1/publish", "application/json", "{\"key\":").await;

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("Publish answered"), "{logs}");
    assert!(logs.contains("request_id"), "{logs}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let forbidden = [
        "Dalvik".to_owned(),
        json["verificationPayload"].as_str().unwrap().to_owned(),
        json["hmacKey"].as_str().unwrap().to_owned(),
        token,
    ];
    for needle in forbidden.iter().chain(keys.iter().map(|k| &k.key)) {
        assert!(!logs.contains(needle.as_str()), "log contains {needle}");
    }
    // The certificate's signature segment never appears either.
    let signature = json["verificationPayload"]
        .as_str()
        .unwrap()
        .rsplit('.')
        .next()
        .unwrap()
        .to_owned();
    assert!(!logs.contains(&signature));
}
