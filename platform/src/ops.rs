//! Operational HTTP endpoints every service serves on its own ops listener (`OPS_LISTEN_ADDR`,
//! loopback by default), never on its public port: `/health` (liveness with the service name and
//! readiness), `/ready` (readiness: config caught up, dependencies reachable) and `/metrics`
//! (Prometheus text). A public port keeps only a bare liveness answer ([`Ops::liveness_router`]),
//! so nobody outside learns what the metrics would tell (e.g. which request was chaff).
//!
//! Each service owns its own [`prometheus::Registry`] (no global registry), so several services
//! can run in one test process without their metrics colliding. Every metric a service exposes is
//! named under [`METRIC_PREFIX`] (the registry adds it: code registers `publish_requests_total`,
//! Prometheus sees `keyserver_publish_requests_total`) and carries the constant label `service`.
//! The full list is in `docs/metrics.md`.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use prometheus::{Encoder, Registry, TextEncoder};
use tokio::net::TcpListener;

use crate::env::Env;
use crate::http_server::HttpLimits;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The namespace of every exposed metric name (`keyserver_…`).
pub const METRIC_PREFIX: &str = "keyserver";

/// Shared state of the ops endpoints.
#[derive(Debug, Clone)]
pub struct Ops {
    /// The service's metrics.
    pub registry: Registry,
    ready: Arc<AtomicBool>,
    service: &'static str,
}

impl Ops {
    /// A fresh registry whose metric names start with [`METRIC_PREFIX`] and whose metrics carry
    /// the constant label `service`.
    pub fn new(service: &'static str) -> Self {
        let labels = [("service".to_owned(), service.to_owned())]
            .into_iter()
            .collect();
        let registry =
            Registry::new_custom(Some(METRIC_PREFIX.to_owned()), Some(labels)).unwrap_or_default();
        Self {
            registry,
            ready: Arc::new(AtomicBool::new(false)),
            service,
        }
    }

    /// Marks the service ready (or not) for `/ready`.
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::Release);
    }

    /// Whether the service reported itself ready.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// A bare `GET /health` answering `{"status":"ok"}`, for public ports (load balancers).
    pub fn liveness_router<S: Clone + Send + Sync + 'static>() -> Router<S> {
        Router::new().route("/health", get(bare_health))
    }

    /// Routes `/health`, `/ready` and `/metrics`: the ops listener's router.
    pub fn router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        Router::new()
            .route("/health", get(health))
            .route("/ready", get(ready))
            .route("/metrics", get(metrics))
            .with_state(self.clone())
    }
}

async fn bare_health() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        r#"{"status":"ok"}"#,
    )
        .into_response()
}

async fn health(State(ops): State<Ops>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        format!(
            r#"{{"status":"ok","service":"{}","ready":{}}}"#,
            ops.service,
            ops.is_ready()
        ),
    )
        .into_response()
}

async fn ready(State(ops): State<Ops>) -> Response {
    if ops.is_ready() {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"status":"ready"}"#,
        )
            .into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"status":"starting"}"#,
        )
            .into_response()
    }
}

async fn metrics(State(ops): State<Ops>) -> Response {
    let encoder = TextEncoder::new();
    let mut body = Vec::new();
    match encoder.encode(&ops.registry.gather(), &mut body) {
        Ok(()) => (
            [(header::CONTENT_TYPE, encoder.format_type().to_owned())],
            body,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "Cannot encode metrics");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Serves `router` on `listener` under `limits` until `shutdown` is cancelled, then finishes
/// in-flight requests (no layer ever sees the peer address): every listener, ops or public,
/// runs on the one hardened server.
pub use crate::http_server::serve;

/// `OPS_LISTEN_ADDR`, loopback by default (`default` is the service's own default address).
pub fn listen_addr(env: &mut Env, default: &str) -> String {
    env.string("OPS_LISTEN_ADDR", default)
}

/// The ops listener of a service: bound, with the ops router, ready to spawn.
#[derive(Debug)]
pub struct OpsServer {
    listener: TcpListener,
    addr: std::net::SocketAddr,
    router: Router,
}

impl OpsServer {
    /// Binds `addr` for `ops`.
    pub async fn bind(addr: &str, ops: &Ops) -> anyhow::Result<Self> {
        use anyhow::Context as _;
        let listener = bind(addr).await?;
        let addr = listener
            .local_addr()
            .context("cannot read the ops listener's address")?;
        Ok(Self {
            listener,
            addr,
            router: ops.router(),
        })
    }

    /// The bound address (useful with port 0).
    pub fn local_addr(&self) -> std::net::SocketAddr {
        self.addr
    }

    /// Adds operator-only routes of the service (e.g. the exporter's statistics CSV) to the ops
    /// listener, which is never public.
    #[must_use]
    pub fn merge(mut self, routes: Router) -> Self {
        self.router = self.router.merge(routes);
        self
    }

    /// Serves until `shutdown` is cancelled.
    pub async fn serve(
        self,
        limits: HttpLimits,
        shutdown: CancellationToken,
    ) -> std::io::Result<()> {
        serve(self.listener, self.router, limits, shutdown).await
    }
}

/// Runs a service's HTTP server `serve` until it ends or the configuration reader `config_task`
/// stops, then winds down: cancels `shutdown`, gives the (closed) background `tasks` and the
/// reader up to `drain` each to finish, and warns when `tasks` (named by `tasks_name`, e.g.
/// "Export jobs") do not. The reader stopping before shutdown was asked for is an error.
pub async fn serve_until_stopped(
    serve: impl Future<Output = std::io::Result<()>>,
    mut config_task: JoinHandle<()>,
    tasks: TaskTracker,
    shutdown: CancellationToken,
    drain: Duration,
    tasks_name: &str,
) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let outcome = tokio::select! {
        served = serve => served.context("HTTP server failed"),
        ended = &mut config_task => {
            if shutdown.is_cancelled() {
                Ok(())
            } else {
                Err(anyhow::anyhow!("the configuration reader stopped unexpectedly: {ended:?}"))
            }
        }
    };
    shutdown.cancel();
    if tokio::time::timeout(drain, tasks.wait()).await.is_err() {
        tracing::warn!("{tasks_name} did not stop in time");
    }
    if !config_task.is_finished() {
        let _ = tokio::time::timeout(drain, &mut config_task).await;
    }
    outcome
}

/// Awaits an ops server, logging its failure (the service goes on without its ops port).
pub async fn log_ops_failure(served: impl Future<Output = std::io::Result<()>>) {
    if let Err(e) = served.await {
        tracing::error!(error = %e, "Ops server failed");
    }
}

/// Binds `addr` (`host:port`; port 0 picks a free port).
pub async fn bind(addr: &str) -> anyhow::Result<TcpListener> {
    use anyhow::Context as _;
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))
}
