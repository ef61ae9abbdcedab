//! Router tests of the console over an in-memory store, through `tower::ServiceExt::oneshot`:
//! the harness here; sessions and CSRF in [`access`]; sign-in, cookies, throttle and headers in
//! [`sign_in`]; the forms in [`forms`] and [`exports`].

mod access;
mod exports;
mod forms;
mod sign_in;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use platform::env::Secret;
use prometheus::Registry;
use tower::ServiceExt as _;

use super::{console_router, ConsoleState};
use crate::auth::AdminTokens;
use crate::console::auth::operators::Operators;
use crate::console::kit::html::url_component;
use crate::console::settings::ConsoleSettings;
use crate::metrics::AdminMetrics;
use crate::store::MemoryStore;
use crate::writer::ConfigWriter;

pub(super) const TOKEN: &str = "console-test-token-0123456789";
pub(super) const OPERATOR: &str = "alice";
pub(super) const PASSWORD: &str = "alice-password-0123456789";

/// A P-256 public key (PKIX PEM).
pub(super) const P256_PEM: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEbCTK7Dw5HWGQDBjtXwotLR+l7eyH
w48qljsTvfnzAR5ZjNvQ6HFzIzVsQD5V/hIQs7/9nY9dTERsNT5/niqGuw==
-----END PUBLIC KEY-----";

/// The forms [`Console::seed`] posts, in order.
const SEED: &[(&str, &[(&str, &str)])] = &[
    (
        "/console/health-authorities",
        &[
            ("name", "Example"),
            ("issuer", "gov.example.iss"),
            ("audience", "gov.example.aud"),
            ("jwksUri", ""),
            ("enableStats", "on"),
        ],
    ),
    (
        "/console/health-authorities/1/keys",
        &[
            ("version", "v1"),
            ("publicKeyPem", P256_PEM),
            ("from", ""),
            ("thru", ""),
        ],
    ),
    (
        "/console/authorized-apps",
        &[
            ("healthAuthorityID", "com.example.app"),
            ("regions", "US\nCA"),
            ("allowedHealthAuthorityIDs", "1"),
        ],
    ),
    (
        "/console/signature-infos",
        &[
            ("signingKey", "export-signing-key.pem"),
            ("signingKeyId", "310"),
            ("signingKeyVersion", "v1"),
        ],
    ),
    (
        "/console/export-configs",
        &[
            ("filenameRoot", "us"),
            ("outputRegion", "US"),
            ("periodSeconds", "4h"),
            ("includeTravelers", "on"),
            ("signatureInfoIds", "1"),
        ],
    ),
];

pub(super) struct Console {
    pub(super) state: ConsoleState,
    pub(super) store: Arc<MemoryStore>,
}

/// An answer.
#[derive(Debug)]
pub(super) struct Reply {
    pub(super) status: StatusCode,
    pub(super) headers: HeaderMap,
    pub(super) body: String,
}

impl Reply {
    pub(super) fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    pub(super) fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect()
    }

    /// Asserts that the page shows each of `texts`.
    pub(super) fn assert_shows(&self, texts: &[&str]) {
        for text in texts {
            assert!(self.body.contains(text), "{text:?} not in {}", self.body);
        }
    }

    /// Asserts that the page shows a message under each of `fields`.
    pub(super) fn assert_field_errors(&self, fields: &[&str]) {
        for field in fields {
            let id = format!("id=\"f-{field}-error\"");
            assert!(self.body.contains(&id), "{field}: {}", self.body);
        }
    }

    /// The value of the first `name="csrf"` hidden field.
    pub(super) fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self
            .body
            .find(marker)
            .map(|i| i + marker.len())
            .unwrap_or_else(|| panic!("no csrf field in {}", self.body));
        self.body[start..start + 64].to_owned()
    }
}

/// A signed-in browser: its session cookie and the session's CSRF token.
#[derive(Debug, Clone)]
pub(super) struct Session {
    pub(super) cookie: String,
    pub(super) csrf: String,
}

pub(super) fn console() -> Console {
    console_with(ConsoleSettings::default())
}

/// A console with a token session and the entities of [`Console::seed`].
pub(super) async fn seeded() -> (Console, Session) {
    let c = console();
    let session = c.session().await;
    c.seed(&session).await;
    (c, session)
}

pub(super) fn console_with(mut settings: ConsoleSettings) -> Console {
    let store = Arc::new(MemoryStore::new());
    let metrics = AdminMetrics::register(&Registry::new()).unwrap_or_else(|e| panic!("{e}"));
    let writer = Arc::new(ConfigWriter::new(
        store.clone(),
        metrics,
        Duration::from_secs(1),
    ));
    let tokens = AdminTokens::parse(&Secret::new(TOKEN)).unwrap_or_else(|e| panic!("{e}"));
    settings.operators =
        Operators::parse(&format!("{OPERATOR}:{PASSWORD}\n")).unwrap_or_else(|e| panic!("{e:?}"));
    let state = ConsoleState::new(writer, Arc::new(tokens), &settings);
    Console { state, store }
}

/// Form-encodes `pairs`.
pub(super) fn encode(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", url_component(k), url_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}

impl Console {
    /// The router as a browser at `addr` reaches it.
    pub(super) fn router_from(&self, addr: &str) -> Router {
        let addr: SocketAddr = addr.parse().unwrap_or_else(|e| panic!("{e}"));
        console_router(self.state.clone()).layer(MockConnectInfo(addr))
    }

    pub(super) async fn send_from(&self, addr: &str, request: Request<Body>) -> Reply {
        let response = self
            .router_from(addr)
            .oneshot(request)
            .await
            .unwrap_or_else(|e| match e {});
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 22)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub(super) async fn send(&self, request: Request<Body>) -> Reply {
        self.send_from("192.0.2.10:5000", request).await
    }

    pub(super) async fn get(&self, path: &str, cookie: Option<&str>) -> Reply {
        let mut request = Request::builder().method(Method::GET).uri(path);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(
            request
                .body(Body::empty())
                .unwrap_or_else(|e| panic!("{e}")),
        )
        .await
    }

    pub(super) fn form_request(path: &str, cookie: Option<&str>, body: String) -> Request<Body> {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        request
            .body(Body::from(body))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Posts `pairs` as a form (no CSRF field added).
    pub(super) async fn post_raw(
        &self,
        path: &str,
        cookie: Option<&str>,
        pairs: &[(&str, &str)],
    ) -> Reply {
        self.send(Self::form_request(path, cookie, encode(pairs)))
            .await
    }

    /// Posts `pairs` plus the session's CSRF token.
    pub(super) async fn post(
        &self,
        session: &Session,
        path: &str,
        pairs: &[(&str, &str)],
    ) -> Reply {
        let mut all = vec![("csrf", session.csrf.as_str())];
        all.extend_from_slice(pairs);
        self.post_raw(path, Some(&session.cookie), &all).await
    }

    /// Posts `pairs` with the session's CSRF token and asserts the answer's `status`.
    pub(super) async fn submit(
        &self,
        session: &Session,
        path: &str,
        pairs: &[(&str, &str)],
        status: StatusCode,
    ) -> Reply {
        let reply = self.post(session, path, pairs).await;
        assert_eq!(reply.status, status, "{path}: {}", reply.body);
        reply
    }

    /// Signs in from `addr` with `operator` (blank: admin token) and `secret`.
    pub(super) async fn sign_in_from(
        &self,
        addr: &str,
        operator: &str,
        secret: &str,
        next: &str,
    ) -> Reply {
        let form = self
            .send_from(
                addr,
                Request::builder()
                    .uri("/login")
                    .body(Body::empty())
                    .unwrap_or_else(|e| panic!("{e}")),
            )
            .await;
        assert_eq!(form.status, StatusCode::OK);
        let token = form.csrf();
        let cookie = format!("en_admin_login={token}");
        self.send_from(
            addr,
            Self::form_request(
                "/login",
                Some(&cookie),
                encode(&[
                    ("csrf", &token),
                    ("next", next),
                    ("operator", operator),
                    ("secret", secret),
                ]),
            ),
        )
        .await
    }

    /// A session signed in with the admin token.
    pub(super) async fn session(&self) -> Session {
        self.session_as("", TOKEN).await
    }

    /// A session signed in as `operator` (blank: admin token).
    pub(super) async fn session_as(&self, operator: &str, secret: &str) -> Session {
        let reply = self
            .sign_in_from("192.0.2.10:5000", operator, secret, "/console")
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let cookie = reply
            .set_cookies()
            .into_iter()
            .find(|c| c.starts_with("en_admin_session="))
            .and_then(|c| c.split(';').next().map(str::to_owned))
            .unwrap_or_else(|| panic!("no session cookie"));
        let home = self.get("/console", Some(&cookie)).await;
        assert_eq!(home.status, StatusCode::OK, "{}", home.body);
        Session {
            csrf: home.csrf(),
            cookie,
        }
    }

    /// Creates health authority 1 with key `v1`, app `com.example.app` accepting it, signature
    /// info 1 and export config 1 signed by it.
    pub(super) async fn seed(&self, session: &Session) {
        for (path, pairs) in SEED {
            self.submit(session, path, pairs, StatusCode::SEE_OTHER)
                .await;
        }
    }
}
