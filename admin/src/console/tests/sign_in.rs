//! Signing in and out, secure cookies, the throttle of failed sign-ins, the security headers of
//! every response, HTML pages and 404s, and the console merged with the REST API.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};

use super::access::session_routes;
use super::{console, console_with, Console, Session, OPERATOR, PASSWORD, TOKEN};
use crate::console::settings::ConsoleSettings;
use crate::console::throttle::FREE_FAILURES;
use crate::verb::Verb;

#[tokio::test]
async fn token_sign_in_starts_a_strict_session_and_redirects_to_the_page_asked_for() {
    let c = console();
    let reply = c
        .sign_in_from("192.0.2.10:1", "", TOKEN, "/console/audit")
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.location(), "/console/audit");
    let cookies = reply.set_cookies();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("en_admin_session="))
        .unwrap_or_else(|| panic!("{cookies:?}"));
    assert!(
        session.ends_with("; Path=/; HttpOnly; SameSite=Strict"),
        "{session}"
    );
    assert!(
        cookies.iter().any(|c| c.starts_with("en_admin_login=;")),
        "login cookie cleared"
    );

    let evil = c
        .sign_in_from("192.0.2.10:1", "", TOKEN, "//evil.example/console")
        .await;
    assert_eq!(evil.location(), "/console");
}

#[tokio::test]
async fn cookies_are_secure_when_configured() {
    let c = console_with(ConsoleSettings {
        cookie_secure: true,
        ..ConsoleSettings::default()
    });
    assert!(c
        .get("/login", None)
        .await
        .set_cookies()
        .iter()
        .all(|v| v.ends_with("; Secure")));
    let reply = c.sign_in_from("192.0.2.10:1", "", TOKEN, "/console").await;
    assert!(reply
        .set_cookies()
        .iter()
        .any(|v| v.starts_with("en_admin_session=")
            && v.ends_with("; HttpOnly; SameSite=Strict; Secure")));
}

#[tokio::test]
async fn wrong_credentials_are_refused_with_the_name_kept() {
    let c = console();
    for (operator, secret) in [
        ("", "not-the-admin-token-at-all"),
        (OPERATOR, "wrong-password-0123456789"),
        ("mallory", PASSWORD),
        (OPERATOR, TOKEN),
    ] {
        let reply = c
            .sign_in_from("192.0.2.20:1", operator, secret, "/console")
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{operator}");
        assert!(reply.body.contains("Sign-in failed"));
        assert!(!reply.body.contains(secret), "the secret is not echoed");
        assert!(reply
            .set_cookies()
            .iter()
            .all(|c| !c.starts_with("en_admin_session")));
    }
    let reply = c
        .sign_in_from("192.0.2.21:1", "mallory", "x", "/console")
        .await;
    assert!(reply.body.contains("value=\"mallory\""));
}

#[tokio::test]
async fn repeated_failures_lock_out_the_account_from_that_address_only() {
    let c = console();
    let attacker = "198.51.100.7:4000";
    for _ in 0..FREE_FAILURES {
        let reply = c
            .sign_in_from(attacker, "mallory", "guess-guess-guess-guess", "/console")
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let locked = c
        .sign_in_from(attacker, "mallory", "guess-guess-guess-guess", "/console")
        .await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.body.contains("Too many failed sign-ins"));
    assert!(locked
        .set_cookies()
        .iter()
        .all(|c| !c.starts_with("en_admin_session")));
    // The admin token from the same address is another account: not locked.
    let same_address = c.sign_in_from(attacker, "", TOKEN, "/console").await;
    assert_eq!(same_address.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_correct_admin_token_is_accepted_after_the_delay_even_while_throttled() {
    let c = console();
    let shared = "198.51.100.9:4000";
    // Enough failures for a lock-out of several seconds, so the checks below fall inside it.
    for _ in 0..FREE_FAILURES + 3 {
        let reply = c
            .sign_in_from(shared, "", "guess-guess-guess-guess", "/console")
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    // Throttled: a wrong token still fails, each attempt waiting the delay first.
    let started = std::time::Instant::now();
    let wrong = c
        .sign_in_from(shared, "", "guess-guess-guess-guess", "/console")
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(
        started.elapsed() >= crate::console::login::LOCKED_TOKEN_DELAY,
        "{:?}",
        started.elapsed()
    );
    // The operator behind the same address signs in with the right token.
    let started = std::time::Instant::now();
    let right = c.sign_in_from(shared, "", TOKEN, "/console").await;
    assert_eq!(right.status, StatusCode::SEE_OTHER, "never locked out");
    assert!(started.elapsed() >= crate::console::login::LOCKED_TOKEN_DELAY);
    assert!(right
        .set_cookies()
        .iter()
        .any(|c| c.starts_with("en_admin_session")));
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let c = console();
    let session = c.session().await;
    let reply = c.post(&session, "/logout", &[]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.location(), "/login?signed_out=1");
    assert!(reply.set_cookies().iter().any(|c| c.contains("Max-Age=0")));
    assert_eq!(
        c.get("/console", Some(&session.cookie)).await.status,
        StatusCode::SEE_OTHER
    );
    assert!(c
        .get("/login?signed_out=1", None)
        .await
        .body
        .contains("You are signed out."));
}

#[tokio::test]
async fn a_signed_in_browser_visiting_sign_in_goes_home() {
    let c = console();
    let session = c.session().await;
    let reply = c.get("/login", Some(&session.cookie)).await;
    assert_eq!(
        (reply.status, reply.location()),
        (StatusCode::SEE_OTHER, "/console")
    );
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let c = console();
    let session: Session = c.session().await;
    for (path, cookie) in [
        ("/login", None),
        ("/console", Some(session.cookie.as_str())),
        ("/console", None),
        ("/console/assets/console.css", None),
    ] {
        let reply = c.get(path, cookie).await;
        let h = |name: header::HeaderName| {
            reply
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(h(header::CACHE_CONTROL), "no-store", "{path}");
        assert!(
            h(header::CONTENT_SECURITY_POLICY).starts_with("default-src 'none'"),
            "{path}"
        );
        assert_eq!(h(header::X_FRAME_OPTIONS), "DENY", "{path}");
        assert_eq!(h(header::X_CONTENT_TYPE_OPTIONS), "nosniff", "{path}");
    }
}

#[tokio::test]
async fn pages_answer_with_html_and_unknown_things_with_404() {
    let c: Console = console();
    let session = c.session().await;
    c.seed(&session).await;
    for path in session_routes(Verb::Get) {
        let reply = c.get(&path, Some(&session.cookie)).await;
        let expected = if path == "/" {
            StatusCode::SEE_OTHER
        } else if path.ends_with("nowhere") {
            StatusCode::NOT_FOUND
        } else if path.ends_with("/stats.csv") {
            // No EXPORTER_OPS_URL here: the page says so (the download itself: e2e stats_api).
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::OK
        };
        assert_eq!(reply.status, expected, "{path}: {}", reply.body);
    }
    for path in [
        "/console/health-authorities/99",
        "/console/health-authorities/abc",
        "/console/authorized-apps/edit/nope",
    ] {
        assert_eq!(
            c.get(path, Some(&session.cookie)).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

#[tokio::test]
async fn the_console_merges_with_the_api_which_keeps_its_token_and_fallback() {
    use std::sync::Arc;
    use tower::ServiceExt as _;

    let c = console();
    let jwks = crate::jwks::JwksSync::new(
        Arc::clone(&c.state.writer),
        crate::settings::JwksSettings::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let api = crate::routes::api_router(
        crate::routes::AppState {
            writer: Arc::clone(&c.state.writer),
            jwks: Arc::new(jwks),
        },
        Arc::clone(&c.state.tokens),
    );
    let router = crate::console::console_router(c.state.clone()).merge(api);
    for (path, status) in [
        ("/admin/v1/health-authorities", StatusCode::UNAUTHORIZED),
        ("/no-such-route", StatusCode::UNAUTHORIZED),
        ("/console", StatusCode::SEE_OTHER),
        ("/login", StatusCode::OK),
    ] {
        let response = router
            .clone()
            .oneshot(
                Request::builder()
                    .uri(path)
                    .body(Body::empty())
                    .unwrap_or_else(|e| panic!("{e}")),
            )
            .await
            .unwrap_or_else(|e| match e {});
        assert_eq!(response.status(), status, "{path}");
    }
}
