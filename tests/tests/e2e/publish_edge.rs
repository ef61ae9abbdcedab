//! The publish edge (`ingest`) against the real Kafka: conformance groups A–E, G and J as they
//! concern the edge (adapted to design §7: whole-batch rejection by default, seed defaults,
//! app-bound revision tokens), what reaches `en.publish.received` (and what never does), broker
//! failures, degraded mode, the outcome round trip with the real processor and projector, and
//! the privacy of the logs.

use std::time::Duration;

use base64::Engine as _;
use harness::certs::{tekmac, CertClaims, SigningAuthority};
use harness::config::{seed_app, seed_fixture, seed_health_authority, write};
use harness::keys::{hmac_secret, interval_of, k, today_midnight};
use harness::store::{count, exposures_in_store};
use harness::{spawn, wait_for, wait_ready, Running, TestEnv};
use hmac::Mac as _;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use schemas::api::ExposureKey;
use schemas::config::{ConfigChange, HealthAuthorityKey};
use schemas::publish::{Platform, PublishReceived, RevisionTokenState};
use schemas::topics::Topic;
use schemas::Envelope;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const APP: &str = "com.example.app";
/// An app that bypasses certificate verification.
const BYPASS_APP: &str = "com.example.bypass";
/// An app without regions.
const NO_REGION_APP: &str = "com.example.noregion";

// ---------------------------------------------------------------------------------------------
// Helpers

/// A fresh revision-token key ring (one key).
fn token_keys() -> String {
    let key: [u8; 32] = rand::random();
    let key2: [u8; 32] = rand::random();
    format!(
        "e2e:{}",
        base64::engine::general_purpose::STANDARD.encode([key, key2].concat())
    )
}

/// Starts ingest on the test's topics and waits until it is ready.
async fn start_ingest(env: &TestEnv, extra: &[(&str, &str)]) -> Running {
    let keys = token_keys();
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

/// The fixture plus a bypass app and an app without regions.
async fn seed(env: &TestEnv) -> SigningAuthority {
    let authority = seed_fixture(env).await;
    seed_app(env, BYPASS_APP, &["US"], &[1], true, false).await;
    seed_app(env, NO_REGION_APP, &[], &[1], false, false).await;
    authority
}

struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
    fn error(&self) -> String {
        self.json()["error"].as_str().unwrap_or_default().to_owned()
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// Status, `code`, padding and `x-api-version` of a v1 handler response.
    #[track_caller]
    fn expect(&self, status: u16, code: Option<&str>) -> Value {
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

struct Client {
    url: String,
    ops_url: String,
    http: reqwest::Client,
}

impl Client {
    fn new(running: &Running) -> Self {
        Self {
            url: running.url(),
            ops_url: running.ops_url(),
            http: reqwest::Client::new(),
        }
    }

    async fn send(
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

    async fn publish(&self, body: &Value) -> Reply {
        self.send(
            "/v1/publish",
            Some("application/json"),
            &[],
            body.to_string(),
        )
        .await
    }

    async fn metric(&self, name: &str) -> f64 {
        let text = self
            .http
            .get(format!("{}/metrics", self.ops_url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .filter(|l| l.starts_with(name) && !l.starts_with('#'))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }
}

/// A device: its HMAC secret, and certificates from the fixture's authority.
struct Device {
    secret: Vec<u8>,
    hmac_key: String,
}

impl Device {
    fn new() -> Self {
        let (secret, hmac_key) = hmac_secret();
        Self { secret, hmac_key }
    }

    fn claims(&self, report_type: &str, keys: &[ExposureKey]) -> CertClaims {
        CertClaims::for_keys("iss1", "aud1", report_type, keys, &self.secret)
    }

    fn cert(
        &self,
        authority: &SigningAuthority,
        report_type: &str,
        keys: &[ExposureKey],
    ) -> String {
        authority.sign(&self.claims(report_type, keys))
    }

    /// A v1 body with a valid certificate.
    fn body(&self, authority: &SigningAuthority, report_type: &str, keys: &[ExposureKey]) -> Value {
        body(
            APP,
            keys,
            &self.cert(authority, report_type, keys),
            &self.hmac_key,
        )
    }
}

fn body(app: &str, keys: &[ExposureKey], cert: &str, hmac_key: &str) -> Value {
    json!({
        "temporaryExposureKeys": keys,
        "healthAuthorityID": app,
        "verificationPayload": cert,
        "hmacKey": hmac_key,
        "padding": base64::engine::general_purpose::STANDARD.encode([0u8; 100]),
    })
}

/// Every `PublishReceived` on the test's topic.
async fn received_events(env: &TestEnv) -> Vec<Envelope<PublishReceived>> {
    let env = env.clone();
    tokio::task::spawn_blocking(move || {
        harness::kafka::read_all::<PublishReceived>(&env, Topic::PublishReceived)
    })
    .await
    .unwrap()
}

/// Waits until `n` events are on the received topic and returns them.
async fn wait_events(env: &TestEnv, n: usize) -> Vec<Envelope<PublishReceived>> {
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

/// Waits until the current interval has at least `seconds` left, so boundary-sensitive checks
/// compute the same interval numbers as the server.
async fn away_from_interval_boundary(seconds: i64) {
    let into = chrono::Utc::now().timestamp().rem_euclid(600);
    if 600 - into < seconds {
        tokio::time::sleep(Duration::from_secs(u64::try_from(600 - into + 1).unwrap())).await;
    }
}

// ---------------------------------------------------------------------------------------------
// A. Transport / JSON

#[tokio::test]
async fn a_transport_and_json() {
    let env = TestEnv::new().await;
    seed(&env).await;
    let ingest = start_ingest(&env, &[]).await;
    let c = Client::new(&ingest);

    // A1, A3: Content-Type.
    for ct in [
        Some("application/pdf"),
        Some("Application/JSON"),
        Some("application/jso"),
        None,
    ] {
        let r = c.send("/v1/publish", ct, &[], "{}").await;
        r.expect(415, Some("bad_request"));
        assert_eq!(
            r.error(),
            "error unmarshalling API call, code: 415: content-type is not application/json"
        );
    }
    // A5.
    let r = c
        .send(
            "/v1/publish",
            Some("application/json"),
            &[],
            "totally not json",
        )
        .await;
    r.expect(400, Some("bad_request"));
    assert_eq!(
        r.error(),
        "error unmarshalling API call, code: 400: malformed json at position 2"
    );
    // A7.
    let r = c
        .send(
            "/v1/publish",
            Some("application/json"),
            &[],
            r#"{"padding":"a"} {"padding":"b"}"#,
        )
        .await;
    r.expect(400, Some("bad_request"));
    assert_eq!(
        r.error(),
        "error unmarshalling API call, code: 400: body must contain only one JSON object"
    );
    // A9: 64,010 bytes.
    let big = format!(r#"{{"padding":"{}"}}"#, "A".repeat(64_010 - 14));
    let r = c
        .send("/v1/publish", Some("application/json"), &[], big)
        .await;
    r.expect(413, Some("bad_request"));
    assert_eq!(
        r.error(),
        "error unmarshalling API call, code: 413: http: request body too large"
    );
    // A11: an integer field given a float.
    let r = c
        .send(
            "/v1/publish",
            Some("application/json"),
            &[],
            r#"{"temporaryExposureKeys":[{"rollingStartNumber": 2.0}]}"#,
        )
        .await;
    r.expect(400, Some("bad_request"));
    assert_eq!(
        r.error(),
        r#"error unmarshalling API call, code: 400: invalid value "temporaryExposureKeys.rollingStartNumber" at position 52"#
    );
    // Other JSON rules: unknown (v1alpha1) fields, truncation, empty body, case-insensitive names.
    let r = c
        .send(
            "/v1/publish",
            Some("application/json; charset=utf-8"),
            &[],
            r#"{"regions":["US"]}"#,
        )
        .await;
    assert_eq!(
        r.error(),
        r#"error unmarshalling API call, code: 400: unknown field "regions""#
    );
    let r = c
        .send(
            "/v1/publish",
            Some("application/json"),
            &[],
            r#"{"healthAuthorityID":"#,
        )
        .await;
    assert_eq!(
        r.error(),
        "error unmarshalling API call, code: 400: malformed json"
    );
    let r = c
        .send("/v1/publish", Some("application/json"), &[], "")
        .await;
    assert_eq!(
        r.error(),
        "error unmarshalling API call, code: 400: body must not be empty"
    );
    let r = c
        .send(
            "/v1/publish",
            Some("application/json"),
            &[],
            r#"{"HEALTHAUTHORITYID":"com.example.nope"}"#,
        )
        .await;
    r.expect(401, Some("unknown_health_authority_id"));
    // A13 and the other 404s.
    for path in ["/", "/v1/publish/", "/v1/nothing"] {
        let r = c.send(path, Some("application/json"), &[], "{}").await;
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.header("x-api-version"), None);
    }
    assert!(
        received_events(&env).await.is_empty(),
        "nothing invalid reaches Kafka"
    );
}

// ---------------------------------------------------------------------------------------------
// B. Chaff / maintenance

#[tokio::test]
async fn b_chaff_never_reaches_kafka() {
    let env = TestEnv::new().await;
    let authority = seed(&env).await;
    let ingest = start_ingest(&env, &[]).await;
    let c = Client::new(&ingest);

    // B1: before any real traffic, 200 with padding from the real answers' distribution and
    // the headers of a real answer (issue 12: chaff must look like an accepted upload).
    let r = c
        .send("/v1/publish", None, &[("X-Chaff", "1")], "garbage")
        .await;
    assert_eq!(r.status, 200);
    assert!(r.json()["padding"].as_str().is_some_and(|p| !p.is_empty()));
    assert_eq!(r.header("x-api-version"), Some("v1"));

    // B3: an empty X-Chaff header is a real request.
    let r = c
        .send(
            "/v1/publish",
            Some("application/json"),
            &[("X-Chaff", "")],
            "garbage",
        )
        .await;
    r.expect(400, Some("bad_request"));

    // After real traffic, chaff imitates the size of real answers.
    let device = Device::new();
    let keys = vec![k(1), k(2)];
    let real = c
        .publish(&device.body(&authority, "confirmed", &keys))
        .await;
    real.expect(200, None);
    let chaff = c
        .send(
            "/v1/publish",
            Some("application/json"),
            &[("X-Chaff", "yes")],
            device.body(&authority, "confirmed", &keys).to_string(),
        )
        .await;
    assert_eq!(chaff.status, 200);
    let padding = chaff.json()["padding"].as_str().unwrap().to_owned();
    assert!(base64::engine::general_purpose::STANDARD
        .decode(&padding)
        .is_ok());
    let (real_len, chaff_len) = (real.body.len() as i64, chaff.body.len() as i64);
    assert!(
        (real_len - chaff_len).abs() < real_len / 2,
        "real {real_len} vs chaff {chaff_len}"
    );

    // Exactly the one real publish is on the topic; the chaff (even with a valid body) is not.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let events = received_events(&env).await;
    assert_eq!(events.len(), 1);
    assert_eq!(c.metric("keyserver_publish_chaff_total").await, 2.0);
}

#[tokio::test]
async fn b5_maintenance_mode() {
    let env = TestEnv::new().await;
    seed(&env).await;
    let ingest = start_ingest(&env, &[("MAINTENANCE_MODE", "true")]).await;
    let c = Client::new(&ingest);
    let r = c
        .send("/v1/publish", Some("application/json"), &[], "{}")
        .await;
    assert_eq!(r.status, 429);
    assert_eq!(r.body, br#"{"error": "please try again later"}"#);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("x-api-version"), None);
    // Chaff is answered before maintenance.
    let r = c.send("/v1/publish", None, &[("X-Chaff", "1")], "").await;
    assert_eq!(r.status, 200);
}

// ---------------------------------------------------------------------------------------------
// C. Authorized app and regions

#[tokio::test]
async fn c_apps_and_regions() {
    let env = TestEnv::new().await;
    let authority = seed(&env).await;
    seed_app(&env, "com.example.lower", &["us"], &[1], false, false).await;
    let ingest = start_ingest(&env, &[]).await;
    let c = Client::new(&ingest);
    let device = Device::new();
    let keys = vec![k(1)];

    // C1.
    let mut b = device.body(&authority, "confirmed", &keys);
    b["healthAuthorityID"] = json!("com.example.appWRONG");
    let r = c.publish(&b).await;
    r.expect(401, Some("unknown_health_authority_id"));
    assert!(r.error().contains("unauthorized health authority"));

    // The lookup is case-insensitive.
    b["healthAuthorityID"] = json!("COM.EXAMPLE.APP");
    c.publish(&b).await.expect(200, None);

    // C3: no regions, no DEFAULT_REGION.
    let no_region = body(
        NO_REGION_APP,
        &keys,
        &device.cert(&authority, "confirmed", &keys),
        &device.hmac_key,
    );
    let r = c.publish(&no_region).await;
    r.expect(500, Some("health_authority_missing_region_config"));
    assert_eq!(
        r.error(),
        format!("unknown health authority regions for {NO_REGION_APP}")
    );

    // C5: regions as configured go to the pipeline, which upper-cases them for storage.
    let lower = body(
        "com.example.lower",
        &keys,
        &device.cert(&authority, "confirmed", &keys),
        &device.hmac_key,
    );
    c.publish(&lower).await.expect(200, None);
    let events = wait_events(&env, 2).await;
    let event = events
        .iter()
        .find(|e| e.payload.authorized_app == "com.example.lower")
        .unwrap();
    assert_eq!(event.payload.regions, ["us"]);
    let app_event = events
        .iter()
        .find(|e| e.payload.authorized_app == APP)
        .unwrap();
    assert_eq!(app_event.payload.regions, ["US"]);
}

#[tokio::test]
async fn c3_default_region() {
    let env = TestEnv::new().await;
    let authority = seed(&env).await;
    let ingest = start_ingest(&env, &[("DEFAULT_REGION", "CA")]).await;
    let c = Client::new(&ingest);
    let device = Device::new();
    let keys = vec![k(1)];
    let b = body(
        NO_REGION_APP,
        &keys,
        &device.cert(&authority, "confirmed", &keys),
        &device.hmac_key,
    );
    c.publish(&b).await.expect(200, None);
    assert_eq!(wait_events(&env, 1).await[0].payload.regions, ["CA"]);
}

// ---------------------------------------------------------------------------------------------
// D. Certificate verification

#[tokio::test]
async fn d_certificates() {
    let env = TestEnv::new().await;
    let authority = seed(&env).await;
    let ha2 = SigningAuthority::generate("v1");
    seed_health_authority(&env, 2, "iss2", "aud2", &ha2).await;
    // D5: an authority whose only key becomes valid in an hour, and an app that trusts it.
    let ha3 = SigningAuthority::generate("v1");
    seed_health_authority(&env, 3, "iss3", "aud3", &ha3).await;
    write(
        &env,
        ConfigChange::HealthAuthorityKeySaved {
            entity: HealthAuthorityKey {
                health_authority_id: 3,
                version: "v1".into(),
                public_key_pem: ha3.public_key_pem.clone(),
                from: chrono::Utc::now() + chrono::Duration::hours(1),
                thru: None,
            },
        },
    )
    .await;
    seed_app(&env, "com.example.d5", &["US"], &[3], false, false).await;
    let ingest = start_ingest(&env, &[]).await;
    let c = Client::new(&ingest);
    let device = Device::new();
    let keys = vec![k(1), k(2)];
    let now = chrono::Utc::now().timestamp();

    let reason = |r: &Reply| {
        r.expect(
            401,
            Some("health_authority_verification_certificate_invalid"),
        );
        r.error()
            .strip_prefix("unable to validate diagnosis verification: ")
            .unwrap_or_else(|| panic!("{}", r.error()))
            .to_owned()
    };
    let with_cert = |cert: &str| body(APP, &keys, cert, &device.hmac_key);

    // D1.
    assert_eq!(
        reason(&c.publish(&with_cert("totally not a JWT")).await),
        "token contains an invalid number of segments"
    );
    // D3.
    let cert = authority.sign_with_header(&device.claims("confirmed", &keys), None);
    assert_eq!(
        reason(&c.publish(&with_cert(&cert)).await),
        "missing required header field, 'kid' indicating key id"
    );
    // D5.
    let cert = ha3.sign(&CertClaims::for_keys(
        "iss3",
        "aud3",
        "confirmed",
        &keys,
        &device.secret,
    ));
    let r = c
        .publish(&body("com.example.d5", &keys, &cert, &device.hmac_key))
        .await;
    assert_eq!(reason(&r), "no active public keys for health authority");
    // D7.
    let mut claims = device.claims("confirmed", &keys);
    claims.iss = "foo".into();
    assert_eq!(
        reason(&c.publish(&with_cert(&authority.sign(&claims))).await),
        "issuer not found: foo"
    );
    // Audience.
    let mut claims = device.claims("confirmed", &keys);
    claims.aud = "aud2".into();
    assert_eq!(
        reason(&c.publish(&with_cert(&authority.sign(&claims))).await),
        "audience mismatch for issuer: iss1 (+aud2, -aud1)"
    );
    // D9.
    let mut claims = device.claims("confirmed", &keys);
    claims.iat = now - 360;
    claims.exp = now - 60;
    assert!(
        reason(&c.publish(&with_cert(&authority.sign(&claims))).await)
            .starts_with("token is expired by 1m")
    );
    // D11 (and an iat in the future).
    let mut claims = device.claims("confirmed", &keys);
    claims.nbf = Some(now + 600);
    assert_eq!(
        reason(&c.publish(&with_cert(&authority.sign(&claims))).await),
        "not valid yet (NBF or IAT) in the future"
    );
    let mut claims = device.claims("confirmed", &keys);
    claims.iat = now + 600;
    assert_eq!(
        reason(&c.publish(&with_cert(&authority.sign(&claims))).await),
        "not valid yet (NBF or IAT) in the future"
    );
    // Wrong key.
    let cert = ha2.sign(&device.claims("confirmed", &keys));
    assert_eq!(
        reason(&c.publish(&with_cert(&cert)).await),
        "crypto/ecdsa: verification error"
    );
    // D13: a valid certificate of HA2, which the app does not trust.
    let cert = ha2.sign(&CertClaims::for_keys(
        "iss2",
        "aud2",
        "confirmed",
        &keys,
        &device.secret,
    ));
    assert_eq!(
        reason(&c.publish(&with_cert(&cert)).await),
        "app com.example.app has not authorized health authority issuer: iss2"
    );
    // Report type.
    let cert = authority.sign(&device.claims("positive", &keys));
    assert_eq!(
        reason(&c.publish(&with_cert(&cert)).await),
        r#"invalid report type: "positive""#
    );
    // D15.
    let mut claims = device.claims("confirmed", &keys);
    claims.tekmac = format!("iruinedit{}", claims.tekmac);
    assert_eq!(
        reason(&c.publish(&with_cert(&authority.sign(&claims))).await),
        "HMAC mismatch, publish request does not match disgnosis verification certificate"
    );
    // D17: every TR 0 and the HMAC over `key.rsn.rp`.
    let mut sorted = keys.clone();
    sorted.sort_by(|a, b| a.key.cmp(&b.key));
    let text: Vec<String> = sorted
        .iter()
        .map(|k| format!("{}.{}.{}", k.key, k.rolling_start_number, k.rolling_period))
        .collect();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&device.secret).unwrap();
    mac.update(text.join(",").as_bytes());
    let mut claims = device.claims("confirmed", &keys);
    claims.tekmac = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    c.publish(&with_cert(&authority.sign(&claims)))
        .await
        .expect(200, None);
    // D19: literal (over-padded) key strings; verifies, then the 2020 keys are too old. Errors
    // are indexed in key-string order.
    let d19: Vec<ExposureKey> = [
        ("IRgYIhYiy4WMl9z68bMk6w==", 2_650_032),
        ("dPCphLzfG4uzXneNimkPRQ====", 2_650_176),
        ("5AUyPfJKcg5cr3OgKdR8Sw==", 2_650_320),
    ]
    .into_iter()
    .map(|(key, rsn)| ExposureKey {
        key: key.into(),
        rolling_start_number: rsn,
        rolling_period: 144,
        transmission_risk: 4,
    })
    .collect();
    let cert = authority.sign(&CertClaims::for_keys(
        "iss1",
        "aud1",
        "confirmed",
        &d19,
        &device.secret,
    ));
    let r = c.publish(&body(APP, &d19, &cert, &device.hmac_key)).await;
    r.expect(400, Some("bad_request"));
    let error = r.error();
    assert!(error.starts_with("unable to read request data: 3 errors occurred:\n\t* key 0 cannot be imported: key expires before minimum window; 2650320 + 144 = 2650464 which is too old"), "{error}");
    assert_eq!(
        error.matches("key expires before minimum window").count(),
        3
    );
    // D21: no keys.
    let cert = authority.sign(&CertClaims::for_keys(
        "iss1",
        "aud1",
        "confirmed",
        &[],
        &device.secret,
    ));
    assert_eq!(
        reason(&c.publish(&body(APP, &[], &cert, &device.hmac_key)).await),
        "calculating expected HMAC: cannot calculate hmac on empty exposure keys"
    );
    // A bypass app continues without claims when the certificate fails.
    let r = c.publish(&body(BYPASS_APP, &keys, "garbage", "")).await;
    r.expect(200, None);
    let events = wait_events(&env, 2).await;
    let bypassed = events
        .iter()
        .find(|e| e.payload.authorized_app == BYPASS_APP)
        .unwrap();
    assert_eq!(bypassed.payload.claims, None);
    assert_eq!(
        c.metric("keyserver_publish_verification_bypassed_total")
            .await,
        1.0
    );
    assert_eq!(
        c.metric("keyserver_publish_jwt_not_yet_valid_total").await,
        2.0
    );
}

// ---------------------------------------------------------------------------------------------
// E. Key validation (whole-batch rejection by default; reference partial failure on request)

/// E1's five keys: one valid, four broken in different ways.
fn e1_keys() -> Vec<ExposureKey> {
    let mut keys: Vec<ExposureKey> = (1..=5).map(k).collect();
    keys[1].key = base64::engine::general_purpose::STANDARD.encode([0u8; 18]);
    keys[2].rolling_start_number = 100;
    keys[3].rolling_period = 200;
    keys[4].rolling_start_number += 100_000;
    keys
}

#[tokio::test]
async fn e_validation_rejects_the_whole_batch() {
    let env = TestEnv::new().await;
    let authority = seed(&env).await;
    let ingest = start_ingest(&env, &[]).await;
    let c = Client::new(&ingest);
    let device = Device::new();
    let bypass = |keys: &[ExposureKey]| body(BYPASS_APP, keys, "", "");

    // E1: every problem listed, nothing accepted.
    let r = c.publish(&bypass(&e1_keys())).await;
    r.expect(400, Some("bad_request"));
    let error = r.error();
    assert!(error.starts_with("unable to read request data: 4 errors occurred:\n\t* key 1 cannot be imported: invalid key length, 18, must be 16"), "{error}");
    for expected in [
        "key 2 cannot be imported: key expires before minimum window",
        "key 3 cannot be imported: invalid interval count, 200, must be >= 1 && <= 144",
        "key 4 cannot be imported: interval number",
    ] {
        assert!(error.contains(expected), "{expected} in {error}");
    }
    // E3.
    let mut e3 = vec![k(1), k(2)];
    e3[0].rolling_period = 0;
    let r = c.publish(&bypass(&e3)).await;
    r.expect(400, Some("bad_request"));
    assert!(r
        .error()
        .contains("key 0 cannot be imported: invalid interval count, 0, must be >= 1 && <= 144"));
    // E5.
    for tr in [-1, 9] {
        let mut keys = vec![k(1)];
        keys[0].transmission_risk = tr;
        let r = c.publish(&bypass(&keys)).await;
        r.expect(400, Some("bad_request"));
        assert!(
            r.error().contains(&format!(
                "invalid transmission risk: {tr}, must be >= 0 && <= 8"
            )),
            "{}",
            r.error()
        );
    }
    // E13.
    let mut keys = vec![k(1)];
    keys[0].key = "QUJD2".into();
    assert!(c
        .publish(&bypass(&keys))
        .await
        .error()
        .contains("key 0 cannot be imported: illegal base64 data at input byte 4"));
    // E15.
    let r = c.publish(&bypass(&[])).await;
    r.expect(400, Some("bad_request"));
    assert_eq!(
        r.error(),
        "unable to read request data: no exposure keys in publish request"
    );
    // Too many keys.
    let many: Vec<ExposureKey> = (0..31).map(|_| k(1)).collect();
    assert_eq!(
        c.publish(&bypass(&many)).await.error(),
        "unable to read request data: too many exposure keys in publish: 31, max of 30 is allowed"
    );
    // E17: non-aligned overlap.
    let s = today_midnight() - 3 * 144;
    let key = |rsn: i32, rp: i32| ExposureKey {
        rolling_start_number: rsn,
        rolling_period: rp,
        ..k(1)
    };
    let r = c.publish(&bypass(&[key(s, 144), key(s + 142, 144)])).await;
    r.expect(400, Some("bad_request"));
    assert!(r.error().starts_with(
        "unable to read request data: exposure keys have non aligned overlapping intervals."
    ));
    // E21: four keys with the same start.
    let r = c
        .publish(&bypass(&[key(s, 44), key(s, 88), key(s, 144), key(s, 88)]))
        .await;
    assert_eq!(r.error(), format!("unable to read request data: too many overlapping keys for start interval: {s} want: <= 3, got: 4"));
    assert!(
        received_events(&env).await.is_empty(),
        "rejected requests never reach Kafka"
    );

    // E19: touching keys are fine; E7: a key starting in the current interval is accepted;
    // E23: traveler travels with the event.
    let r = c.publish(&bypass(&[key(s, 44), key(s + 44, 100)])).await;
    assert_eq!(r.expect(200, None)["insertedExposures"], 2);
    away_from_interval_boundary(10).await;
    let now_iv = interval_of(chrono::Utc::now());
    let mut b = bypass(&[key(now_iv, 1)]);
    b["traveler"] = json!(true);
    c.publish(&b).await.expect(200, None);
    // A valid certificate still decides the claims.
    let keys = vec![k(1)];
    c.publish(&device.body(&authority, "likely", &keys))
        .await
        .expect(200, None);
    let events = wait_events(&env, 3).await;
    assert!(events
        .iter()
        .any(|e| e.payload.traveler && e.payload.keys[0].rolling_start_number == now_iv));
    assert!(events.iter().any(|e| e
        .payload
        .claims
        .as_ref()
        .is_some_and(|c| c.report_type == "likely")));
}

#[tokio::test]
async fn e_partial_failure_when_enabled() {
    let env = TestEnv::new().await;
    seed(&env).await;
    let ingest = start_ingest(&env, &[("ALLOW_PARTIAL_FAILURE", "true")]).await;
    let c = Client::new(&ingest);
    // E1.
    let r = c.publish(&body(BYPASS_APP, &e1_keys(), "", "")).await;
    let json = r.expect(200, Some("partial_failure"));
    assert!(
        r.error()
            .starts_with("4 errors occurred:\n\t* key 1 cannot be imported"),
        "{}",
        r.error()
    );
    assert_eq!(json["insertedExposures"], 1);
    assert!(json["revisionToken"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));
    // E3.
    let mut e3 = vec![k(1), k(2)];
    e3[0].rolling_period = 0;
    let r = c.publish(&body(BYPASS_APP, &e3, "", "")).await;
    assert_eq!(
        r.expect(200, Some("partial_failure"))["insertedExposures"],
        1
    );
    assert!(r
        .error()
        .contains("invalid interval count, 0, must be >= 1 && <= 144"));
    // Every key broken: still a rejection.
    let mut bad = vec![k(1)];
    bad[0].rolling_period = 0;
    c.publish(&body(BYPASS_APP, &bad, "", ""))
        .await
        .expect(400, Some("bad_request"));
    let events = wait_events(&env, 2).await;
    assert!(events
        .iter()
        .all(|e| e.payload.settings.allow_partial_failure));
}

#[tokio::test]
async fn e11_seed_age_rule() {
    let env = TestEnv::new().await;
    seed(&env).await;
    let ingest = start_ingest(&env, &[("MAX_INTERVAL_AGE_ON_PUBLISH", "120h")]).await;
    let c = Client::new(&ingest);
    away_from_interval_boundary(10).await;
    let min_start = interval_of(chrono::Utc::now() - chrono::Duration::hours(120));
    let key = |rsn: i32| ExposureKey {
        rolling_start_number: rsn,
        rolling_period: 144,
        ..k(1)
    };
    c.publish(&body(BYPASS_APP, &[key(min_start)], "", ""))
        .await
        .expect(200, None);
    // Design §7.2: a key must start inside the window (the reference accepted one that only
    // ended inside it).
    let r = c
        .publish(&body(BYPASS_APP, &[key(min_start - 1)], "", ""))
        .await;
    r.expect(400, Some("bad_request"));
    assert!(
        r.error().contains(&format!(
            "{} is too old, must be >= {min_start}",
            min_start - 1
        )),
        "{}",
        r.error()
    );
    let events = wait_events(&env, 1).await;
    assert_eq!(
        events[0].payload.settings.max_interval_age_seconds,
        120 * 3600
    );
}

// ---------------------------------------------------------------------------------------------
// What reaches Kafka

#[tokio::test]
async fn a_publish_produces_exactly_one_received_event() {
    let env = TestEnv::new().await;
    let authority = seed(&env).await;
    let ingest = start_ingest(&env, &[]).await;
    let c = Client::new(&ingest);
    let device = Device::new();
    let keys = vec![k(1), k(2), k(3)];
    let mut b = device.body(&authority, "confirmed", &keys);
    b["symptomOnsetInterval"] = json!(today_midnight() - 2 * 144);
    b["traveler"] = json!(true);
    let r = c
        .send(
            "/v1/publish",
            Some("application/json"),
            &[("User-Agent", "ExposureApp/1 CFNetwork Darwin iPhone")],
            b.to_string(),
        )
        .await;
    let json = r.expect(200, None);
    assert_eq!(json["insertedExposures"], 3);

    tokio::time::sleep(Duration::from_millis(500)).await;
    let events = received_events(&env).await;
    assert_eq!(events.len(), 1, "exactly one event per accepted publish");
    let envelope = &events[0];
    assert_eq!(envelope.event_type, "publish.received");
    assert!(envelope.request_id.is_some());
    let e = &envelope.payload;
    assert_eq!(e.authorized_app, APP);
    assert_eq!(e.regions, ["US"]);
    let claims = e.claims.as_ref().unwrap();
    assert_eq!(
        (claims.health_authority_id, claims.report_type.as_str()),
        (1, "confirmed")
    );
    let mut sent: Vec<&str> = keys.iter().map(|k| k.key.as_str()).collect();
    sent.sort_unstable();
    assert_eq!(
        e.keys.iter().map(|k| k.key.as_str()).collect::<Vec<_>>(),
        sent,
        "keys as sent, in key-string order"
    );
    assert!(e
        .keys
        .iter()
        .all(|k| k.rolling_period == 144 && k.transmission_risk == 0));
    assert_eq!(e.symptom_onset_interval, today_midnight() - 2 * 144);
    assert!(e.traveler);
    assert_eq!(e.platform, Platform::Ios);
    assert_eq!(e.revision_token, RevisionTokenState::Absent);
    assert!(e.require_revision_token);
    assert_eq!(e.settings.max_symptom_onset_days, 21);
    assert_eq!(e.settings.max_keys_on_publish, 30);
    assert!(!e.settings.allow_partial_failure);
    assert!(e.reply_to.starts_with("ingest-"));
    assert!((chrono::Utc::now() - e.batch_time).num_seconds() < 30);

    // The event is keyed by the authorized app.
    let env2 = env.clone();
    let keys_on_topic = tokio::task::spawn_blocking(move || record_keys(&env2))
        .await
        .unwrap();
    assert_eq!(keys_on_topic, [APP.to_owned()]);
}

fn record_keys(env: &TestEnv) -> Vec<String> {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    use rdkafka::message::Message;
    let name = env.kafka.topic(Topic::PublishReceived);
    let consumer: BaseConsumer = env
        .kafka
        .client_config()
        .set("group.id", format!("keys-{}", uuid::Uuid::new_v4()))
        .set("auto.offset.reset", "earliest")
        .create()
        .unwrap();
    consumer.subscribe(&[&name]).unwrap();
    let mut keys = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while keys.is_empty() && std::time::Instant::now() < deadline {
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(200)) {
            keys.push(String::from_utf8_lossy(m.key().unwrap_or_default()).into_owned());
        }
    }
    keys
}

#[tokio::test]
async fn degraded_mode_answers_from_the_edge() {
    let env = TestEnv::new().await;
    let authority = seed(&env).await;
    let ingest = start_ingest(&env, &[("PUBLISH_OUTCOME_WAIT", "0")]).await;
    let c = Client::new(&ingest);
    let device = Device::new();
    let keys = vec![k(1), k(2)];
    let json = c
        .publish(&device.body(&authority, "confirmed", &keys))
        .await
        .expect(200, None);
    assert_eq!(json["insertedExposures"], 2);
    assert!(json["revisionToken"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));
    // G5 at the edge: negative keys are not counted but get a token.
    let json = c
        .publish(&device.body(&authority, "negative", &[k(3)]))
        .await
        .expect(200, None);
    assert!(json.get("insertedExposures").is_none());
    assert!(json["revisionToken"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));
    assert_eq!(c.metric("keyserver_publish_degraded_total").await, 2.0);
    assert_eq!(wait_events(&env, 2).await.len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Broker failures

/// Creates only `topics` under a fresh prefix; returns a TestEnv pointing at that prefix.
async fn env_with_only(base: &TestEnv, topics: &[Topic]) -> TestEnv {
    let mut env = base.clone();
    env.prefix = format!("t{}.", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    env.kafka = platform::kafka::KafkaSettings::local(&env.infra.kafka_brokers, &env.prefix);
    let admin: AdminClient<DefaultClientContext> = env.kafka.client_config().create().unwrap();
    let names: Vec<String> = topics.iter().map(|t| env.kafka.topic(*t)).collect();
    let specs: Vec<NewTopic<'_>> = names
        .iter()
        .map(|n| NewTopic::new(n, 1, TopicReplication::Fixed(1)))
        .collect();
    for result in admin
        .create_topics(specs.iter(), &AdminOptions::new())
        .await
        .unwrap()
    {
        result.unwrap();
    }
    env
}

#[tokio::test]
async fn unacknowledged_events_get_503() {
    let base = TestEnv::new().await;
    // Everything but en.publish.received exists: the broker never acknowledges the event.
    let env = env_with_only(&base, &[Topic::Config, Topic::PublishOutcome]).await;
    let authority = seed(&env).await;
    let ingest = start_ingest(&env, &[("KAFKA_PRODUCE_TIMEOUT", "2s")]).await;
    let c = Client::new(&ingest);
    let device = Device::new();
    let started = std::time::Instant::now();
    let r = c
        .publish(&device.body(&authority, "confirmed", &[k(1)]))
        .await;
    let json = r.expect(503, Some("internal_error"));
    assert!(json.get("revisionToken").is_none());
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(
        c.metric("keyserver_publish_enqueue_failures_total").await,
        1.0
    );
}

#[tokio::test]
async fn unreachable_broker_acknowledges_nothing() {
    let env = TestEnv::new().await;
    let closed = format!("127.0.0.1:{}", harness::process::free_port());
    let keys = token_keys();
    let ingest = spawn::<ingest::Ingest>(
        &env,
        &[
            ("KAFKA_BROKERS", closed.as_str()),
            ("KAFKA_CREATE_TOPICS", "false"),
            ("KAFKA_PRODUCE_TIMEOUT", "1s"),
            ("REVISION_TOKEN_KEYS", keys.as_str()),
        ],
    )
    .await;
    let c = Client::new(&ingest);
    // The service starts (and reports itself not ready) instead of failing.
    let ready = c
        .http
        .get(format!("{}/ready", c.ops_url))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
    // Without the configuration log no app can be looked up: the reference's 500 comes first,
    // before anything could be enqueued; nothing is ever acknowledged.
    let device = Device::new();
    let authority = SigningAuthority::generate("v1");
    let r = c
        .publish(&device.body(&authority, "confirmed", &[k(1)]))
        .await;
    r.expect(500, Some("unable_to_load_health_authority"));
    // Chaff still works.
    assert_eq!(
        c.send("/v1/publish", None, &[("X-Chaff", "1")], "")
            .await
            .status,
        200
    );
    ingest.stop().await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// J. v1alpha1

#[tokio::test]
async fn j_v1alpha1() {
    let env = TestEnv::new().await;
    let authority = seed_fixture(&env).await;
    seed_app(&env, "com.example.multi", &["US", "CA"], &[1], false, false).await;
    let ingest = start_ingest(&env, &[("ENABLE_V1ALPHA1_API", "true")]).await;
    let c = Client::new(&ingest);
    let device = Device::new();
    let alpha = |regions: Value, keys: &[ExposureKey]| {
        json!({
            "temporaryExposureKeys": keys,
            "regions": regions,
            "appPackageName": "com.example.multi",
            "verificationPayload": device.cert(&authority, "confirmed", keys),
            "hmackey": device.hmac_key,
            "padding": "",
        })
    };
    // J1.
    let r = c
        .send(
            "/",
            Some("application/json"),
            &[],
            alpha(json!(["US", "CA"]), &[k(1)]).to_string(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("x-api-version"), Some("v1alpha"));
    let json = r.json();
    assert!(json["revisionToken"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));
    assert_eq!(json["insertedExposures"], 1);
    assert_eq!(json["error"], "");
    assert!(json["padding"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(json.get("code").is_none());
    // J3.
    let r = c
        .send(
            "/",
            Some("application/json"),
            &[],
            alpha(json!([]), &[k(2)]).to_string(),
        )
        .await;
    assert_eq!(r.status, 200);
    // An unauthorized region: 401 without a code.
    let r = c
        .send(
            "/",
            Some("application/json"),
            &[],
            alpha(json!(["MX"]), &[k(3)]).to_string(),
        )
        .await;
    assert_eq!(r.status, 401);
    assert!(r.json().get("code").is_none());
    assert_eq!(
        r.error(),
        "verifying allowed regions: app com.example.multi tried to write to unauthorized region MX"
    );
    // v1 still works next to it, and v1-only fields are unknown in v1alpha1.
    let r = c
        .send(
            "/",
            Some("application/json"),
            &[],
            r#"{"healthAuthorityID":"x"}"#,
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.json().get("code").is_none());

    let events = wait_events(&env, 2).await;
    let j1 = events
        .iter()
        .find(|e| e.payload.regions.len() == 2)
        .unwrap();
    assert!(j1.payload.traveler);
    assert_eq!(j1.payload.regions, ["US", "CA"]);
    let j3 = events
        .iter()
        .find(|e| e.payload.regions.len() == 2 && !e.payload.traveler);
    assert!(j3.is_some(), "J3 uses the app's regions, without traveler");
}

// ---------------------------------------------------------------------------------------------
// The outcome round trip with the real processor and projector (G rows, tokens)

struct Stack {
    env: TestEnv,
    authority: SigningAuthority,
    client: Client,
    _ingest: Running,
    _processor: Running,
    _projector: Running,
}

async fn stack() -> Stack {
    let env = TestEnv::with_database().await;
    let authority = seed(&env).await;
    seed_app(&env, "com.example.other", &["US"], &[1], false, false).await;
    seed_app(&env, "com.example.lower", &["us"], &[1], false, false).await;
    let processor = spawn::<processor::Processor>(&env, &[]).await;
    let projector = spawn::<projector::Projector>(&env, &[]).await;
    let ingest = start_ingest(&env, &[("PUBLISH_OUTCOME_WAIT", "10s")]).await;
    Stack {
        client: Client::new(&ingest),
        env,
        authority,
        _ingest: ingest,
        _processor: processor,
        _projector: projector,
    }
}

#[tokio::test]
async fn g_round_trip_through_the_pipeline() {
    let s = stack().await;
    let c = &s.client;
    let device = Device::new();

    // G1 and C5: confirmed, TR 0 → stored TR 2, regions upper-cased.
    let keys = vec![k(1), k(2)];
    let b = body(
        "com.example.lower",
        &keys,
        &device.cert(&s.authority, "confirmed", &keys),
        &device.hmac_key,
    );
    let json = c.publish(&b).await.expect(200, None);
    assert_eq!(json["insertedExposures"], 2);
    assert!(json["revisionToken"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));
    let rows = exposures_in_store(&s.env.db().await).await;
    assert_eq!(rows.len(), 2);
    assert!(rows
        .iter()
        .all(|r| r.transmission_risk == 2 && r.report_type == "confirmed" && r.regions == ["US"]));

    // G3: user-report keeps the client's TR (0 stays 0, 5 stays 5).
    let mut g3 = vec![k(3), k(4)];
    g3[1].transmission_risk = 5;
    c.publish(&device.body(&s.authority, "user-report", &g3))
        .await
        .expect(200, None);
    let rows = exposures_in_store(&s.env.db().await).await;
    let tr = |key: &str| {
        rows.iter()
            .find(|r| r.key == key)
            .unwrap()
            .transmission_risk
    };
    assert_eq!((tr(&g3[0].key), tr(&g3[1].key)), (0, 5));

    // G5: negative keys are not stored; the answer has a token and no insertedExposures.
    let json = c
        .publish(&device.body(&s.authority, "negative", &[k(5)]))
        .await
        .expect(200, None);
    assert!(json.get("insertedExposures").is_none());
    assert!(json["revisionToken"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));
    assert_eq!(count(&s.env.db().await).await, 4);
    assert_eq!(
        c.metric("keyserver_publish_degraded_total").await,
        0.0,
        "every answer came from an outcome"
    );
}

#[tokio::test]
async fn revision_tokens_round_trip_and_are_bound_to_the_app() {
    let s = stack().await;
    let c = &s.client;
    let device = Device::new();
    let keys = vec![k(1), k(2)];

    let first = c
        .publish(&device.body(&s.authority, "likely", &keys))
        .await
        .expect(200, None);
    let token = first["revisionToken"].as_str().unwrap().to_owned();

    // The same token through another app is invalid (design §7.3).
    let mut other = body(
        "com.example.other",
        &keys,
        &device.cert(&s.authority, "confirmed", &keys),
        &device.hmac_key,
    );
    other["revisionToken"] = json!(token);
    let r = c.publish(&other).await;
    r.expect(400, Some("invalid_revision_token"));
    assert_eq!(r.error(), "revision token is invalid");

    // Without a token: missing_revision_token (H5 style, "!!!" is not base64 = no token).
    let mut no_token = device.body(&s.authority, "confirmed", &keys);
    no_token["revisionToken"] = json!("!!!");
    c.publish(&no_token)
        .await
        .expect(400, Some("missing_revision_token"));

    // With the token, accepted in any base64 flavour: the keys are revised (H1).
    let mut revise = device.body(&s.authority, "confirmed", &keys);
    revise["revisionToken"] = json!(token
        .replace('+', "-")
        .replace('/', "_")
        .trim_end_matches('='));
    let json = c.publish(&revise).await.expect(200, None);
    assert!(json.get("insertedExposures").is_none());
    let next = json["revisionToken"].as_str().unwrap();
    assert!(!next.is_empty() && next != token);
    let rows = exposures_in_store(&s.env.db().await).await;
    assert!(rows.iter().all(
        |r| r.report_type == "likely" && r.revised_report_type.as_deref() == Some("confirmed")
    ));
}

// ---------------------------------------------------------------------------------------------
// Privacy of the logs

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
    let authority = seed(&env).await;
    let bin = std::env::var_os("TEST_BIN_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| harness::repo_root().join("target/debug"))
        .join("ingest");
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
        .env("REVISION_TOKEN_KEYS", token_keys())
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
