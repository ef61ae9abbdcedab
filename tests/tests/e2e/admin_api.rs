//! The admin API against the real Kafka: every change lands on `en.config` and is seen by an
//! independent reader within a second; a fresh reader rebuilds the same configuration from the
//! compacted topic.
//!
//! The API's refusals (auth, validation, unknown entities; nothing written) and the JWKS sync are
//! tested once, by the admin router tests (`admin/src/routes/tests/`) and the validation rules'
//! unit tests (`admin/src/validation/`).

use std::time::Duration;

use admin::Admin;
use config::{ConfigLog, ConfigSnapshot};
use harness::certs::SigningAuthority;
use harness::kafka::read_all;
use harness::{spawn, wait_for, wait_ready, Running, TestEnv};
use platform::ops::Ops;
use reqwest::{Method, StatusCode};
use schemas::config::ConfigEvent;
use schemas::topics::Topic;
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

const TOKEN: &str = "e2e-admin-token-0123456789abcdef";
const SEEN_WITHIN: Duration = Duration::from_secs(1);
/// An admin service running in-process, and a client for it.
struct AdminApi {
    running: Running,
    client: reqwest::Client,
}

impl AdminApi {
    async fn start(env: &TestEnv, extra: &[(&str, &str)]) -> Self {
        let mut vars = vec![("ADMIN_TOKEN", TOKEN), ("JWKS_SYNC_INTERVAL", "0")];
        vars.extend_from_slice(extra);
        let running = spawn::<Admin>(env, &vars).await;
        wait_ready(&running.ops_url()).await;
        Self {
            running,
            client: reqwest::Client::new(),
        }
    }

    async fn call_as(
        &self,
        token: Option<&str>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.running.url()));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        };
        (status, body)
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        self.call_as(Some(TOKEN), method, path, body).await
    }

    async fn stop(self) {
        self.running.stop().await.unwrap();
    }
}

/// A configuration reader of its own, as another service (or a restarted one) would run.
struct Reader {
    log: ConfigLog,
    shutdown: CancellationToken,
}

impl Reader {
    async fn start(env: &TestEnv) -> Self {
        let shutdown = CancellationToken::new();
        let (log, _task) =
            ConfigLog::start(&env.kafka, &Ops::new("reader").registry, shutdown.clone()).unwrap();
        assert!(
            log.wait_caught_up(Duration::from_secs(20)).await,
            "reader caught up"
        );
        Self { log, shutdown }
    }

    /// Waits (at most [`SEEN_WITHIN`]) until the snapshot satisfies `check`.
    async fn sees(&self, what: &str, check: impl Fn(&ConfigSnapshot) -> bool) {
        wait_for(SEEN_WITHIN, what, || {
            let snapshot = self.log.snapshot();
            let seen = check(&snapshot).then_some(());
            async move { seen }
        })
        .await;
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

#[tokio::test]
async fn changes_reach_an_independent_reader_within_a_second_and_survive_restarts() {
    let env = TestEnv::new().await;
    let api = AdminApi::start(&env, &[]).await;
    let reader = Reader::start(&env).await;
    let signing = SigningAuthority::generate("v1");

    // Create and update a health authority.
    let (status, body) = api
        .call(
            Method::POST,
            "/admin/v1/health-authorities",
            Some(json!({"issuer": "gov.example.iss", "audience": "gov.example.aud", "name": "Example"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["id"], 1);
    reader
        .sees("health authority 1", |s| {
            s.health_authority(1).is_some_and(|ha| ha.name == "Example")
        })
        .await;
    let (status, _) = api
        .call(
            Method::PUT,
            "/admin/v1/health-authorities/1",
            Some(json!({"issuer": "gov.example.iss", "audience": "gov.example.aud", "name": "Renamed", "enableStats": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    reader
        .sees("the renamed health authority", |s| {
            s.health_authority(1)
                .is_some_and(|ha| ha.name == "Renamed" && !ha.enable_stats)
        })
        .await;

    // Add and revoke a key.
    let (status, body) = api
        .call(
            Method::POST,
            "/admin/v1/health-authorities/1/keys",
            Some(json!({"version": "v1", "publicKeyPem": signing.public_key_pem})),
        )
        .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::CREATED, Some("current")),
        "{body}"
    );
    reader
        .sees("key v1", |s| {
            s.key(1, "v1").is_some_and(|k| k.thru.is_none())
        })
        .await;
    let (status, body) = api
        .call(
            Method::POST,
            "/admin/v1/health-authorities/1/keys/v1/revoke",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    reader
        .sees("key v1 revoked", |s| {
            s.key(1, "v1").is_some_and(|k| k.thru.is_some())
        })
        .await;

    // Create, update and delete authorized apps (one stays).
    for name in ["Com.Example.App", "com.example.gone"] {
        let (status, body) = api
            .call(
                Method::POST,
                "/admin/v1/authorized-apps",
                Some(json!({"healthAuthorityID": name, "regions": ["US"], "allowedHealthAuthorityIDs": [1]})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    reader
        .sees("both apps", |s| {
            s.app("com.example.app").is_some() && s.app("com.example.gone").is_some()
        })
        .await;
    let (status, _) = api
        .call(
            Method::PUT,
            "/admin/v1/authorized-apps/com.example.app",
            Some(json!({"regions": ["US", "CA"], "allowedHealthAuthorityIDs": [1], "bypassRevisionToken": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    reader
        .sees("the updated app", |s| {
            s.app("com.example.app")
                .is_some_and(|a| a.regions == ["US", "CA"] && a.bypass_revision_token)
        })
        .await;
    let (status, _) = api
        .call(
            Method::DELETE,
            "/admin/v1/authorized-apps/com.example.gone",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    reader
        .sees("the deleted app gone", |s| {
            s.app("com.example.gone").is_none()
        })
        .await;

    // A fresh reader (a restarted process) rebuilds the same configuration from the topic.
    let fresh = Reader::start(&env).await;
    assert_eq!(*fresh.log.snapshot(), *reader.log.snapshot());

    // The audit trail holds the same events, newest first.
    let (status, audit) = api.call(Method::GET, "/admin/v1/audit?limit=2", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(audit.as_array().map(Vec::len), Some(2), "{audit}");
    assert_eq!(
        audit[0]["payload"]["change"]["kind"],
        "authorizedAppDeleted"
    );
    assert_eq!(audit[0]["payload"]["actor"], "admin-token");
    let config_events = read_all::<ConfigEvent>(&env, Topic::Config);
    let audit_events = read_all::<ConfigEvent>(&env, Topic::ConfigAudit);
    assert_eq!(config_events.len(), 8);
    assert_eq!(
        config_events.iter().map(|e| e.event_id).collect::<Vec<_>>(),
        audit_events.iter().map(|e| e.event_id).collect::<Vec<_>>()
    );

    // A restarted admin serves the same state and continues the id sequence.
    api.stop().await;
    let api = AdminApi::start(&env, &[]).await;
    let (_, apps) = api
        .call(Method::GET, "/admin/v1/authorized-apps", None)
        .await;
    assert_eq!(apps.as_array().map(Vec::len), Some(1), "{apps}");
    let (status, body) = api
        .call(
            Method::POST,
            "/admin/v1/health-authorities",
            Some(json!({"issuer": "second", "audience": "a", "name": "Second"})),
        )
        .await;
    assert_eq!(
        (status, body["id"].as_i64()),
        (StatusCode::CREATED, Some(2)),
        "{body}"
    );
    api.stop().await;
}
