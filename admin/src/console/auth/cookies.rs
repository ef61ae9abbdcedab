//! The console's two cookies, written and read by hand (no cookie crate needed for two values).
//!
//! - `en_admin_session`: the session id; `HttpOnly; SameSite=Strict; Path=/`, plus `Secure`
//!   when `ADMIN_COOKIE_SECURE=true`. No `Max-Age`: it ends with the browser, and the server
//!   ends it earlier on idle or age.
//! - `en_admin_login`: a random value the sign-in form echoes in its hidden CSRF field (a
//!   double-submit token), so another site cannot sign a browser in to an account of its
//!   choosing. Same attributes, `Path=/login`, 30 minutes.

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "en_admin_session";
/// Name of the sign-in form's cookie.
pub const LOGIN_COOKIE: &str = "en_admin_login";
/// Lifetime of the sign-in form's cookie, in seconds.
pub const LOGIN_COOKIE_MAX_AGE: u64 = 30 * 60;

/// The value of cookie `name` sent with the request (the first, if several).
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim().to_owned())
}

/// Attributes of one `Set-Cookie`.
#[derive(Debug, Clone, Copy)]
pub struct CookieSpec {
    pub name: &'static str,
    pub path: &'static str,
    pub secure: bool,
    /// `None`: a browser-session cookie.
    pub max_age: Option<u64>,
}

impl CookieSpec {
    /// The session cookie.
    pub fn session(secure: bool) -> Self {
        Self {
            name: SESSION_COOKIE,
            path: "/",
            secure,
            max_age: None,
        }
    }

    /// The sign-in form's cookie.
    pub fn login(secure: bool) -> Self {
        Self {
            name: LOGIN_COOKIE,
            path: "/login",
            secure,
            max_age: Some(LOGIN_COOKIE_MAX_AGE),
        }
    }

    fn header(&self, value: &str, max_age: Option<u64>) -> Option<HeaderValue> {
        let mut text = format!(
            "{}={value}; Path={}; HttpOnly; SameSite=Strict",
            self.name, self.path
        );
        if let Some(seconds) = max_age {
            text.push_str(&format!("; Max-Age={seconds}"));
        }
        if self.secure {
            text.push_str("; Secure");
        }
        HeaderValue::from_str(&text).ok()
    }

    /// Adds a `Set-Cookie` setting `value` (a random hex token, always a valid header value).
    pub fn set(&self, headers: &mut HeaderMap, value: &str) {
        if let Some(header) = self.header(value, self.max_age) {
            headers.append(SET_COOKIE, header);
        }
    }

    /// Adds a `Set-Cookie` deleting the cookie.
    pub fn clear(&self, headers: &mut HeaderMap) {
        if let Some(header) = self.header("", Some(0)) {
            headers.append(SET_COOKIE, header);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_named_cookie_among_several_headers() {
        let mut headers = HeaderMap::new();
        headers.append(
            COOKIE,
            HeaderValue::from_static("a=1; en_admin_session=abc"),
        );
        headers.append(
            COOKIE,
            HeaderValue::from_static("en_admin_session=later; b=2"),
        );
        assert_eq!(read(&headers, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(read(&headers, "b").as_deref(), Some("2"));
        assert_eq!(read(&headers, LOGIN_COOKIE), None);
    }

    #[test]
    fn session_cookie_attributes() {
        let mut headers = HeaderMap::new();
        CookieSpec::session(false).set(&mut headers, "abc");
        CookieSpec::session(true).set(&mut headers, "abc");
        CookieSpec::login(false).clear(&mut headers);
        let values: Vec<&str> = headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        assert_eq!(
            values,
            [
                "en_admin_session=abc; Path=/; HttpOnly; SameSite=Strict",
                "en_admin_session=abc; Path=/; HttpOnly; SameSite=Strict; Secure",
                "en_admin_login=; Path=/login; HttpOnly; SameSite=Strict; Max-Age=0",
            ]
        );
    }
}
