//! The admin console end to end, against the real Kafka.
//!
//! - In a real headless Chromium an operator signs in, creates a health authority key
//!   configuration, adds its key by pasting a PEM generated here (after a refused paste that
//!   keeps what was typed), and creates an authorized health authority accepting it; a real
//!   `POST /v1/publish` to an in-process `ingest`, signed with that key, then succeeds. Revoking
//!   the key in the console makes the same publish fail with 401
//!   `health_authority_verification_certificate_invalid`. The browser saves screenshots of the
//!   main pages to `target/screenshots/` (copied into `docs/screenshots/` by hand).
//! - The Health page ([`health_page`]) charts a publish run from a real Prometheus.
//! - Over plain HTTP, every console page redirects to the sign-in page without a session and
//!   every console form refuses a post without its CSRF token, changing nothing.

mod browser;
mod health_page;

use std::path::PathBuf;
use std::time::Duration;

use admin::console::{Access, CONSOLE_ROUTES};
use admin::routes::Verb;
use admin::Admin;
use harness::certs::{CertClaims, SigningAuthority};
use harness::keys::{hmac_secret, k};
use harness::stack::{publish, revision_token_keys};
use harness::{spawn, wait_for, wait_ready, Running, TestEnv};
use reqwest::StatusCode;
use schemas::api::{ExposureKey, PublishRequest};
use schemas::config::ConfigEvent;
use schemas::topics::Topic;
use serde_json::json;

use browser::Browser;

const TOKEN: &str = "e2e-console-token-0123456789abcdef";
const OPERATOR: &str = "alice";
const PASSWORD: &str = "alice-e2e-password-0123456789";
const APP: &str = "com.example.console";
const ISSUER: &str = "gov.example.console.iss";
const AUDIENCE: &str = "gov.example.console.aud";
/// How long a console change may take to reach ingest (design §6: about a second).
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
    let token_keys = revision_token_keys();
    let ingest = spawn::<ingest::Ingest>(
        &env,
        &[
            ("REVISION_TOKEN_KEYS", &token_keys),
            ("PUBLISH_OUTCOME_WAIT", "0"),
        ],
    )
    .await;
    wait_ready(&ingest.ops_url()).await;
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
    b.click_text("Sign in").await;
    b.wait_heading("Authorized Health Authorities").await;
    b.click_text("Home").await;
    b.wait_heading("Admin console").await;

    // Health Authority Key Configuration: issuer, audience and name first.
    b.click_text("Create New Health Authority Key Configuration")
        .await;
    b.wait_heading("Create New Health Authority Key Configuration")
        .await;
    b.fill("name", "Example Health Authority").await;
    b.fill("issuer", ISSUER).await;
    b.fill("audience", AUDIENCE).await;
    b.click_text("Save").await;
    b.wait_heading("Health Authority Key Configuration: Example Health Authority")
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
    b.click_text("Home").await;
    b.wait_heading("Admin console").await;
    b.click_text("Create new Authorized Health Authority").await;
    b.wait_heading("Create new Authorized Health Authority")
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
    b.click_text("Health Authority Key Configurations").await;
    b.wait_heading("Health Authority Key Configurations").await;
    b.click_text("Example Health Authority").await;
    b.wait_heading("Health Authority Key Configuration:").await;
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
    b.click_text("Audit trail").await;
    b.wait_heading("Audit trail").await;
    let trail = b.text("table.audit").await;
    assert!(trail.contains(OPERATOR), "{trail}");
    assert!(
        trail.contains("Saved key v1 of Example Health Authority"),
        "{trail}"
    );
    assert_eq!(trail.matches(OPERATOR).count(), 4, "{trail}");
    b.screenshot("audit").await;
    b.click_text("Home").await;
    b.wait_heading("Admin console").await;
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

/// A route's path with its parameters filled in with the seeded entities.
fn concrete(path: &str) -> String {
    path.replace("{id}", "1")
        .replace("{app}", APP)
        .replace("{*rest}", "nowhere")
}

/// The first `name="csrf"` hidden field of a page.
fn csrf_of(page: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = page.find(marker).expect("a csrf field") + marker.len();
    page[start..start + 64].to_owned()
}

/// The `name=value` of a `Set-Cookie` for cookie `name`.
fn cookie_of(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Signs in with the admin token; returns the session cookie and its CSRF token.
async fn sign_in(http: &reqwest::Client, url: &str) -> (String, String) {
    sign_in_with(http, url, TOKEN).await
}

/// Signs in with admin token `token`; returns the session cookie and its CSRF token.
async fn sign_in_with(http: &reqwest::Client, url: &str, token: &str) -> (String, String) {
    let form = http.get(format!("{url}/login")).send().await.unwrap();
    let login_cookie = cookie_of(&form, "en_admin_login").expect("sign-in cookie");
    let csrf_token = csrf_of(&form.text().await.unwrap());
    let signed = http
        .post(format!("{url}/login"))
        .header("cookie", &login_cookie)
        .form(&[
            ("csrf", csrf_token.as_str()),
            ("operator", ""),
            ("secret", token),
            ("next", "/console"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    let cookie = cookie_of(&signed, "en_admin_session").expect("session cookie");
    let home = http
        .get(format!("{url}/console"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), StatusCode::OK);
    let csrf = csrf_of(&home.text().await.unwrap());
    (cookie, csrf)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_needs_a_session_and_every_form_a_csrf_token() {
    let env = TestEnv::new().await;
    let (admin, _operators) = start_admin(&env).await;
    let url = admin.url();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // Something for every path parameter to name, made through the REST API.
    let authority = SigningAuthority::generate("v1");
    for (path, body) in [
        (
            "/admin/v1/health-authorities",
            json!({"issuer": ISSUER, "audience": AUDIENCE, "name": "Example"}),
        ),
        (
            "/admin/v1/health-authorities/1/keys",
            json!({"version": "v1", "publicKeyPem": authority.public_key_pem}),
        ),
        (
            "/admin/v1/authorized-apps",
            json!({"healthAuthorityID": APP, "regions": ["US"], "allowedHealthAuthorityIDs": [1]}),
        ),
        (
            "/admin/v1/signature-infos",
            json!({"signingKey": "export-signing-key.pem", "signingKeyId": "310", "signingKeyVersion": "v1"}),
        ),
        (
            "/admin/v1/export-configs",
            json!({"filenameRoot": "us", "outputRegion": "US", "signatureInfoIds": [1]}),
        ),
    ] {
        let response = http
            .post(format!("{url}{path}"))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED, "{path}");
    }
    let seeded = config_events(&env).await.len();
    assert_eq!(seeded, 5);

    let session_routes: Vec<(Verb, String)> = CONSOLE_ROUTES
        .iter()
        .filter(|r| r.access == Access::Session)
        .map(|r| (r.verb, concrete(r.path)))
        .collect();
    let pages = session_routes
        .iter()
        .filter(|(v, _)| *v == Verb::Get)
        .count();
    let forms = session_routes
        .iter()
        .filter(|(v, _)| *v == Verb::Post)
        .count();
    assert!(pages >= 10 && forms >= 10, "{pages} pages, {forms} forms");

    // Without a session: pages and forms lead to the sign-in page.
    for (verb, path) in &session_routes {
        let response = match verb {
            Verb::Get => http.get(format!("{url}{path}")).send().await.unwrap(),
            _ => http
                .post(format!("{url}{path}"))
                .form(&[("csrf", "0".repeat(64).as_str()), ("version", "v1")])
                .send()
                .await
                .unwrap(),
        };
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        let target = location(&response);
        match verb {
            Verb::Get => assert!(target.starts_with("/login?next=%2F"), "{path}: {target}"),
            _ => assert_eq!(target, "/login", "{path}"),
        }
    }

    // With a session, but without the session's CSRF token: every form is refused.
    let (cookie, csrf) = sign_in(&http, &url).await;
    let (_, other_csrf) = sign_in(&http, &url).await;
    for (_, path) in session_routes.iter().filter(|(v, _)| *v == Verb::Post) {
        for fields in [
            vec![("version", "v1")],
            vec![("csrf", ""), ("version", "v1")],
            vec![("csrf", other_csrf.as_str()), ("version", "v1")],
        ] {
            let response = http
                .post(format!("{url}{path}"))
                .header("cookie", &cookie)
                .form(&fields)
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                StatusCode::FORBIDDEN,
                "{path} {fields:?}"
            );
        }
    }
    // The sign-in form needs its own token too.
    let response = http
        .post(format!("{url}/login"))
        .form(&[("csrf", csrf.as_str()), ("secret", TOKEN)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // The session still works (sign-out was refused too), and every page opens.
    for (_, path) in session_routes.iter().filter(|(v, _)| *v == Verb::Get) {
        let response = http
            .get(format!("{url}{path}"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        let expected = match path.as_str() {
            "/" => StatusCode::SEE_OTHER,
            p if p.ends_with("nowhere") => StatusCode::NOT_FOUND,
            // No EXPORTER_OPS_URL here: the download says so (it works in e2e stats_api).
            p if p.ends_with("/stats.csv") => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::OK,
        };
        assert_eq!(response.status(), expected, "{path}");
    }
    assert_eq!(
        config_events(&env).await.len(),
        seeded,
        "a refused form wrote an event"
    );
}
