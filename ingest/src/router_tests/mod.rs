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
use crate::kit::{self as testkit, Signer, APP};
use crate::metrics::Metrics;
use crate::outcome::OutcomeRouter;
use crate::publish::EdgeRules;
use crate::revision_token::{KeyRing, TokenCodec};
use crate::settings::HttpSettings;
use crate::state::{StateParts, StaticConfig};

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
        body_deadline: crate::body_read::BodyDeadline::default(),
        ops_listen_addr: "127.0.0.1:0".into(),
        limits: platform::http_server::HttpLimits::default(),
    }
}

fn harness(mode: SinkMode, edit: impl FnOnce(&mut HttpSettings)) -> Harness {
    let mut settings = http_settings();
    edit(&mut settings);
    let (signer, _, now, config) = testkit::generated_fixture();
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

    /// A publish request with header `X-Chaff: value` and `body`.
    async fn chaff(&self, value: &str, body: Body) -> Reply {
        let request = Request::post("/v1/publish")
            .header("x-chaff", value)
            .body(body)
            .unwrap();
        self.send(request).await
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
        let cert = self
            .signer
            .certificate(&keys, secret, report_type, self.now);
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

mod chaff;
mod enqueue;
mod transport;
mod v1alpha1_and_logs;
