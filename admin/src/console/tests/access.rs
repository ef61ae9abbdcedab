//! Sessions and CSRF over every route of the table: every page and form needs a live session,
//! every form its own CSRF token; the sign-in form its cookie token. Sign-in itself is in
//! [`super::sign_in`].

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};

use super::{console, TOKEN};
use crate::console::session::random_token;
use crate::console::{Access, CONSOLE_ROUTES};
use crate::verb::Verb;

/// The route's path with its parameters filled in with seeded entities.
fn concrete(path: &str) -> String {
    path.replace("{id}", "1")
        .replace("{app}", "com.example.app")
        .replace("{*rest}", "nowhere")
}

pub(super) fn session_routes(verb: Verb) -> Vec<String> {
    CONSOLE_ROUTES
        .iter()
        .filter(|r| r.access == Access::Session && r.verb == verb)
        .map(|r| concrete(r.path))
        .collect()
}

#[test]
fn the_route_table_has_pages_and_forms_and_only_three_public_routes() {
    let public: Vec<&str> = CONSOLE_ROUTES
        .iter()
        .filter(|r| r.access == Access::Public)
        .map(|r| r.path)
        .collect();
    assert_eq!(public, ["/login", "/login", "/console/assets/console.css"]);
    assert!(session_routes(Verb::Get).len() >= 10);
    assert!(session_routes(Verb::Post).len() >= 10);
    assert!(CONSOLE_ROUTES
        .iter()
        .all(|r| matches!(r.verb, Verb::Get | Verb::Post)));
}

#[tokio::test]
async fn every_page_redirects_to_sign_in_without_a_live_session() {
    let c = console();
    let stale = format!("en_admin_session={}", random_token());
    for path in session_routes(Verb::Get) {
        for cookie in [None, Some(stale.as_str()), Some("en_admin_session=garbage")] {
            let reply = c.get(&path, cookie).await;
            assert_eq!(reply.status, StatusCode::SEE_OTHER, "{path} {cookie:?}");
            assert!(
                reply.location().starts_with("/login?next=%2F"),
                "{path}: {}",
                reply.location()
            );
            if cookie.is_some() {
                assert!(
                    reply.set_cookies().iter().any(|c| c.contains("Max-Age=0")),
                    "stale cookie cleared on {path}"
                );
            }
        }
    }
}

#[tokio::test]
async fn every_form_redirects_to_sign_in_without_a_session_and_changes_nothing() {
    let c = console();
    for path in session_routes(Verb::Post) {
        let reply = c
            .post_raw(&path, None, &[("csrf", &random_token()), ("name", "x")])
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(reply.location(), "/login", "{path}");
    }
    assert!(c.store.events().is_empty());
}

#[tokio::test]
async fn every_form_refuses_a_missing_wrong_or_foreign_csrf_token() {
    let c = console();
    let session = c.session().await;
    c.seed(&session).await;
    let other = c.session().await;
    let written = c.store.events().len();
    let forms = session_routes(Verb::Post);
    assert!(forms.contains(&"/logout".to_owned()));
    for path in &forms {
        let cookie = Some(session.cookie.as_str());
        let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
            ("missing", vec![]),
            ("empty", vec![("csrf", String::new())]),
            ("wrong", vec![("csrf", random_token())]),
            ("another session's", vec![("csrf", other.csrf.clone())]),
            (
                "twice",
                vec![("csrf", session.csrf.clone()), ("csrf", random_token())],
            ),
        ];
        for (case, mut pairs) in cases {
            pairs.push(("version", "v1".to_owned()));
            let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let reply = c.post_raw(path, cookie, &borrowed).await;
            assert_eq!(
                reply.status,
                StatusCode::FORBIDDEN,
                "{case} token on {path}"
            );
            assert!(reply.body.contains("Nothing was changed"), "{path}");
        }
        // The right token in a body that is not a form (a cross-site `text/plain` post).
        let request = Request::builder()
            .method(Method::POST)
            .uri(path.as_str())
            .header(header::CONTENT_TYPE, "text/plain")
            .header(header::COOKIE, &session.cookie)
            .body(Body::from(format!("csrf={}", session.csrf)))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            c.send(request).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    assert_eq!(
        c.store.events().len(),
        written,
        "a refused form wrote an event"
    );
    assert_eq!(
        c.get("/console", Some(&session.cookie)).await.status,
        StatusCode::OK,
        "the session survived (logout was refused too)"
    );
}

#[tokio::test]
async fn sign_in_form_needs_its_own_cookie_token() {
    let c = console();
    let login = c.get("/login", None).await;
    let token = login.csrf();
    assert!(login.set_cookies().iter().any(|v| v
        == &format!(
            "en_admin_login={token}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=1800"
        )));
    let fields = [("csrf", token.as_str()), ("secret", TOKEN)];
    let without_cookie = c.post_raw("/login", None, &fields).await;
    assert_eq!(without_cookie.status, StatusCode::FORBIDDEN);
    let other_cookie = format!("en_admin_login={}", random_token());
    let mismatch = c.post_raw("/login", Some(&other_cookie), &fields).await;
    assert_eq!(mismatch.status, StatusCode::FORBIDDEN);
    assert!(mismatch
        .set_cookies()
        .iter()
        .all(|c| !c.starts_with("en_admin_session")));
}
