//! The exporter: cuts export batches from the query store, builds signed Exposure Notification
//! export files and `index.txt`, and serves them to phones over HTTP (`EXPORT_URL`).
//!
//! - [`format`]: the file format (zip, `export.bin`, `export.sig`), byte-compatible with the
//!   reference (golden vectors);
//! - [`signing`]: signing keys behind the [`signing::KeyManager`] trait (files by default);
//! - [`batching`]: pure rules — batch windows, files per batch, padding, names and the index;
//! - [`repository`]: all SQL (the exporter's own tables; `exposure` is only read);
//! - [`blob`]: where files go, behind the [`blob::BlobStore`] trait (a directory by default);
//! - [`worker`]: the jobs that cut, export and index batches; [`cleanup`]: retention;
//! - [`download`]: the HTTP side; [`jobs`]: the timers; [`settings`], [`metrics`].
//!
//! Export configs and signature infos come from `en.config` (the admin API writes them); the
//! private signing keys never do: signature infos name key files in `EXPORT_KEY_DIR`.
//! Several exporter instances may share one database (leases and locks in PostgreSQL).

pub mod batching;
pub mod blob;
pub mod cleanup;
pub mod download;
pub mod format;
pub mod freshness;
pub mod jobs;
pub mod metrics;
pub mod repository;
pub mod settings;
pub mod signing;
pub mod stats;
pub mod worker;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use config::ConfigLog;
use platform::http_server::PeerAddress;
use platform::ops::Ops;
use platform::service::Service;
use platform::skeleton::Skeleton;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use settings::{ExportSettings, ExporterSettings};

use crate::blob::DirectoryStore;
use crate::signing::{FileKeyManager, LocalSigner};
use crate::worker::ExportContext;

/// How long shutdown waits for the jobs to finish their current step.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// The exporter service.
#[derive(Debug)]
pub struct Exporter {
    settings: ExporterSettings,
    skeleton: Skeleton,
    ctx: ExportContext,
    config: ConfigLog,
    config_task: JoinHandle<()>,
}

impl Exporter {
    /// The jobs' context (tests run jobs directly with it).
    pub fn context(&self) -> &ExportContext {
        &self.ctx
    }
}

/// Loads the key file named by `EXPORT_SIGNING_KEY_FILE` and returns its public key (PEM).
pub async fn check_signing_key(path: &std::path::Path) -> anyhow::Result<String> {
    let bytes = tokio::fs::read(path)
        .await
        .with_context(|| format!("EXPORT_SIGNING_KEY_FILE: cannot read {}", path.display()))?;
    let signer = LocalSigner::from_bytes(&bytes).with_context(|| {
        format!(
            "EXPORT_SIGNING_KEY_FILE: {} is not an ECDSA P-256 private key",
            path.display()
        )
    })?;
    Ok(signer.public_key_pem()?)
}

impl Service for Exporter {
    const NAME: &'static str = "exporter";
    type Settings = ExporterSettings;

    async fn build(settings: Self::Settings, shutdown: CancellationToken) -> anyhow::Result<Self> {
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
        if let Some(path) = &settings.signing_key_file {
            let public = check_signing_key(path).await?;
            tracing::info!(public_key = %public, "Export signing key loaded; register this public key with Apple and Google");
        }
        let pool = settings.pg.pool()?;
        repository::migrate(&pool)
            .await
            .context("cannot migrate the exporter's tables")?;
        tokio::fs::create_dir_all(&settings.export_dir)
            .await
            .with_context(|| {
                format!("cannot create EXPORT_DIR {}", settings.export_dir.display())
            })?;
        let metrics = metrics::ExportMetrics::register(&ops.registry)?;
        let ctx = ExportContext {
            pool,
            blobs: Arc::new(DirectoryStore::new(&settings.export_dir)),
            keys: Arc::new(FileKeyManager::new(&settings.key_dir)),
            settings: settings.export.clone(),
            metrics,
        };
        let (config, config_task) =
            ConfigLog::start(&settings.kafka, &ops.registry, shutdown.child_token())?;
        Ok(Self {
            settings,
            skeleton,
            ctx,
            config,
            config_task,
        })
    }

    fn skeleton(&self) -> &Skeleton {
        &self.skeleton
    }

    async fn run(self) -> anyhow::Result<()> {
        let Self {
            settings,
            skeleton,
            ctx,
            config,
            config_task,
        } = self;
        let stats_state = stats::handler::StatsState {
            pool: ctx.pool.clone(),
            config: config.clone(),
            settings: Arc::new(settings.stats.clone()),
        };
        let skeleton = skeleton.merge_ops(stats::csv_route::ops_router(stats_state.clone()));
        let router = download::router(Arc::clone(&ctx.blobs))
            .merge(stats::handler::router(stats_state))
            .merge(Ops::liveness_router());
        let tasks = tokio_util::task::TaskTracker::new();
        {
            let (config, ops) = (config.clone(), skeleton.ops().clone());
            let shutdown = skeleton.shutdown().clone();
            let schedule = settings.schedule.clone();
            tasks.spawn(async move {
                let caught_up = tokio::select! {
                    () = shutdown.cancelled() => false,
                    caught_up = config.wait_caught_up(Duration::MAX) => caught_up,
                };
                if caught_up {
                    ops.set_ready(true);
                    jobs::run(ctx, config, schedule, shutdown).await;
                }
            });
        }
        skeleton
            .serve_http(
                router,
                PeerAddress::Discard,
                config_task,
                tasks,
                DRAIN_TIMEOUT,
                "Export jobs",
            )
            .await
    }
}
