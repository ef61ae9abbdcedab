//! The admin console end to end, against the real Kafka.
//!
//! - In a real headless Chromium an operator signs in, creates a health authority key
//!   configuration, adds its key by pasting a PEM generated here (after a refused paste that
//!   keeps what was typed), and creates an authorized health authority accepting it; a real
//!   `POST /v1/publish` to an in-process `ingest`, signed with that key, then succeeds. Revoking
//!   the key in the console makes the same publish fail with 401
//!   `health_authority_verification_certificate_invalid`. The browser saves screenshots of the
//!   main pages to `target/screenshots/` (`./dev/refresh-screenshots` copies them into
//!   `docs/screenshots/` on purpose).
//! - The Health page ([`health_page`]) charts a publish run from a real Prometheus.
//!
//! That every page needs a session and every form its CSRF token, changing nothing, is tested
//! once, over the route table, by the console's router tests (`admin/src/console/tests`).

mod browser;
mod health_page;

use std::path::PathBuf;
use std::time::Duration;

use admin::Admin;
use harness::certs::{CertClaims, SigningAuthority};
use harness::edge::start_ingest;
use harness::keys::{hmac_secret, k};
use harness::stack::publish;
use harness::{spawn, wait_for, wait_ready, Running, TestEnv};
use schemas::api::{ExposureKey, PublishRequest};
use schemas::config::ConfigEvent;
use schemas::topics::Topic;

use browser::Browser;

const TOKEN: &str = "e2e-console-token-0123456789abcdef";
const OPERATOR: &str = "alice";
const PASSWORD: &str = "alice-e2e-password-0123456789";
const APP: &str = "com.example.console";
const ISSUER: &str = "gov.example.console.iss";
const AUDIENCE: &str = "gov.example.console.aud";
/// How long a console change may take to reach ingest (a config change is seen by every service within about a second).
const PROPAGATION: Duration = Duration::from_secs(20);

/// An operators file for one test, removed afterwards.
struct OperatorsFile(PathBuf);

impl OperatorsFile {
    fn new() -> Self {
        let path = std::env::temp_dir().join(format!("operators-{}", uuid::Uuid::new_v4()));
        std::fs::write(&path, format!("# e2e\n{OPERATOR}:{PASSWORD}\n")).unwrap();
        Self(path)
    }
}

impl Drop for OperatorsFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The admin service with an admin token and one operator account.
async fn start_admin(env: &TestEnv) -> (Running, OperatorsFile) {
    let operators = OperatorsFile::new();
    let path = operators.0.display().to_string();
    let admin = spawn::<Admin>(
        env,
        &[
            ("ADMIN_TOKEN", TOKEN),
            ("ADMIN_OPERATORS_FILE", &path),
            ("JWKS_SYNC_INTERVAL", "0"),
        ],
    )
    .await;
    wait_ready(&admin.ops_url()).await;
    (admin, operators)
}

/// A publish of `keys` under [`APP`] with a certificate signed by `authority`.
fn publish_request(authority: &SigningAuthority, keys: &[ExposureKey]) -> PublishRequest {
    let (secret, secret_text) = hmac_secret();
    let claims = CertClaims::for_keys(ISSUER, AUDIENCE, "confirmed", keys, &secret);
    PublishRequest {
        temporary_exposure_keys: keys.to_vec(),
        health_authority_id: APP.into(),
        verification_payload: authority.sign(&claims),
        hmac_key: secret_text,
        ..PublishRequest::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_configures_publishing_in_a_real_browser_and_revokes_the_key() {
    let env = TestEnv::new().await;
    let (admin, _operators) = start_admin(&env).await;
    let ingest = start_ingest(&env, &[("PUBLISH_OUTCOME_WAIT", "0")]).await;
    let authority = SigningAuthority::generate("v1");
    let console = admin.url();
    let b = Browser::start().await;

    // Nothing without signing in.
    b.goto(&format!("{console}/console/authorized-apps")).await;
    b.wait_heading("Sign in").await;
    assert_eq!(b.path().await, "/login?next=%2Fconsole%2Fauthorized-apps");
    b.fill("operator", OPERATOR).await;
    b.fill("secret", PASSWORD).await;
    b.screenshot("login").await;
    b.follow("Sign in", "Authorized Health Authorities").await;
    b.follow("Home", "Admin console").await;

    // Health Authority Key Configuration: issuer, audience and name first.
    b.follow(
        "Create New Health Authority Key Configuration",
        "Create New Health Authority Key Configuration",
    )
    .await;
    b.fill("name", "Example Health Authority").await;
    b.fill("issuer", ISSUER).await;
    b.fill("audience", AUDIENCE).await;
    b.follow(
        "Save",
        "Health Authority Key Configuration: Example Health Authority",
    )
    .await;
    assert_eq!(b.path().await, "/console/health-authorities/1");

    // Then the key: a wrong paste is refused next to the field and keeps what was typed.
    let broken = authority.public_key_pem.replace("MFkw", "MFkx");
    b.fill("version", "v1").await;
    b.fill("publicKeyPem", &broken).await;
    b.click_text("Add key").await;
    b.wait_text("#f-publicKeyPem-error", "not a valid PKIX key")
        .await;
    assert_eq!(b.value("version").await, "v1");
    assert!(b.value("publicKeyPem").await.contains("MFkx"));
    b.fill("publicKeyPem", &authority.public_key_pem).await;
    b.click_text("Add key").await;
    b.wait_text(".flash.ok", "Key v1 added.").await;
    assert_eq!(b.text("table.keys .badge").await, "Current");
    b.screenshot("health-authority").await;

    // Authorized Health Authority accepting that configuration's certificates.
    b.follow("Home", "Admin console").await;
    b.follow(
        "Create new Authorized Health Authority",
        "Create new Authorized Health Authority",
    )
    .await;
    b.fill("healthAuthorityID", APP).await;
    b.fill("regions", "US\nCA").await;
    b.click("input[name=\"allowedHealthAuthorityIDs\"][value=\"1\"]")
        .await;
    b.screenshot("authorized-app").await;
    b.click_text("Save").await;
    b.wait_text(".flash.ok", &format!("Saved {APP}.")).await;
    b.wait_heading("Authorized Health Authorities").await;

    // A real publish signed with the pasted key is accepted once the change reached ingest.
    let http = reqwest::Client::new();
    let accepted = wait_for(PROPAGATION, "the publish to be accepted", || {
        let (http, url, authority) = (http.clone(), ingest.url(), authority.clone());
        async move {
            let request = publish_request(&authority, &[k(1), k(2)]);
            let (status, _) = publish(&http, &url, &request).await;
            (status == 200).then_some(request)
        }
    })
    .await;

    // Revoke the key in the console: the same publish is refused.
    b.follow(
        "Health Authority Key Configurations",
        "Health Authority Key Configurations",
    )
    .await;
    b.follow(
        "Example Health Authority",
        "Health Authority Key Configuration:",
    )
    .await;
    b.click_text("Revoke").await;
    b.wait_text(".flash.ok", "Key v1 revoked.").await;
    assert_eq!(b.text("table.keys .badge").await, "Not active");
    let refused = wait_for(PROPAGATION, "the publish to be refused", || {
        let (http, url, request) = (http.clone(), ingest.url(), accepted.clone());
        async move {
            let (status, body) = publish(&http, &url, &request).await;
            (status == 401).then_some(body)
        }
    })
    .await;
    assert_eq!(
        refused.code, "health_authority_verification_certificate_invalid",
        "{refused:?}"
    );

    // The audit trail names the operator; the home page shows counts and recent changes.
    b.follow("Audit trail", "Audit trail").await;
    let trail = b.text("table.audit").await;
    assert!(trail.contains(OPERATOR), "{trail}");
    assert!(
        trail.contains("Saved key v1 of Example Health Authority"),
        "{trail}"
    );
    assert_eq!(trail.matches(OPERATOR).count(), 4, "{trail}");
    b.screenshot("audit").await;
    b.follow("Home", "Admin console").await;
    b.screenshot("home").await;

    // Signing out ends the session.
    b.click_text("Sign out").await;
    b.wait_text(".flash.ok", "You are signed out.").await;
    b.goto(&format!("{console}/console")).await;
    b.wait_heading("Sign in").await;
    b.close().await;

    // Every change was a config event by the operator.
    let events = config_events(&env).await;
    assert_eq!(events.len(), 4);
    assert!(events.iter().all(|e| e.actor == OPERATOR));
}

/// Every event on the test's `en.config`.
async fn config_events(env: &TestEnv) -> Vec<ConfigEvent> {
    let env = env.clone();
    tokio::task::spawn_blocking(move || {
        harness::kafka::read_all::<ConfigEvent>(&env, Topic::Config)
            .into_iter()
            .map(|e| e.payload)
            .collect()
    })
    .await
    .unwrap()
}
