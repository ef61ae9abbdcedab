//! The operator's web console: server-rendered pages for the configuration the REST API
//! manages, behind a sign-in.
//!
//! - Pages live under `/console`; `/login` and `/logout` handle sessions. Every route is listed
//!   once in [`CONSOLE_ROUTES`] with its [`Access`]; the router is built from that table, and
//!   the tests walk it to prove that every page needs a session and every form a CSRF token.
//! - Three rooms, depending one way: [`kit`] (HTML, widgets, form problems, times, charts) ←
//!   [`auth`] (sign-in, sessions, cookies, CSRF guard, throttle) ← [`pages`] (one module per
//!   entity or view); this module holds the route table and the router.
//! - Sign-in takes an admin token (the API's) or a named operator account
//!   ([`operators`]); sessions are server-side ([`session`]); failed sign-ins are throttled per
//!   client address ([`throttle`]); [`guard`] checks the session and the CSRF token.
//! - Forms are turned into the REST API's form structs and checked by the same rules
//!   ([`crate::validation`]), then written through the same [`ConfigWriter`] as the API, with
//!   the operator's name as the audit actor. A refused form is shown again with what was typed
//!   and each message next to its field.
//! - HTML is built with [`html::Markup`], which only accepts escaped text; pages use no
//!   JavaScript, and the Content-Security-Policy forbids it.
//!
//! - Export configurations and signature infos ([`export_form`], [`signature_infos`]) use the
//!   export rules of the same module.
//! - A health authority's statistics download as CSV ([`stats_csv`]), read from the exporter's
//!   ops listener (`EXPORTER_OPS_URL`): the console has no database.
//! - The Health page ([`health`]) charts the last hour from Prometheus (`PROMETHEUS_URL`) as
//!   server-rendered SVG ([`chart`]).

mod auth;
mod kit;
mod pages;
pub mod settings;

pub use auth::{cookies, operators, session, throttle};
use auth::{guard, login};
use kit::assets;
pub use kit::{chart, form, html};
use pages::{
    apps, audit, authorities, export_form, health, home, keys, numbered, signature_infos, stats_csv,
};

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::StatusCode;
use axum::middleware;
use axum::routing::{on, MethodFilter, MethodRouter};
use axum::Router;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::{Level, Span};

use crate::auth::AdminTokens;
use crate::prometheus::PrometheusClient;
use crate::verb::Verb;
use crate::writer::ConfigWriter;
use authorities::AuthorityValues;
use export_form::ConfigValues;
use operators::Operators;
use session::SessionStore;
use settings::ConsoleSettings;
use signature_infos::InfoValues;
use throttle::LoginThrottle;

/// Longest a console request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// State shared by the console's handlers.
#[derive(Debug, Clone)]
pub struct ConsoleState {
    pub writer: Arc<ConfigWriter>,
    pub tokens: Arc<AdminTokens>,
    pub operators: Arc<Operators>,
    pub sessions: Arc<SessionStore>,
    pub throttle: Arc<LoginThrottle>,
    /// Mark cookies `Secure`.
    pub cookie_secure: bool,
    /// The Prometheus server of the Health page (`PROMETHEUS_URL`), if configured.
    pub prometheus: Option<Arc<PrometheusClient>>,
    /// The exporter's ops listener, where the statistics CSV is read (`EXPORTER_OPS_URL`).
    pub exporter_ops: Option<String>,
}

impl ConsoleState {
    /// Fresh state (no sessions) over `writer`.
    pub fn new(
        writer: Arc<ConfigWriter>,
        tokens: Arc<AdminTokens>,
        settings: &ConsoleSettings,
    ) -> Self {
        Self {
            writer,
            tokens,
            operators: Arc::new(settings.operators.clone()),
            sessions: Arc::new(SessionStore::new(settings.sessions)),
            throttle: Arc::new(LoginThrottle::new()),
            cookie_secure: settings.cookie_secure,
            prometheus: settings.prometheus_url.as_deref().and_then(|url| {
                PrometheusClient::new(url, settings.prometheus_timeout)
                    .map_err(|e| tracing::error!(error = %e, "Cannot build the Prometheus client"))
                    .ok()
                    .map(Arc::new)
            }),
            exporter_ops: settings
                .exporter_ops_url
                .as_deref()
                .map(|u| u.trim_end_matches('/').to_owned()),
        }
    }
}

/// Who may reach a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The sign-in page, its form (protected by its own double-submit token) and the stylesheet.
    Public,
    /// A signed-in operator; non-GET requests also need the session's CSRF token.
    Session,
}

/// One route of the console.
#[derive(Debug, Clone, Copy)]
pub struct ConsoleRoute {
    pub verb: Verb,
    /// The path as registered (`{id}` is a health-authority id, `{app}` an app id).
    pub path: &'static str,
    pub access: Access,
    handler: fn(MethodFilter) -> MethodRouter<ConsoleState>,
}

macro_rules! route {
    ($verb:ident $path:literal $access:ident => $handler:path) => {
        ConsoleRoute {
            verb: Verb::$verb,
            path: $path,
            access: Access::$access,
            handler: |filter| on(filter, $handler),
        }
    };
}

/// Every route of the console.
pub const CONSOLE_ROUTES: &[ConsoleRoute] = &[
    route!(Get "/login" Public => login::form),
    route!(Post "/login" Public => login::submit),
    route!(Get "/console/assets/console.css" Public => assets::stylesheet),
    route!(Post "/logout" Session => login::logout),
    route!(Get "/" Session => home::root),
    route!(Get "/console" Session => home::page),
    route!(Get "/console/health-authorities" Session => numbered::list::<AuthorityValues>),
    route!(Get "/console/health-authorities/new" Session => numbered::new_form::<AuthorityValues>),
    route!(Post "/console/health-authorities" Session => numbered::create::<AuthorityValues>),
    route!(Get "/console/health-authorities/{id}" Session => authorities::show),
    route!(Post "/console/health-authorities/{id}" Session => authorities::update),
    route!(Get "/console/health-authorities/{id}/stats.csv" Session => stats_csv::download),
    route!(Post "/console/health-authorities/{id}/keys" Session => keys::add),
    route!(Post "/console/health-authorities/{id}/keys/revoke" Session => keys::revoke),
    route!(Post "/console/health-authorities/{id}/keys/reinstate" Session => keys::reinstate),
    route!(Post "/console/health-authorities/{id}/keys/activate" Session => keys::activate),
    route!(Get "/console/authorized-apps" Session => apps::list),
    route!(Get "/console/authorized-apps/new" Session => apps::new_form),
    route!(Post "/console/authorized-apps" Session => apps::create),
    route!(Get "/console/authorized-apps/edit/{app}" Session => apps::show),
    route!(Post "/console/authorized-apps/edit/{app}" Session => apps::update),
    route!(Post "/console/authorized-apps/delete/{app}" Session => apps::delete),
    route!(Get "/console/export-configs" Session => numbered::list::<ConfigValues>),
    route!(Get "/console/export-configs/new" Session => numbered::new_form::<ConfigValues>),
    route!(Post "/console/export-configs" Session => numbered::create::<ConfigValues>),
    route!(Get "/console/export-configs/{id}" Session => numbered::show::<ConfigValues>),
    route!(Post "/console/export-configs/{id}" Session => numbered::update::<ConfigValues>),
    route!(Get "/console/signature-infos" Session => numbered::list::<InfoValues>),
    route!(Get "/console/signature-infos/new" Session => numbered::new_form::<InfoValues>),
    route!(Post "/console/signature-infos" Session => numbered::create::<InfoValues>),
    route!(Get "/console/signature-infos/{id}" Session => numbered::show::<InfoValues>),
    route!(Post "/console/signature-infos/{id}" Session => numbered::update::<InfoValues>),
    route!(Get "/console/audit" Session => audit::page),
    route!(Get "/console/health" Session => health::page),
    route!(Get "/console/{*rest}" Session => home::not_found),
];

fn filter(verb: Verb) -> MethodFilter {
    match verb {
        Verb::Get => MethodFilter::GET,
        Verb::Post => MethodFilter::POST,
        Verb::Put => MethodFilter::PUT,
        Verb::Delete => MethodFilter::DELETE,
    }
}

/// The console router (to merge with the API's, which owns the fallback).
pub fn console_router(state: ConsoleState) -> Router {
    let mut public = Router::new();
    let mut protected = Router::new();
    for route in CONSOLE_ROUTES {
        let method_router = (route.handler)(filter(route.verb));
        match route.access {
            Access::Public => public = public.route(route.path, method_router),
            Access::Session => protected = protected.route(route.path, method_router),
        }
    }
    let protected = protected.route_layer(middleware::from_fn_with_state(
        state.clone(),
        guard::require_session,
    ));
    public
        .merge(protected)
        .with_state(state)
        .layer(middleware::from_fn(guard::security_headers))
        .layer(DefaultBodyLimit::max(guard::FORM_LIMIT))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
}

/// The span of a console request: its method and matched route only, so the query (`next`),
/// cookies and form bodies never reach the logs.
fn request_span(request: &Request) -> Span {
    let extensions = request.extensions();
    let route = extensions.get::<MatchedPath>().map(MatchedPath::as_str);
    tracing::info_span!(
        "console",
        method = %request.method(),
        route = route.unwrap_or("unmatched")
    )
}

#[cfg(test)]
mod tests;
