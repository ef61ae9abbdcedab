//! The service skeleton: what every service binds, serves and drains, so a service declares only
//! its routes and its workers.
//!
//! Two shapes:
//! - a **worker** (processor, projector): one listener with the ops endpoints (`/health`,
//!   `/ready`, `/metrics`); ready as soon as its worker runs; when the worker ends (or on
//!   shutdown) the listener stops too ([`Skeleton::run_worker`]);
//! - an **HTTP service** (ingest, admin, exporter): a public listener and a separate ops
//!   listener. [`Skeleton::serve_http`] serves both until shutdown or until the configuration
//!   reader stops, then drains the service's background tasks; ingest, which must flush its
//!   producer between the public listener's drain and the end of its background tasks, serves
//!   the two listeners itself ([`Skeleton::serve_ops`], [`Skeleton::serve_public`]).

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::http_server::{serve_with, HttpLimits, PeerAddress};
use crate::ops::{bind, log_ops_failure, serve_until_stopped, Ops, OpsServer};

/// A service's bound listeners, its ops state and its shutdown token.
#[derive(Debug)]
pub struct Skeleton {
    ops: Ops,
    ops_server: OpsServer,
    public: Option<(TcpListener, SocketAddr)>,
    limits: HttpLimits,
    shutdown: CancellationToken,
}

impl Skeleton {
    /// A worker's skeleton: the ops endpoints of service `name` on `listen_addr`.
    pub async fn worker(
        name: &'static str,
        listen_addr: &str,
        limits: HttpLimits,
        shutdown: CancellationToken,
    ) -> anyhow::Result<Self> {
        let ops = Ops::new(name);
        let ops_server = OpsServer::bind(listen_addr, &ops).await?;
        Ok(Self {
            ops,
            ops_server,
            public: None,
            limits,
            shutdown,
        })
    }

    /// An HTTP service's skeleton: the public listener on `listen_addr` and the ops endpoints of
    /// service `name` on `ops_listen_addr`.
    pub async fn http(
        name: &'static str,
        listen_addr: &str,
        ops_listen_addr: &str,
        limits: HttpLimits,
        shutdown: CancellationToken,
    ) -> anyhow::Result<Self> {
        let ops = Ops::new(name);
        let listener = bind(listen_addr).await?;
        let addr = listener
            .local_addr()
            .context("cannot read the bound address")?;
        let ops_server = OpsServer::bind(ops_listen_addr, &ops).await?;
        Ok(Self {
            ops,
            ops_server,
            public: Some((listener, addr)),
            limits,
            shutdown,
        })
    }

    /// Readiness and the metrics registry.
    pub fn ops(&self) -> &Ops {
        &self.ops
    }

    /// The service's shutdown token.
    pub fn shutdown(&self) -> &CancellationToken {
        &self.shutdown
    }

    /// The public address, or the ops address of a worker (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.public
            .as_ref()
            .map_or_else(|| self.ops_server.local_addr(), |(_, addr)| *addr)
    }

    /// The ops address.
    pub fn ops_addr(&self) -> SocketAddr {
        self.ops_server.local_addr()
    }

    /// Adds operator-only routes to the ops listener (never public).
    #[must_use]
    pub fn merge_ops(mut self, routes: Router) -> Self {
        self.ops_server = self.ops_server.merge(routes);
        self
    }

    /// Runs a worker: serves the ops endpoints, marks the service ready and awaits `work`;
    /// whatever ends it (shutdown or failure) stops the listener too. `work`'s outcome is the
    /// service's.
    pub async fn run_worker(
        self,
        work: impl Future<Output = anyhow::Result<()>>,
    ) -> anyhow::Result<()> {
        let ops_server = self.ops_server;
        let http = tokio::spawn(ops_server.serve(self.limits, self.shutdown.clone()));
        self.ops.set_ready(true);
        let result = work.await;
        self.shutdown.cancel();
        http.await.context("ops server task")??;
        result
    }

    /// Serves the ops listener until `stop` is cancelled (a failure is logged; the service goes
    /// on without it), and returns the public side to serve.
    pub fn serve_ops(self, stop: CancellationToken) -> (Public, JoinHandle<()>) {
        let (public, ops) = self.split(stop);
        (public, tokio::spawn(ops))
    }

    /// The public side, and the ops listener's serving (not yet spawned) until `stop`.
    fn split(self, stop: CancellationToken) -> (Public, impl Future<Output = ()> + Send) {
        let ops = log_ops_failure(self.ops_server.serve(self.limits.clone(), stop));
        let public = Public {
            listener: self.public.map(|(listener, _)| listener),
            limits: self.limits,
            shutdown: self.shutdown,
        };
        (public, ops)
    }

    /// Runs an HTTP service: `router` on the public listener and the ops endpoints until
    /// shutdown or until the configuration reader `config_task` stops; then gives the service's
    /// background `tasks` (named `tasks_name` in a warning) up to `drain` to finish.
    pub async fn serve_http(
        self,
        router: Router,
        peer: PeerAddress,
        config_task: JoinHandle<()>,
        tasks: TaskTracker,
        drain: Duration,
        tasks_name: &str,
    ) -> anyhow::Result<()> {
        let shutdown = self.shutdown.clone();
        let (public, ops) = self.split(shutdown.clone());
        tasks.spawn(ops);
        tasks.close();
        serve_until_stopped(
            public.serve(router, peer),
            config_task,
            tasks,
            shutdown,
            drain,
            tasks_name,
        )
        .await
    }
}

/// The public listener of an HTTP service whose ops listener is already served.
#[derive(Debug)]
pub struct Public {
    listener: Option<TcpListener>,
    limits: HttpLimits,
    shutdown: CancellationToken,
}

impl Public {
    /// Serves `router` until shutdown, then lets running requests finish. A worker's skeleton
    /// has no public listener: this then only waits for shutdown.
    pub async fn serve(self, router: Router, peer: PeerAddress) -> std::io::Result<()> {
        match self.listener {
            Some(listener) => serve_with(listener, router, self.limits, self.shutdown, peer).await,
            None => {
                self.shutdown.cancelled().await;
                Ok(())
            }
        }
    }
}
