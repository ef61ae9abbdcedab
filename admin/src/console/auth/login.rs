//! Signing in and out.
//!
//! `GET /login` shows the form and sets the form's double-submit cookie; `POST /login` checks
//! that token, then the throttle, then the credential: with an operator name, the operator's
//! password; without one, an admin token (the API's). Success starts a new session (a fresh id,
//! whatever cookie came in) and redirects to the page the operator first asked for, if it is a
//! console page. `POST /logout` (a session form with its CSRF token) ends the session.
//!
//! Neither the client address nor anything typed into the form is ever logged; failures are
//! counted in `admin_auth_failures_total{reason="console_invalid"|"console_locked"}`.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse as _, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use crate::auth::ACTOR;
use crate::console::auth::cookies::{self, CookieSpec, LOGIN_COOKIE, SESSION_COOKIE};
use crate::console::auth::session::{random_token, tokens_match, SignedIn};
use crate::console::kit::form::{FormFields, CSRF_FIELD};
use crate::console::kit::html::Markup;
use crate::console::kit::problems::Problems;
use crate::console::kit::shell::Flash;
use crate::console::kit::shell::{bare_page, flash_box, refusal};
use crate::console::kit::widgets::{csrf_input, input, Input, Widget};
use crate::console::ConsoleState;

/// Where a signed-in operator lands by default.
const HOME: &str = "/console";

/// How long a sign-in with the admin token waits while its address is throttled, before the
/// token is checked (a correct token is always accepted; guessing stays slow).
pub const LOCKED_TOKEN_DELAY: Duration = Duration::from_secs(1);

/// The client's address, when the server knows it (used only by the throttle).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let addr = ConnectInfo::<SocketAddr>::from_request_parts(parts, state)
            .await
            .ok()
            .map(|ConnectInfo(addr)| addr.ip());
        Ok(Self(addr))
    }
}

/// Query of `GET /login`.
#[derive(Debug, Default, Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    signed_out: Option<String>,
}

/// `next` when it is a console page (no open redirect), else the home page.
pub fn safe_next(next: &str) -> &str {
    let console = next == HOME || next.starts_with("/console/") || next.starts_with("/console?");
    let plain = next.bytes().all(|b| {
        b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'/' | b'.' | b'_' | b'~' | b'-' | b'%' | b'?' | b'=' | b'&'
            )
    });
    if console && plain && !next.contains("//") {
        next
    } else {
        HOME
    }
}

/// `GET /login`.
pub async fn form(
    State(state): State<ConsoleState>,
    query: Result<Query<LoginQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let signed_in = cookies::read(&headers, SESSION_COOKIE)
        .and_then(|id| state.sessions.touch(&id, Instant::now()))
        .is_some();
    if signed_in {
        return Redirect::to(HOME).into_response();
    }
    let flash = query
        .signed_out
        .is_some()
        .then(|| Flash::ok("You are signed out."));
    let next = safe_next(query.next.as_deref().unwrap_or(HOME));
    render(
        &state,
        StatusCode::OK,
        next,
        "",
        flash.as_ref(),
        &Problems::none(),
    )
}

/// Renders the form with a fresh double-submit token.
fn render(
    state: &ConsoleState,
    status: StatusCode,
    next: &str,
    name: &str,
    flash: Option<&Flash>,
    problems: &Problems,
) -> Response {
    let token = random_token();
    let mut body = Markup::new();
    body.raw("<p class=\"lead\">Sign in to configure which verification servers and apps may publish exposure keys. Use your operator name and password, or leave the name empty and use an admin token.</p>");
    if let Some(flash) = flash {
        flash_box(&mut body, flash);
    }
    body.raw("<form method=\"post\" action=\"/login\" class=\"card\">");
    csrf_input(&mut body, &token);
    body.raw("<input type=\"hidden\" name=\"next\"")
        .attr("value", next)
        .raw(">");
    input(
        &mut body,
        &Input::text("Operator name", "operator", name)
            .hint("Leave empty to sign in with an admin token."),
        problems,
    );
    input(
        &mut body,
        &Input::text("Password or admin token", "secret", "").widget(Widget::Password),
        problems,
    );
    body.raw("<button type=\"submit\" class=\"primary\">Sign in</button></form>");
    let mut response = bare_page(status, "Sign in", &body);
    CookieSpec::login(state.cookie_secure).set(response.headers_mut(), &token);
    response
}

/// `POST /login`.
pub async fn submit(
    State(state): State<ConsoleState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    form: Result<Form<Vec<(String, String)>>, axum::extract::rejection::FormRejection>,
) -> Response {
    let fields = match form {
        Ok(Form(pairs)) => FormFields::new(pairs),
        Err(_) => FormFields::default(),
    };
    let cookie = cookies::read(&headers, LOGIN_COOKIE).unwrap_or_default();
    let echoed = fields.all(CSRF_FIELD);
    let genuine =
        !cookie.is_empty() && matches!(echoed.as_slice(), [token] if tokens_match(&cookie, token));
    if !genuine {
        tracing::warn!("Console sign-in refused: missing or wrong form token");
        return refusal(
            StatusCode::FORBIDDEN,
            "Sign-in refused",
            "This sign-in form was not sent from the console's own sign-in page, or it is out of date. Open the sign-in page again and retry.",
        );
    }
    let next = fields.text("next");
    let next = safe_next(&next).to_owned();
    let name = fields.text("operator");
    let account = name.trim().to_owned();
    let now = Instant::now();
    let throttled = state.throttle.check(addr, &account, now);
    if throttled.is_err() && account.is_empty() {
        // The admin token is never locked out (anyone behind the operator's address could
        // otherwise lock the operator out): while throttled, each attempt waits
        // [`LOCKED_TOKEN_DELAY`], then the token is checked as usual.
        tokio::time::sleep(LOCKED_TOKEN_DELAY).await;
    } else if let Err(wait) = throttled {
        state.writer.metrics().auth_failure("console_locked");
        tracing::warn!(
            "Console sign-in refused: too many failures for this account from this client"
        );
        let seconds = wait.as_secs().max(1);
        let flash = Flash::error(format!(
            "Too many failed sign-ins for this operator from your address. Wait {seconds} seconds and try again."
        ));
        return render(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            &next,
            &name,
            Some(&flash),
            &Problems::none(),
        );
    }
    let secret = fields.text("secret");
    let operator = if name.trim().is_empty() {
        state
            .tokens
            .accepts(secret.trim())
            .then(|| ACTOR.to_owned())
    } else {
        state.operators.verify(&name, &secret).map(str::to_owned)
    };
    let Some(operator) = operator else {
        state
            .throttle
            .record_failure(addr, &account, Instant::now());
        state.writer.metrics().auth_failure("console_invalid");
        tracing::warn!("Console sign-in failed");
        let flash = Flash::error(
            "Sign-in failed: the operator name and password, or the admin token, are not right.",
        );
        return render(
            &state,
            StatusCode::UNAUTHORIZED,
            &next,
            &name,
            Some(&flash),
            &Problems::none(),
        );
    };
    state.throttle.record_success(addr, &account);
    let id = state.sessions.create(&operator, now);
    tracing::info!(operator = %operator, "Console sign-in");
    let mut response = Redirect::to(&next).into_response();
    CookieSpec::session(state.cookie_secure).set(response.headers_mut(), &id);
    CookieSpec::login(state.cookie_secure).clear(response.headers_mut());
    response
}

/// `POST /logout`.
pub async fn logout(State(state): State<ConsoleState>, signed: SignedIn) -> Response {
    state.sessions.remove(signed.key);
    tracing::info!(operator = %signed.operator, "Console sign-out");
    let mut response = Redirect::to("/login?signed_out=1").into_response();
    CookieSpec::session(state.cookie_secure).clear(response.headers_mut());
    response
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_console_pages_are_redirect_targets() {
        for ok in [
            "/console",
            "/console/audit",
            "/console/authorized-apps/edit/a%2Fb",
            "/console?x=1",
        ] {
            assert_eq!(safe_next(ok), ok);
        }
        for bad in [
            "https://evil.example/",
            "//evil.example/console",
            "/console//evil",
            "/consolex",
            "/console/\\evil",
            "/login",
            "",
            "/console/a\nb",
        ] {
            assert_eq!(safe_next(bad), "/console", "{bad:?}");
        }
    }
}
