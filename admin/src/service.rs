//! The admin service as a [`Service`]: build (topics, config reader, producer, router, JWKS job)
//! and run (HTTP, readiness, periodic JWKS sync) until shutdown.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use config::ConfigLog;
use platform::http_server::PeerAddress;
use platform::ops::Ops;
use platform::service::Service;
use platform::skeleton::Skeleton;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::console::{console_router, ConsoleState};
use crate::jwks::JwksSync;
use crate::metrics::AdminMetrics;
use crate::routes::{api_router, AppState};
use crate::settings::AdminSettings;
use crate::store::KafkaStore;
use crate::writer::ConfigWriter;

/// How long background tasks get to finish after shutdown.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// The running admin service.
#[derive(Debug)]
pub struct Admin {
    skeleton: Skeleton,
    router: Router,
    config: ConfigLog,
    config_task: JoinHandle<()>,
    jwks: Arc<JwksSync>,
}

impl Service for Admin {
    const NAME: &'static str = "admin";
    type Settings = AdminSettings;

    async fn build(settings: AdminSettings, shutdown: CancellationToken) -> anyhow::Result<Self> {
        let skeleton = Skeleton::http(
            Self::NAME,
            &settings.listen_addr,
            &settings.ops_listen_addr,
            settings.http.clone(),
            shutdown.clone(),
        )
        .await?;
        let ops = skeleton.ops();
        settings.kafka.ensure_topics_if_enabled().await?;
        let (config, config_task) =
            ConfigLog::start(&settings.kafka, &ops.registry, shutdown.child_token())?;
        let producer = settings.kafka.producer()?;
        let metrics = AdminMetrics::register(&ops.registry)?;
        let store = Arc::new(KafkaStore::new(&settings.kafka, producer, config.clone()));
        let writer = Arc::new(ConfigWriter::new(
            store,
            metrics,
            settings.visibility_timeout,
        ));
        let jwks = Arc::new(JwksSync::new(Arc::clone(&writer), settings.jwks.clone())?);
        let state = AppState {
            writer,
            jwks: Arc::clone(&jwks),
        };
        let tokens = Arc::new(settings.tokens.clone());
        let console = ConsoleState::new(
            Arc::clone(&state.writer),
            Arc::clone(&tokens),
            &settings.console,
        );
        let router = console_router(console)
            .merge(api_router(state, tokens))
            .merge(Ops::liveness_router());
        Ok(Self {
            skeleton,
            router,
            config,
            config_task,
            jwks,
        })
    }

    fn skeleton(&self) -> &Skeleton {
        &self.skeleton
    }

    async fn run(self) -> anyhow::Result<()> {
        let tasks = TaskTracker::new();
        tasks.spawn(become_ready(
            self.config,
            self.skeleton.ops().clone(),
            self.jwks,
            self.skeleton.shutdown().clone(),
        ));
        // Served with the peer address, which only the console's sign-in throttle reads.
        self.skeleton
            .serve_http(
                self.router,
                PeerAddress::ConnectInfo,
                self.config_task,
                tasks,
                DRAIN_TIMEOUT,
                "Background tasks",
            )
            .await
    }
}

/// Marks the service ready once the configuration is caught up, then runs the periodic JWKS
/// sync (which needs the full configuration) until shutdown.
async fn become_ready(
    config: ConfigLog,
    ops: Ops,
    jwks: Arc<JwksSync>,
    shutdown: CancellationToken,
) {
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            caught_up = config.wait_caught_up(Duration::from_secs(5)) => {
                if caught_up {
                    break;
                }
                tracing::info!("Waiting for the configuration to load");
            }
        }
    }
    ops.set_ready(true);
    tracing::info!(position = config.snapshot().position(), "Ready");
    jwks.run_periodically(shutdown).await;
}
