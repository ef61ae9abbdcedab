//! The one HTTP/1 server every listener of every service runs on (public and ops ports alike),
//! hardened against slow, hostile and curious clients:
//!
//! - **header read timeout** (`HTTP_HEADER_READ_TIMEOUT`, 10 s): a request head (request line and
//!   headers) must arrive completely within it, or the connection is closed; hyper restarts this
//!   timer whenever a connection waits for its next request, so it also bounds keep-alive idling;
//! - **idle timeout** (`HTTP_IDLE_TIMEOUT`, 5 s): a connection with no request in a handler on
//!   which no byte moved (read or written) for this long is dropped: silent connections, idle
//!   keep-alives and clients that stop reading their answer;
//! - **connection cap** (`HTTP_MAX_CONNECTIONS`, 4096 per listener): beyond it the listener stops
//!   accepting until a connection ends (the kernel backlog queues the rest);
//! - **header size** (`HTTP_MAX_HEADER_BYTES`, 16 KiB): a larger head is answered 431 and the
//!   connection closed; the read and write buffers are capped at the same size (at least hyper's
//!   8 KiB minimum), so a connection holds a bounded amount of memory however much it sends;
//! - **half-close**: a client that shuts down its write side after sending its request still gets
//!   its answer;
//! - **drain** (`HTTP_DRAIN_TIMEOUT`, 30 s): on shutdown, idle connections close at once, running
//!   requests get this long to finish.
//!
//! Bodies are not buffered here; handlers read them under their own limits. The peer address of
//! an accepted connection is discarded at once: nothing downstream can log it.

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt as _;

use crate::env::Env;
use crate::io_activity::{Activity, Tracked};

/// The smallest buffer hyper accepts (`max_buf_size` panics below it).
const HYPER_MIN_BUFFER: usize = 8192;

/// The limits of one listener. Every service reads the same names, so one setting hardens all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpLimits {
    /// `HTTP_HEADER_READ_TIMEOUT` (10s).
    pub header_read_timeout: Duration,
    /// `HTTP_IDLE_TIMEOUT` (5s).
    pub idle_timeout: Duration,
    /// `HTTP_MAX_CONNECTIONS` (4096): open connections per listener.
    pub max_connections: usize,
    /// `HTTP_MAX_HEADER_BYTES` (16384): largest request head.
    pub max_header_bytes: usize,
    /// `HTTP_DRAIN_TIMEOUT` (30s): how long running requests may take after shutdown began.
    pub drain_timeout: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(5),
            max_connections: 4096,
            max_header_bytes: 16 * 1024,
            drain_timeout: Duration::from_secs(30),
        }
    }
}

impl HttpLimits {
    /// Reads the `HTTP_*` limits, recording problems in `env`.
    pub fn from_env(env: &mut Env) -> Self {
        let d = Self::default();
        let limits = Self {
            header_read_timeout: env.duration("HTTP_HEADER_READ_TIMEOUT", d.header_read_timeout),
            idle_timeout: env.duration("HTTP_IDLE_TIMEOUT", d.idle_timeout),
            max_connections: env.parse("HTTP_MAX_CONNECTIONS", d.max_connections),
            max_header_bytes: env.parse("HTTP_MAX_HEADER_BYTES", d.max_header_bytes),
            drain_timeout: env.duration("HTTP_DRAIN_TIMEOUT", d.drain_timeout),
        };
        if limits.header_read_timeout.is_zero() || limits.idle_timeout.is_zero() {
            env.problem("HTTP_HEADER_READ_TIMEOUT and HTTP_IDLE_TIMEOUT must be above 0");
        }
        if limits.max_connections == 0 || limits.max_connections > 1_000_000 {
            env.problem("HTTP_MAX_CONNECTIONS must be between 1 and 1000000");
        }
        if !(1024..=1024 * 1024).contains(&limits.max_header_bytes) {
            env.problem("HTTP_MAX_HEADER_BYTES must be between 1024 and 1048576");
        }
        limits
    }
}

/// What the server does with a connection's peer address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerAddress {
    /// Dropped on accept (every listener but the admin's).
    Discard,
    /// Handed to handlers as axum's `ConnectInfo<SocketAddr>` (the admin console's sign-in
    /// throttle; it is never logged).
    ConnectInfo,
}

/// Serves `router` on `listener` under `limits` until `shutdown` is cancelled; then stops
/// accepting, closes idle connections and lets running requests finish (for at most
/// `limits.drain_timeout`). Peer addresses are discarded.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: HttpLimits,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    serve_with(listener, router, limits, shutdown, PeerAddress::Discard).await
}

/// [`serve`], choosing what happens to peer addresses.
pub async fn serve_with(
    listener: TcpListener,
    router: Router,
    limits: HttpLimits,
    shutdown: CancellationToken,
    peer_address: PeerAddress,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let connections = TaskTracker::new();
    let limits = Arc::new(limits);
    loop {
        let permit = tokio::select! {
            () = shutdown.cancelled() => break,
            permit = Arc::clone(&slots).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_closed) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => match peer_address {
                    PeerAddress::Discard => (stream, None),
                    PeerAddress::ConnectInfo => (stream, Some(peer)),
                },
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "Cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let router = router.clone();
        let limits = Arc::clone(&limits);
        let shutdown = shutdown.clone();
        connections.spawn(async move {
            serve_connection(stream, peer, router, &limits, shutdown).await;
            drop(permit);
        });
    }
    drop(listener);
    connections.close();
    if tokio::time::timeout(limits.drain_timeout, connections.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            left = connections.len(),
            "Connections still open after the drain timeout; dropping them"
        );
    }
    Ok(())
}

/// Counts requests inside a handler; the guard decrements on drop (also when cancelled).
struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    fn enter(count: &Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::AcqRel);
        Self(Arc::clone(count))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

async fn serve_connection(
    stream: TcpStream,
    peer: Option<SocketAddr>,
    router: Router,
    limits: &HttpLimits,
    shutdown: CancellationToken,
) {
    let _ = stream.set_nodelay(true);
    let activity = Activity::new();
    let in_flight = Arc::new(AtomicUsize::new(0));
    let io = TokioIo::new(Tracked::new(stream, activity.clone()));
    let service = {
        let in_flight = Arc::clone(&in_flight);
        let activity = activity.clone();
        hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let guard = InFlight::enter(&in_flight);
            let router = router.clone();
            let activity = activity.clone();
            async move {
                let mut request = request.map(Body::new);
                if let Some(peer) = peer {
                    request.extensions_mut().insert(ConnectInfo(peer));
                }
                let response = router.oneshot(request).await;
                activity.touch();
                drop(guard);
                Ok::<_, Infallible>(response.unwrap_or_else(|never| match never {}))
            }
        })
    };
    let buffer = limits.max_header_bytes.max(HYPER_MIN_BUFFER);
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_header_size(limits.max_header_bytes)
        .max_buf_size(buffer)
        .half_close(true)
        .serve_connection(io, service);
    tokio::pin!(connection);
    let check_every = (limits.idle_timeout / 4).max(Duration::from_millis(10));
    let mut ticker = tokio::time::interval(check_every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut draining = false;
    loop {
        tokio::select! {
            ended = connection.as_mut() => {
                if let Err(e) = ended {
                    tracing::debug!(error = %e, "Connection ended with an error");
                }
                return;
            }
            () = shutdown.cancelled(), if !draining => {
                draining = true;
                connection.as_mut().graceful_shutdown();
            }
            _ = ticker.tick() => {
                let idle = activity.idle_for() >= limits.idle_timeout;
                if idle && in_flight.load(Ordering::Acquire) == 0 {
                    tracing::debug!("Closing an idle connection");
                    return;
                }
            }
        }
    }
}
