//! Router tests: the whole API over an in-memory store, through `tower::ServiceExt::oneshot`.
//! This module holds the harness and the authentication tests; every exchange through the
//! harness is checked against `openapi.yaml` (`openapi`); the flows are in the submodules.

mod apps;
mod authorities;
mod exports;
mod openapi;
mod operations;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use platform::env::Secret;
use prometheus::Registry;
use serde_json::{json, Value};
use tower::ServiceExt as _;

use super::{api_router, AppState, API_ROUTES};
use crate::auth::AdminTokens;
use crate::jwks::JwksSync;
use crate::metrics::AdminMetrics;
use crate::settings::JwksSettings;
use crate::store::MemoryStore;
use crate::writer::ConfigWriter;

pub(super) const TOKEN: &str = "router-test-token-0123456789";

pub(super) struct Api {
    router: Router,
    pub(super) store: Arc<MemoryStore>,
    registry: Registry,
}

pub(super) fn api() -> Api {
    let store = Arc::new(MemoryStore::new());
    let registry = Registry::new();
    let metrics = AdminMetrics::register(&registry).unwrap_or_else(|e| panic!("{e}"));
    let writer = Arc::new(ConfigWriter::new(
        store.clone(),
        metrics,
        Duration::from_secs(1),
    ));
    let jwks_settings = JwksSettings {
        request_timeout: Duration::from_secs(5),
        ..JwksSettings::default()
    };
    let jwks =
        Arc::new(JwksSync::new(writer.clone(), jwks_settings).unwrap_or_else(|e| panic!("{e}")));
    let tokens = AdminTokens::parse(&Secret::new(format!("{TOKEN},second-token-abcdefghijkl")))
        .unwrap_or_else(|e| panic!("{e}"));
    Api {
        router: api_router(AppState { writer, jwks }, Arc::new(tokens)),
        store,
        registry,
    }
}

impl Api {
    pub(super) async fn send(&self, request: Request<Body>) -> (StatusCode, Value) {
        self.exchange(request, None).await
    }

    /// Sends `request` (whose JSON body, if any, is `json`) and checks the exchange against
    /// the OpenAPI document.
    async fn exchange(&self, request: Request<Body>, json: Option<&Value>) -> (StatusCode, Value) {
        let (method, path) = (request.method().clone(), request.uri().to_string());
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .unwrap_or_else(|e| match e {});
        let status = response.status();
        let media_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or_default().trim().to_owned());
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let body = if bytes.is_empty() {
            Value::Null
        } else if media_type.as_deref() == Some("application/yaml") {
            Value::String(String::from_utf8_lossy(&bytes).into_owned())
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("non-JSON body {bytes:?}: {e}"))
        };
        let exchange = openapi::Exchange {
            method: &method,
            path: &path,
            request: json,
            status,
            media_type: media_type.as_deref(),
            response: &body,
        };
        exchange.check();
        (status, body)
    }

    pub(super) async fn call_as(
        &self,
        token: Option<&str>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = match &body {
            Some(body) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string())),
            None => request.body(Body::empty()),
        };
        self.exchange(request.unwrap_or_else(|e| panic!("{e}")), body.as_ref())
            .await
    }

    pub(super) async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.call_as(Some(TOKEN), method, path, body).await
    }

    /// Calls with the admin token and checks the answer's status; returns the body.
    pub(super) async fn expect(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        status: StatusCode,
    ) -> Value {
        let (got, answer) = self.call(method.clone(), path, body).await;
        assert_eq!(got, status, "{method} {path}: {answer}");
        answer
    }

    /// `GET` with the admin token, expecting 200; returns the body.
    pub(super) async fn get(&self, path: &str) -> Value {
        self.expect(Method::GET, path, None, StatusCode::OK).await
    }

    /// `POST` of `body` with the admin token, expecting 201; returns the body.
    pub(super) async fn create(&self, path: &str, body: Value) -> Value {
        self.expect(Method::POST, path, Some(body), StatusCode::CREATED)
            .await
    }

    /// `PUT` of `body` with the admin token, expecting 200; returns the body.
    pub(super) async fn replace(&self, path: &str, body: Value) -> Value {
        self.expect(Method::PUT, path, Some(body), StatusCode::OK)
            .await
    }

    /// A path that names nothing: `method` (with `body`) answers 404.
    pub(super) async fn not_found(&self, method: Method, path: &str, body: Option<Value>) {
        self.expect(method, path, body, StatusCode::NOT_FOUND).await;
    }

    /// A refused write: `status`, naming the offending `field`; returns the answer.
    pub(super) async fn refuses(
        &self,
        method: Method,
        path: &str,
        body: Value,
        status: StatusCode,
        field: &str,
    ) -> Value {
        let answer = self.expect(method, path, Some(body), status).await;
        assert_eq!(answer["field"].as_str(), Some(field), "{answer}");
        answer
    }

    pub(super) async fn create_authority(&self, issuer: &str) -> i64 {
        let body = self
            .create(
                "/admin/v1/health-authorities",
                json!({"issuer": issuer, "audience": "aud", "name": "Authority"}),
            )
            .await;
        body["id"].as_i64().unwrap_or_default()
    }

    pub(super) fn metric(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        let mut total = 0.0;
        for family in self.registry.gather().iter().filter(|f| f.name() == name) {
            for metric in family.get_metric() {
                let matches = labels.iter().all(|(k, v)| {
                    metric
                        .get_label()
                        .iter()
                        .any(|l| l.name() == *k && l.value() == *v)
                });
                if matches {
                    total += metric.get_counter().get_value();
                }
            }
        }
        total as u64
    }
}

/// The `error` message of an answer (or part of one) mentions `text`.
#[track_caller]
pub(super) fn assert_error_mentions(answer: &Value, text: &str) {
    assert!(
        answer["error"].as_str().is_some_and(|e| e.contains(text)),
        "{answer}"
    );
}

fn concrete(path: &str) -> String {
    path.replace("{id}", "1")
        .replace("{version}", "v1")
        .replace("{healthAuthorityID}", "com.example.app")
}

#[test]
fn openapi_describes_exactly_the_routes_of_the_router() {
    let mut documented = openapi::documented_operations();
    let mut routed: Vec<(String, String)> = API_ROUTES
        .iter()
        .map(|r| (r.verb.as_str().to_owned(), r.path.to_owned()))
        .collect();
    documented.sort();
    routed.sort();
    assert!(
        !documented.is_empty(),
        "no operations parsed from openapi.yaml"
    );
    assert_eq!(documented, routed);
}

#[tokio::test]
async fn every_route_refuses_missing_and_wrong_tokens() {
    let api = api();
    for route in API_ROUTES {
        let method =
            Method::from_bytes(route.verb.as_str().to_uppercase().as_bytes()).unwrap_or_default();
        let path = concrete(route.path);
        let (status, body) = api.call_as(None, method.clone(), &path, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        assert_error_mentions(&body, "missing");
        let (status, body) = api
            .call_as(Some("wrong-token-0123456789"), method.clone(), &path, None)
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("invalid admin token"))
        );
    }
    let request = Request::builder()
        .uri("/admin/v1/health-authorities")
        .header(header::AUTHORIZATION, format!("Basic {TOKEN}"))
        .body(Body::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(api.send(request).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        api.metric("admin_auth_failures_total", &[("reason", "invalid")]),
        API_ROUTES.len() as u64
    );
    // The second configured token (rotation) works.
    let (status, _) = api
        .call_as(
            Some("second-token-abcdefghijkl"),
            Method::GET,
            "/admin/v1/health-authorities",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn client_request_ids_are_kept_only_when_short_and_plain() {
    let api = api();
    let echo = |id: Option<String>| {
        let router = api.router.clone();
        async move {
            let mut request = Request::get("/admin/v1/health-authorities");
            if let Some(id) = id {
                request = request.header("x-request-id", id);
            }
            let response = router
                .oneshot(
                    request
                        .body(Body::empty())
                        .unwrap_or_else(|e| panic!("{e}")),
                )
                .await
                .unwrap_or_else(|e| match e {});
            response
                .headers()
                .get("x-request-id")
                .map(|v| v.to_str().unwrap_or_default().to_owned())
                .unwrap_or_default()
        }
    };
    assert_eq!(echo(Some("abc-123.x_y".into())).await, "abc-123.x_y");
    for bad in [
        "a".repeat(300_000),
        "a".repeat(65),
        "a b".into(),
        "<script>".into(),
    ] {
        let echoed = echo(Some(bad.clone())).await;
        assert_ne!(echoed, bad);
        assert_eq!(echoed.len(), 36, "a generated UUID: {echoed}");
    }
    assert_eq!(echo(None).await.len(), 36);
}
