//! What stands in front of every console route but the sign-in page: the session check, the
//! CSRF check, and the security headers.
//!
//! [`require_session`] runs before every protected handler:
//!
//! - no live session: a page request is redirected (303) to `/login?next=<page>`, a form post to
//!   `/login` (a stale cookie is cleared);
//! - a non-GET request must be an `application/x-www-form-urlencoded` form whose single `csrf`
//!   field equals the session's token (constant-time), else **403** and nothing runs. The form
//!   is parsed here, once, and handed to the handler as [`FormFields`], so no handler can read
//!   an unchecked form.
//!
//! [`security_headers`] adds to every console response: no caching, a strict
//! Content-Security-Policy (no scripts at all, styles and forms from this origin only), no
//! framing, no MIME sniffing, and no referrer to other sites.

use std::time::Instant;

use axum::body::Body;
use axum::extract::{FromRequest as _, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Redirect, Response};
use axum::Form;

use crate::console::auth::cookies::{self, CookieSpec, SESSION_COOKIE};
use crate::console::auth::session::{tokens_match, SignedIn};
use crate::console::kit::form::{FormFields, CSRF_FIELD};
use crate::console::kit::html::url_component;
use crate::console::kit::shell::refusal;
use crate::console::ConsoleState;

/// Largest accepted form body (a pasted PEM key is well under 1 KiB).
pub const FORM_LIMIT: usize = 64 * 1024;

const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

/// Middleware: adds the security headers to every console response.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CACHE_CONTROL, "no-store"),
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// Middleware: see the module docs.
pub async fn require_session(
    State(state): State<ConsoleState>,
    request: Request,
    next: Next,
) -> Response {
    let presented = cookies::read(request.headers(), SESSION_COOKIE);
    let signed = presented
        .as_deref()
        .and_then(|id| state.sessions.touch(id, Instant::now()));
    let Some(signed) = signed else {
        return to_login(&request, presented.is_some(), state.cookie_secure);
    };
    let safe = matches!(*request.method(), Method::GET | Method::HEAD);
    let mut request = if safe {
        request
    } else {
        match checked_form(request, &signed).await {
            Ok(request) => request,
            Err(response) => return response,
        }
    };
    request.extensions_mut().insert(signed);
    next.run(request).await
}

fn to_login(request: &Request, stale_cookie: bool, secure: bool) -> Response {
    let target = if matches!(*request.method(), Method::GET | Method::HEAD) {
        let wanted = request
            .uri()
            .path_and_query()
            .map_or("/console", |pq| pq.as_str());
        format!("/login?next={}", url_component(wanted))
    } else {
        "/login".to_owned()
    };
    let mut response = Redirect::to(&target).into_response();
    if stale_cookie {
        CookieSpec::session(secure).clear(response.headers_mut());
    }
    response
}

/// Parses the form and checks its CSRF field; on success the request carries [`FormFields`].
async fn checked_form(request: Request, signed: &SignedIn) -> Result<Request, Response> {
    let forbidden = || {
        tracing::warn!("Console form refused: missing or wrong CSRF token");
        refusal(
            StatusCode::FORBIDDEN,
            "Form refused",
            "This form was not sent from a current page of the console (its security token is missing or out of date). Nothing was changed: reload the page and try again.",
        )
    };
    let (parts, body) = request.into_parts();
    let form_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';').next().is_some_and(|t| {
                t.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        });
    if !form_type {
        return Err(forbidden());
    }
    let bytes = axum::body::to_bytes(body, FORM_LIMIT).await.map_err(|_| {
        refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Form too large",
            "The form is larger than the console accepts; nothing was changed.",
        )
    })?;
    let probe = Request::builder()
        .method(Method::POST)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(bytes.clone()))
        .map_err(|_| forbidden())?;
    let Ok(Form(pairs)) = Form::<Vec<(String, String)>>::from_request(probe, &()).await else {
        return Err(forbidden());
    };
    let fields = FormFields::new(pairs);
    match fields.all(CSRF_FIELD).as_slice() {
        [token] if tokens_match(&signed.csrf, token) => {}
        _ => return Err(forbidden()),
    }
    let mut request = Request::from_parts(parts, Body::from(bytes));
    request.extensions_mut().insert(fields);
    Ok(request)
}

/// Extractor of the session the guard found.
impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<SignedIn>().cloned().ok_or_else(|| {
            tracing::error!("Console handler reached without the session guard");
            StatusCode::INTERNAL_SERVER_ERROR
        })
    }
}
