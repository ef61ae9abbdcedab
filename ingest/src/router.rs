//! Routes and middleware, in the reference's order. On the publish routes, from the
//! outside in: body read under its deadline (before any slot is taken, [`crate::body_deadline`])
//! → concurrency limit → chaff → request span → maintenance → handler. Beside them only a bare
//! `/health`; the ops endpoints live on the ops listener. Unmatched paths get Go's plain 404.

use std::time::Instant;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::any;
use axum::Router;
use http::{header, HeaderValue, StatusCode};
use platform::ops::Ops;
use tracing::Instrument as _;
use uuid::Uuid;

use crate::body_deadline;
use crate::chaff;
use crate::publish::handler::{self, RequestId};
use crate::state::AppState;

/// The maintenance-mode body, byte for byte.
pub const MAINTENANCE_BODY: &str = r#"{"error": "please try again later"}"#;

/// Builds the service's public router.
pub fn router(state: AppState) -> Router {
    let mut publish = Router::new()
        .route("/v1/publish", any(handler::v1))
        .route("/v1/publish/", any(not_found));
    if state.settings().enable_v1alpha1 {
        publish = publish.route("/", any(handler::v1alpha1));
    }
    let publish = publish
        .route_layer(middleware::from_fn_with_state(state.clone(), maintenance))
        .route_layer(middleware::from_fn(request_span))
        .route_layer(middleware::from_fn_with_state(state.clone(), chaff::layer))
        .route_layer(middleware::from_fn_with_state(state.clone(), limit))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            body_deadline::layer,
        ))
        .with_state(state);
    publish.merge(Ops::liveness_router()).fallback(not_found)
}

/// Go's `http.NotFound`.
pub async fn not_found() -> Response {
    let mut response = Response::new(Body::from("404 page not found\n"));
    *response.status_mut() = StatusCode::NOT_FOUND;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response.headers_mut().insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// `MAINTENANCE_MODE`: 429 with the reference body, no padding, no code.
async fn maintenance(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !state.settings().maintenance_mode {
        return next.run(request).await;
    }
    let mut response = Response::new(Body::from(MAINTENANCE_BODY));
    *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// One span per request: request id, method, matched route, then status and latency. Never the
/// peer address or the user agent.
async fn request_span(mut request: Request, next: Next) -> Response {
    let id = Uuid::new_v4();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %request.method(),
        route = %route,
    );
    request.extensions_mut().insert(RequestId(id));
    let started = Instant::now();
    let response = next.run(request).instrument(span.clone()).await;
    // Every request is counted in the metrics; the per-request line is for debugging (at a few
    // thousand uploads a second, an INFO line each would cost more than the TLS-free request).
    span.in_scope(|| {
        tracing::debug!(
            status = response.status().as_u16(),
            latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "Request finished"
        );
    });
    response
}

/// Bounds the requests handled at once (`MAX_CONCURRENT_REQUESTS`); beyond it, 503.
async fn limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Ok(_permit) = state.concurrency().clone().try_acquire_owned() else {
        state.metrics().overloaded.inc();
        let mut response = Response::new(Body::from(
            r#"{"error":"server is busy, please try again later","code":"internal_error"}"#,
        ));
        *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        return response;
    };
    next.run(request).await
}

#[cfg(test)]
#[path = "router_tests/mod.rs"]
mod tests;
