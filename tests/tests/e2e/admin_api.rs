//! The admin API against the real Kafka: every change lands on `en.config` and is seen by an
//! independent reader within a second; a fresh reader rebuilds the same configuration from the
//! compacted topic; every auth and validation failure is refused and writes nothing; the JWKS
//! sync follows a JWKS document served by the test.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use admin::jwks::document::jwk_json;
use admin::Admin;
use config::{ConfigLog, ConfigSnapshot};
use harness::certs::SigningAuthority;
use harness::kafka::read_all;
use harness::{spawn, wait_for, wait_ready, Running, TestEnv};
use p256::pkcs8::DecodePublicKey as _;
use platform::ops::Ops;
use reqwest::{Method, StatusCode};
use schemas::config::{ConfigChange, ConfigEvent};
use schemas::topics::Topic;
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

const TOKEN: &str = "e2e-admin-token-0123456789abcdef";
const SEEN_WITHIN: Duration = Duration::from_secs(1);
const RSA_PEM: &str = "-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCfjh4gwxwy1DCr4iNLnWEv1ATN
ZOU8aRWUM10W5tRxT0y1ipCg3gtDP3dIa+NdYlpq6+yoNthK36FQDtrSHsPAcQbv
akSrvt2jCC0tQx+aeNrcOrgiUXUyr9S8zXDwROo8Uf4JczMcElJdVL7yhP62UYyA
2orl5MSHOmy9oGS9+QIDAQAB
-----END PUBLIC KEY-----";

/// A refused request: name, method, path, body, expected status and error field.
type Case<'a> = (
    &'a str,
    Method,
    String,
    Option<Value>,
    StatusCode,
    Option<&'a str>,
);

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

#[tokio::test]
async fn auth_and_validation_failures_are_refused_and_write_nothing() {
    let env = TestEnv::new().await;
    let api = AdminApi::start(&env, &[]).await;
    let signing = SigningAuthority::generate("v1");
    let (status, _) = api
        .call(
            Method::POST,
            "/admin/v1/health-authorities",
            Some(json!({"issuer": "iss", "audience": "aud", "name": "Authority"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = api
        .call(
            Method::POST,
            "/admin/v1/authorized-apps",
            Some(json!({"healthAuthorityID": "app", "regions": ["US"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let events_before = read_all::<ConfigEvent>(&env, Topic::Config).len();

    let ha_body = json!({"issuer": "new", "audience": "aud", "name": "n"});
    let (status, body) = api
        .call_as(
            None,
            Method::POST,
            "/admin/v1/health-authorities",
            Some(ha_body.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "missing token: {body}");
    assert!(body["error"].is_string());
    let (status, body) = api
        .call_as(
            Some("not-the-admin-token-000000"),
            Method::POST,
            "/admin/v1/health-authorities",
            Some(ha_body),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid admin token"))
    );
    let (status, _) = api
        .call_as(
            Some("not-the-admin-token-000000"),
            Method::GET,
            "/admin/v1/authorized-apps",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let keys = "/admin/v1/health-authorities/1/keys";
    let cases: Vec<Case<'_>> = vec![
        (
            "bad PEM",
            Method::POST,
            keys.into(),
            Some(json!({"version": "v2", "publicKeyPem": "not a key"})),
            StatusCode::BAD_REQUEST,
            Some("publicKeyPem"),
        ),
        (
            "RSA key",
            Method::POST,
            keys.into(),
            Some(json!({"version": "v2", "publicKeyPem": RSA_PEM})),
            StatusCode::BAD_REQUEST,
            Some("publicKeyPem"),
        ),
        (
            "empty version",
            Method::POST,
            keys.into(),
            Some(json!({"version": " ", "publicKeyPem": signing.public_key_pem})),
            StatusCode::BAD_REQUEST,
            Some("version"),
        ),
        (
            "bad from",
            Method::POST,
            keys.into(),
            Some(json!({"version": "v2", "publicKeyPem": signing.public_key_pem, "from": "soon"})),
            StatusCode::BAD_REQUEST,
            Some("from"),
        ),
        (
            "empty regions",
            Method::POST,
            "/admin/v1/authorized-apps".into(),
            Some(json!({"healthAuthorityID": "other", "regions": []})),
            StatusCode::BAD_REQUEST,
            Some("regions"),
        ),
        (
            "blank regions",
            Method::POST,
            "/admin/v1/authorized-apps".into(),
            Some(json!({"healthAuthorityID": "other", "regions": ["  "]})),
            StatusCode::BAD_REQUEST,
            Some("regions"),
        ),
        (
            "empty app id",
            Method::POST,
            "/admin/v1/authorized-apps".into(),
            Some(json!({"healthAuthorityID": "", "regions": ["US"]})),
            StatusCode::BAD_REQUEST,
            Some("healthAuthorityID"),
        ),
        (
            "unknown allowed authority",
            Method::POST,
            "/admin/v1/authorized-apps".into(),
            Some(
                json!({"healthAuthorityID": "other", "regions": ["US"], "allowedHealthAuthorityIDs": [99]}),
            ),
            StatusCode::BAD_REQUEST,
            Some("allowedHealthAuthorityIDs"),
        ),
        (
            "empty issuer",
            Method::POST,
            "/admin/v1/health-authorities".into(),
            Some(json!({"issuer": "", "audience": "a", "name": "n"})),
            StatusCode::BAD_REQUEST,
            Some("issuer"),
        ),
        (
            "duplicate issuer",
            Method::POST,
            "/admin/v1/health-authorities".into(),
            Some(json!({"issuer": "iss", "audience": "a", "name": "n"})),
            StatusCode::CONFLICT,
            Some("issuer"),
        ),
        (
            "duplicate app",
            Method::POST,
            "/admin/v1/authorized-apps".into(),
            Some(json!({"healthAuthorityID": "APP", "regions": ["US"]})),
            StatusCode::CONFLICT,
            Some("healthAuthorityID"),
        ),
        (
            "unknown authority",
            Method::GET,
            "/admin/v1/health-authorities/99".into(),
            None,
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            "unknown authority update",
            Method::PUT,
            "/admin/v1/health-authorities/99".into(),
            Some(json!({"issuer": "x", "audience": "a", "name": "n"})),
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            "key of unknown authority",
            Method::POST,
            "/admin/v1/health-authorities/99/keys".into(),
            Some(json!({"version": "v1", "publicKeyPem": signing.public_key_pem})),
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            "unknown key",
            Method::POST,
            format!("{keys}/nope/revoke"),
            None,
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            "unknown app",
            Method::GET,
            "/admin/v1/authorized-apps/nope".into(),
            None,
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            "unknown app update",
            Method::PUT,
            "/admin/v1/authorized-apps/nope".into(),
            Some(json!({"regions": ["US"]})),
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            "unknown app delete",
            Method::DELETE,
            "/admin/v1/authorized-apps/nope".into(),
            None,
            StatusCode::NOT_FOUND,
            None,
        ),
    ];
    for (name, method, path, body, expected_status, expected_field) in cases {
        let (status, answer) = api.call(method, &path, body).await;
        assert_eq!(status, expected_status, "{name}: {answer}");
        assert!(answer["error"].is_string(), "{name}: {answer}");
        assert_eq!(answer["field"].as_str(), expected_field, "{name}: {answer}");
    }
    let (_, answer) = api
        .call(
            Method::POST,
            keys,
            Some(json!({"version": "v2", "publicKeyPem": RSA_PEM})),
        )
        .await;
    assert!(
        answer["error"].as_str().unwrap().contains("RSA"),
        "{answer}"
    );

    assert_eq!(
        read_all::<ConfigEvent>(&env, Topic::Config).len(),
        events_before
    );
    api.stop().await;
}

/// Serves the JSON in `document` at `/jwks` on a free loopback port.
async fn jwks_server(document: Arc<Mutex<Value>>) -> String {
    let app = axum::Router::new().route(
        "/jwks",
        axum::routing::get(move || {
            let document = document.clone();
            async move { axum::Json(document.lock().unwrap().clone()) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/jwks")
}

fn jwk(authority: &SigningAuthority) -> Value {
    let key = p256::PublicKey::from_public_key_pem(&authority.public_key_pem).unwrap();
    jwk_json(&authority.key_version, &key)
}

#[tokio::test]
async fn jwks_sync_adds_published_keys_and_revokes_vanished_ones() {
    let env = TestEnv::new().await;
    let first = SigningAuthority::generate("k1");
    let second = SigningAuthority::generate("k2");
    let document = Arc::new(Mutex::new(json!([jwk(&first)])));
    let uri = jwks_server(document.clone()).await;
    let api = AdminApi::start(
        &env,
        &[
            ("JWKS_SYNC_INTERVAL", "200ms"),
            ("JWKS_REQUEST_TIMEOUT", "2s"),
            ("HEALTH_AUTHORITY_KEY_CLEANUP_TTL", "1s"),
        ],
    )
    .await;
    let reader = Reader::start(&env).await;

    let (status, body) = api
        .call(
            Method::POST,
            "/admin/v1/health-authorities",
            Some(json!({"issuer": "jwks.iss", "audience": "aud", "name": "JWKS", "jwksUri": uri})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // The periodic sync picks up the published key.
    wait_for(Duration::from_secs(10), "key k1 from the JWKS", || {
        let found = reader.log.snapshot().key(1, "k1").cloned();
        async move { found }
    })
    .await;

    // Rotation: k1 is withdrawn and k2 published; k1 is revoked, and deleted once it has been
    // revoked longer than the cleanup TTL (1 s here).
    *document.lock().unwrap() = json!([jwk(&second)]);
    wait_for(Duration::from_secs(10), "k2 added and k1 deleted", || {
        let snapshot = reader.log.snapshot();
        let done = snapshot.key(1, "k1").is_none()
            && snapshot.key(1, "k2").is_some_and(|k| k.thru.is_none());
        async move { done.then_some(()) }
    })
    .await;
    let stored = reader.log.snapshot().key(1, "k2").cloned().unwrap();
    let stored_key = p256::PublicKey::from_public_key_pem(&stored.public_key_pem).unwrap();
    assert_eq!(
        stored_key,
        p256::PublicKey::from_public_key_pem(&second.public_key_pem).unwrap()
    );

    // The trigger route runs a sync on demand; nothing is left to change.
    let (status, report) = api.call(Method::POST, "/admin/v1/jwks-sync", None).await;
    assert_eq!(
        (status, report["ok"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{report}"
    );
    assert_eq!(report["healthAuthorities"][0]["added"], json!([]));

    let sync_changes: Vec<ConfigChange> = read_all::<ConfigEvent>(&env, Topic::Config)
        .into_iter()
        .filter(|e| e.payload.actor == "jwks-sync")
        .map(|e| e.payload.change)
        .collect();
    let summary: Vec<String> = sync_changes
        .iter()
        .map(|change| match change {
            ConfigChange::HealthAuthorityKeySaved { entity } if entity.thru.is_some() => {
                format!("revoked {}", entity.version)
            }
            ConfigChange::HealthAuthorityKeySaved { entity } => format!("added {}", entity.version),
            ConfigChange::HealthAuthorityKeyDeleted { version, .. } => format!("deleted {version}"),
            other => format!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        summary,
        ["added k1", "revoked k1", "added k2", "deleted k1"]
    );
    api.stop().await;
}
