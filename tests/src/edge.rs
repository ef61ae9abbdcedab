//! The one client of the publish edge: raw requests and typed bodies against a running `ingest`,
//! its answers with the checks every handler answer must pass, a device with its HMAC secret,
//! and what reached `en.publish.received`.

use std::time::Duration;

use base64::Engine as _;
use schemas::api::ExposureKey;
use schemas::publish::PublishReceived;
use schemas::topics::Topic;
use schemas::Envelope;
use serde_json::{json, Value};

use crate::certs::{CertClaims, SigningAuthority};
use crate::keys::hmac_secret;
use crate::{spawn, wait_for, wait_ready, Running, TestEnv};

/// The fixture's app.
pub const APP: &str = testkit::APP;

/// Starts ingest on the test's topics (a fresh revision-token key ring, outcomes awaited for
/// 300 ms, topics not created) and waits until it is ready; `extra` adds or overrides settings.
pub async fn start_ingest(env: &TestEnv, extra: &[(&str, &str)]) -> Running {
    let keys = crate::stack::revision_token_keys();
    let mut vars = vec![
        ("REVISION_TOKEN_KEYS", keys.as_str()),
        ("PUBLISH_OUTCOME_WAIT", "300ms"),
        ("KAFKA_CREATE_TOPICS", "false"),
    ];
    vars.extend_from_slice(extra);
    let running = spawn::<ingest::Ingest>(env, &vars).await;
    wait_ready(&running.ops_url()).await;
    running
}

/// An answer of the edge.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as JSON (panics with the body when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    /// The `error` text of the body.
    pub fn error(&self) -> String {
        self.json()["error"].as_str().unwrap_or_default().to_owned()
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Checks the status, the `code`, the padding, `x-api-version: v1` and the content type of
    /// a v1 handler answer; returns the body.
    #[track_caller]
    pub fn expect(&self, status: u16, code: Option<&str>) -> Value {
        let json = self.json();
        assert_eq!(self.status, status, "{json}");
        assert_eq!(json["code"].as_str(), code, "{json}");
        assert!(
            json["padding"].as_str().is_some_and(|p| !p.is_empty()),
            "padding missing: {json}"
        );
        assert_eq!(self.header("x-api-version"), Some("v1"));
        assert_eq!(self.header("content-type"), Some("application/json"));
        json
    }
}

/// A client of one running `ingest` (public and ops listener).
#[derive(Debug, Clone)]
pub struct Client {
    pub url: String,
    pub ops_url: String,
    pub http: reqwest::Client,
}

impl Client {
    /// A client of `running`.
    pub fn new(running: &Running) -> Self {
        Self {
            url: running.url(),
            ops_url: running.ops_url(),
            http: reqwest::Client::new(),
        }
    }

    /// `POST <path>` with the given content type, extra headers and body.
    pub async fn send(
        &self,
        path: &str,
        content_type: Option<&str>,
        headers: &[(&str, &str)],
        body: impl Into<reqwest::Body>,
    ) -> Reply {
        let mut request = self.http.post(format!("{}{path}", self.url)).body(body);
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("request");
        Reply {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.bytes().await.expect("body").to_vec(),
        }
    }

    /// `POST /v1/publish` with `body` as JSON.
    pub async fn publish(&self, body: &Value) -> Reply {
        self.send(
            "/v1/publish",
            Some("application/json"),
            &[],
            body.to_string(),
        )
        .await
    }

    /// The sum of the samples of metric `name` on the ops listener.
    pub async fn metric(&self, name: &str) -> f64 {
        metric(&self.ops_url, name, "").await
    }
}

/// The sum of the samples of metric `name` whose line contains `label` (`""`: every sample),
/// scraped from `<ops_url>/metrics`.
pub async fn metric(ops_url: &str, name: &str, label: &str) -> f64 {
    let text = reqwest::get(format!("{ops_url}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|l| l.starts_with(name) && !l.starts_with('#') && l.contains(label))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// A device: its HMAC secret, and certificates from the fixture's first health authority.
#[derive(Debug)]
pub struct Device {
    pub secret: Vec<u8>,
    pub hmac_key: String,
}

impl Default for Device {
    fn default() -> Self {
        Self::new()
    }
}

impl Device {
    /// A device with a fresh secret.
    pub fn new() -> Self {
        let (secret, hmac_key) = hmac_secret();
        Self { secret, hmac_key }
    }

    /// Valid claims of `iss1`/`aud1` for `keys`.
    pub fn claims(&self, report_type: &str, keys: &[ExposureKey]) -> CertClaims {
        CertClaims::for_keys("iss1", "aud1", report_type, keys, &self.secret)
    }

    /// A valid certificate for `keys`, signed by `authority`.
    pub fn cert(
        &self,
        authority: &SigningAuthority,
        report_type: &str,
        keys: &[ExposureKey],
    ) -> String {
        authority.sign(&self.claims(report_type, keys))
    }

    /// A v1 body of the fixture's app with a valid certificate.
    pub fn body(
        &self,
        authority: &SigningAuthority,
        report_type: &str,
        keys: &[ExposureKey],
    ) -> Value {
        self.body_for(APP, authority, report_type, keys)
    }

    /// A v1 body of `app` with a valid certificate.
    pub fn body_for(
        &self,
        app: &str,
        authority: &SigningAuthority,
        report_type: &str,
        keys: &[ExposureKey],
    ) -> Value {
        body(
            app,
            keys,
            &self.cert(authority, report_type, keys),
            &self.hmac_key,
        )
    }
}

/// A v1 publish body.
pub fn body(app: &str, keys: &[ExposureKey], cert: &str, hmac_key: &str) -> Value {
    json!({
        "temporaryExposureKeys": keys,
        "healthAuthorityID": app,
        "verificationPayload": cert,
        "hmacKey": hmac_key,
        "padding": base64::engine::general_purpose::STANDARD.encode([0u8; 100]),
    })
}

/// Every `PublishReceived` on the test's topic.
pub async fn received_events(env: &TestEnv) -> Vec<Envelope<PublishReceived>> {
    let env = env.clone();
    tokio::task::spawn_blocking(move || {
        crate::kafka::read_all::<PublishReceived>(&env, Topic::PublishReceived)
    })
    .await
    .unwrap()
}

/// Waits until `n` events are on the received topic and returns them.
pub async fn wait_events(env: &TestEnv, n: usize) -> Vec<Envelope<PublishReceived>> {
    wait_for(
        Duration::from_secs(20),
        &format!("{n} PublishReceived events"),
        || async {
            let events = received_events(env).await;
            (events.len() >= n).then_some(events)
        },
    )
    .await
}
