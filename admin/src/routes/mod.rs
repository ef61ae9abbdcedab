//! The admin REST API: route table, shared state, and the layers every request passes.
//!
//! Every route is listed once in [`API_ROUTES`]; the router is built from that table and a test
//! checks it against `openapi.yaml`, so the published description cannot drift from the code;
//! the router tests also validate every request and response body they exchange against the
//! document's schemas. The document itself is served at `/admin/v1/openapi.{json,yaml}`.
//! Every route requires the admin token. Each request gets an `x-request-id` and a span with
//! method, matched route and request id (never headers: the token must not reach the logs).

mod apps;
mod document;
mod entity;
mod keys;
mod operations;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{HeaderName, StatusCode};
use axum::middleware;
use axum::routing::{on, MethodFilter, MethodRouter};
use axum::Router;
use schemas::config::{ExportConfig, HealthAuthority, SignatureInfo};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::auth::{require_admin_token, AdminTokens, AuthState};
use crate::error::ApiError;
use crate::jwks::JwksSync;
pub use crate::verb::Verb;
use crate::writer::{ConfigWriter, NumberedEntity};

pub use document::{openapi_json, OPENAPI_YAML};
pub use keys::KeyView;
pub use operations::{DEFAULT_AUDIT_LIMIT, MAX_AUDIT_LIMIT};

pub use crate::auth::ACTOR;

/// Largest accepted request body (a PEM key is a few hundred bytes).
const BODY_LIMIT: usize = 64 * 1024;
/// Longest a request may take; a JWKS sync trigger waits for its fetches.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// `201 Created` with the new entity's `Location` and the entity.
fn created<T: serde::Serialize>(location: String, body: T) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    (
        StatusCode::CREATED,
        [(axum::http::header::LOCATION, location)],
        axum::Json(body),
    )
        .into_response()
}

/// State shared by the handlers.
#[derive(Debug, Clone)]
pub struct AppState {
    pub writer: Arc<ConfigWriter>,
    pub jwks: Arc<JwksSync>,
}

/// One route of the API.
#[derive(Debug, Clone, Copy)]
pub struct ApiRoute {
    pub verb: Verb,
    pub path: &'static str,
    handler: fn(MethodFilter) -> MethodRouter<AppState>,
}

macro_rules! route {
    ($verb:ident $path:literal => $handler:path) => {
        ApiRoute {
            verb: Verb::$verb,
            path: $path,
            handler: |filter| on(filter, $handler),
        }
    };
}

/// Every route of the admin API.
pub const API_ROUTES: &[ApiRoute] = &[
    route!(Get "/admin/v1/health-authorities" => entity::list::<HealthAuthority>),
    route!(Post "/admin/v1/health-authorities" => entity::create::<HealthAuthority>),
    route!(Get "/admin/v1/health-authorities/{id}" => entity::get::<HealthAuthority>),
    route!(Put "/admin/v1/health-authorities/{id}" => entity::update::<HealthAuthority>),
    route!(Get "/admin/v1/health-authorities/{id}/keys" => keys::list),
    route!(Post "/admin/v1/health-authorities/{id}/keys" => keys::add),
    route!(Post "/admin/v1/health-authorities/{id}/keys/{version}/revoke" => keys::revoke),
    route!(Post "/admin/v1/health-authorities/{id}/keys/{version}/reinstate" => keys::reinstate),
    route!(Post "/admin/v1/health-authorities/{id}/keys/{version}/activate" => keys::activate),
    route!(Get "/admin/v1/authorized-apps" => apps::list),
    route!(Post "/admin/v1/authorized-apps" => apps::create),
    route!(Get "/admin/v1/authorized-apps/{healthAuthorityID}" => apps::get),
    route!(Put "/admin/v1/authorized-apps/{healthAuthorityID}" => apps::update),
    route!(Delete "/admin/v1/authorized-apps/{healthAuthorityID}" => apps::delete),
    route!(Get "/admin/v1/audit" => operations::audit),
    route!(Post "/admin/v1/jwks-sync" => operations::jwks_sync),
    route!(Get "/admin/v1/export-configs" => entity::list::<ExportConfig>),
    route!(Post "/admin/v1/export-configs" => entity::create::<ExportConfig>),
    route!(Get "/admin/v1/export-configs/{id}" => entity::get::<ExportConfig>),
    route!(Put "/admin/v1/export-configs/{id}" => entity::update::<ExportConfig>),
    route!(Get "/admin/v1/signature-infos" => entity::list::<SignatureInfo>),
    route!(Post "/admin/v1/signature-infos" => entity::create::<SignatureInfo>),
    route!(Get "/admin/v1/signature-infos/{id}" => entity::get::<SignatureInfo>),
    route!(Put "/admin/v1/signature-infos/{id}" => entity::update::<SignatureInfo>),
    route!(Get "/admin/v1/openapi.json" => document::json),
    route!(Get "/admin/v1/openapi.yaml" => document::yaml),
];

/// A health-authority id from the path; one that is not a number names nothing (404).
fn parse_authority_id(text: &str) -> Result<i64, ApiError> {
    entity::parse_id(HealthAuthority::NOUN, text)
}

/// The API router with authentication and request layers (without the ops routes).
pub fn api_router(state: AppState, tokens: Arc<AdminTokens>) -> Router {
    let auth = AuthState {
        tokens,
        metrics: state.writer.metrics().clone(),
    };
    let mut router = Router::new();
    for route in API_ROUTES {
        router = router.route(route.path, (route.handler)(route.verb.filter()));
    }
    let request_id = HeaderName::from_static("x-request-id");
    router
        .fallback(|| async { ApiError::NoRoute })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .with_state(state)
        .layer(middleware::from_fn_with_state(auth, require_admin_token))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    let route = request
                        .extensions()
                        .get::<MatchedPath>()
                        .map_or("unmatched", MatchedPath::as_str);
                    let request_id = request
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default();
                    tracing::info_span!("request", method = %request.method(), route, request_id)
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .layer(middleware::map_request(drop_unacceptable_request_id))
}

/// Longest client `X-Request-Id` kept (logged and echoed); longer or odd ones are replaced by a
/// generated id before anything reads them.
pub const MAX_REQUEST_ID_BYTES: usize = 64;

/// Whether a client's request id may be kept: 1 to [`MAX_REQUEST_ID_BYTES`] bytes of
/// `[A-Za-z0-9._-]`.
pub fn acceptable_request_id(id: &[u8]) -> bool {
    (1..=MAX_REQUEST_ID_BYTES).contains(&id.len())
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Runs before authentication: a client's request id is kept only when acceptable (and only
/// once); otherwise it is removed and a fresh UUID is generated in its place.
async fn drop_unacceptable_request_id(mut request: Request) -> Request {
    let headers = request.headers_mut();
    let keep = {
        let mut ids = headers.get_all("x-request-id").iter();
        matches!((ids.next(), ids.next()), (Some(id), None) if acceptable_request_id(id.as_bytes()))
    };
    if !keep {
        headers.remove("x-request-id");
    }
    request
}

#[cfg(test)]
mod tests;
