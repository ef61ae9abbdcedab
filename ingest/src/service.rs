//! `Ingest` as a [`platform::service::Service`]: build binds the listener, starts the
//! configuration log, the producer and the outcome listener; run serves until shutdown, then
//! drains in-flight requests (bounded by `REQUEST_TIMEOUT`), flushes the producer and stops the
//! background tasks. Both listeners (public and ops) run on [`platform::http_server`], which
//! never records a peer address.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use config::ConfigLog;
use platform::http_server::PeerAddress;
use platform::ops::Ops;
use platform::service::Service;
use platform::skeleton::Skeleton;
use schemas::topics::Topic;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::certificate::KeyCache;
use crate::enqueue::KafkaSink;
use crate::metrics::Metrics;
use crate::outcome::{self, OutcomeRouter};
use crate::publish::EdgeRules;
use crate::revision_token::TokenCodec;
use crate::router::router;
use crate::settings::Settings;
use crate::state::{AppState, StateParts};

/// How long the producer may take to deliver what is queued at shutdown.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(10);

/// The running edge service.
#[derive(Debug)]
pub struct Ingest {
    skeleton: Skeleton,
    router: Router,
    sink: Arc<KafkaSink>,
    tasks_shutdown: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
    state: AppState,
    startup_ready_wait: Duration,
}

impl Ingest {
    /// The shared handler state (tests inspect metrics through it).
    pub fn state(&self) -> &AppState {
        &self.state
    }
}

impl Service for Ingest {
    const NAME: &'static str = "ingest";
    type Settings = Settings;

    async fn build(settings: Settings, shutdown: CancellationToken) -> anyhow::Result<Self> {
        let token_keys = settings
            .token_keys
            .clone()
            .context("no revision token keys configured")?;
        let skeleton = Skeleton::http(
            Self::NAME,
            &settings.http.listen_addr,
            &settings.http.ops_listen_addr,
            settings.http.limits.clone(),
            shutdown,
        )
        .await?;
        let ops = skeleton.ops().clone();
        let metrics = Metrics::register(&ops.registry).context("cannot register metrics")?;
        metrics
            .register_token_key_age(&ops.registry, token_keys.current().and_then(|k| k.created))
            .context("cannot register the revision-token key age")?;

        let kafka = settings.kafka.clone();
        kafka.ensure_topics_if_enabled().await?;
        // Background tasks stop only after the HTTP server drained, so in-flight requests can
        // still receive their outcomes.
        let tasks_shutdown = CancellationToken::new();
        let (config_log, config_task) =
            ConfigLog::start(&kafka, &ops.registry, tasks_shutdown.clone())?;
        let producer = kafka.producer()?;
        let sink = Arc::new(KafkaSink::new(
            producer,
            kafka.topic(Topic::PublishReceived),
            kafka.produce_timeout,
        ));
        let outcomes = Arc::new(OutcomeRouter::new(metrics.clone()));
        let outcome_task = tokio::spawn(outcome::listen(
            kafka.clone(),
            outcomes.clone(),
            tasks_shutdown.clone(),
        ));
        let ready_task = tokio::spawn(mark_ready(
            ops.clone(),
            config_log.clone(),
            outcomes.clone(),
            tasks_shutdown.clone(),
        ));

        let state = AppState::new(StateParts {
            settings: settings.http.clone(),
            rules: EdgeRules {
                policy: settings.policy.clone(),
                allow_partial_revisions: settings.allow_partial_revisions,
                default_region: settings.default_region.clone(),
                tokens: TokenCodec::new(token_keys, settings.token_min_entries),
                certificate_keys: KeyCache::default(),
            },
            config: Arc::new(config_log),
            sink: sink.clone(),
            outcomes,
            metrics,
            clock: Arc::new(chrono::Utc::now),
        });
        tracing::info!(
            addr = %skeleton.local_addr(),
            v1alpha1 = settings.http.enable_v1alpha1,
            maintenance = settings.http.maintenance_mode,
            partial_failure = settings.policy.allow_partial_failure,
            "Ingest built"
        );
        Ok(Self {
            skeleton,
            router: router(state.clone()),
            sink,
            tasks_shutdown,
            tasks: vec![config_task, outcome_task, ready_task],
            state,
            startup_ready_wait: settings.http.startup_ready_wait,
        })
    }

    fn skeleton(&self) -> &Skeleton {
        &self.skeleton
    }

    async fn run(self) -> anyhow::Result<()> {
        let (ops, shutdown) = (
            self.skeleton.ops().clone(),
            self.skeleton.shutdown().clone(),
        );
        // The ops port stays up while the public one drains, and stops with the background tasks.
        let (public, ops_task) = self.skeleton.serve_ops(self.tasks_shutdown.clone());
        // Connections wait in the accept queue until the configuration is loaded (bounded).
        if !wait_ready(&ops, self.startup_ready_wait, &shutdown).await {
            tracing::warn!(
                waited = ?self.startup_ready_wait,
                "Serving before the configuration was loaded (STARTUP_READY_WAIT passed)"
            );
        }
        let served = public.serve(self.router, PeerAddress::Discard).await;
        tracing::info!("HTTP server drained; flushing");
        self.sink.flush(FLUSH_TIMEOUT).await;
        self.tasks_shutdown.cancel();
        for task in self.tasks.into_iter().chain([ops_task]) {
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                tracing::warn!("A background task did not stop in time");
            }
        }
        served.context("HTTP server failed")
    }
}

/// Waits until `ops` is ready, at most `limit` (or until shutdown); whether it became ready.
async fn wait_ready(ops: &Ops, limit: Duration, shutdown: &CancellationToken) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    while !ops.is_ready() {
        if tokio::time::Instant::now() >= deadline || shutdown.is_cancelled() {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    true
}

/// Ready once the configuration was read to its end and the outcome listener is assigned.
async fn mark_ready(
    ops: Ops,
    config: ConfigLog,
    outcomes: Arc<OutcomeRouter>,
    shutdown: CancellationToken,
) {
    loop {
        let ready = config.is_caught_up() && outcomes.is_listening();
        if ready != ops.is_ready() {
            ops.set_ready(ready);
            if ready {
                tracing::info!("Ready");
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_listener_waits_for_readiness_but_not_forever() {
        let ops = Ops::new("ingest-test");
        let shutdown = CancellationToken::new();
        let started = tokio::time::Instant::now();
        assert!(!wait_ready(&ops, Duration::from_millis(50), &shutdown).await);
        assert!(started.elapsed() >= Duration::from_millis(50));

        let later = ops.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(30)).await;
            later.set_ready(true);
        });
        assert!(wait_ready(&ops, Duration::from_secs(10), &shutdown).await);

        let unready = Ops::new("ingest-test-2");
        shutdown.cancel();
        assert!(!wait_ready(&unready, Duration::from_secs(10), &shutdown).await);
    }
}
