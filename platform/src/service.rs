//! The shape every service binary shares, so `main.rs` stays one line and test harnesses can
//! build any service in-process on port 0.
//!
//! A service reads typed [`Service::Settings`] from the environment (all problems reported at
//! once), builds itself (binding its listener, connecting clients) and runs until its shutdown
//! token is cancelled, then drains and returns.

use std::future::Future;
use std::net::SocketAddr;
use std::process::ExitCode;

use tokio_util::sync::CancellationToken;

use crate::env::{Env, FromEnv};
use crate::skeleton::Skeleton;

/// A long-running service with an HTTP port.
pub trait Service: Sized + Send + 'static {
    /// Binary name, used in logs and metrics.
    const NAME: &'static str;
    /// Typed settings of the service.
    type Settings: FromEnv + Send + 'static;

    /// Binds the listener and connects clients. Fails fast on unusable settings.
    fn build(
        settings: Self::Settings,
        shutdown: CancellationToken,
    ) -> impl Future<Output = anyhow::Result<Self>> + Send;

    /// The service's bound listeners, ops state and shutdown token.
    fn skeleton(&self) -> &Skeleton;

    /// The bound public HTTP address (useful with port 0). A service without a public API
    /// (processor, projector) returns its ops address.
    fn local_addr(&self) -> SocketAddr {
        self.skeleton().local_addr()
    }

    /// The bound ops address (`OPS_LISTEN_ADDR`: `/health`, `/ready`, `/metrics`).
    fn ops_addr(&self) -> SocketAddr {
        self.skeleton().ops_addr()
    }

    /// Runs until the shutdown token is cancelled, then drains. An error means a task failed.
    fn run(self) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// The whole `main` of a service binary: telemetry, settings, signals, build, run.
/// Exit codes: 0 after a clean shutdown, 1 on a runtime failure, 2 on invalid settings.
pub fn main<S: Service>() -> ExitCode {
    crate::telemetry::init(S::NAME);
    let mut env = Env::from_process();
    let settings = S::Settings::from_env(&mut env);
    if let Err(errors) = env.finish() {
        tracing::error!(error = %errors, "Invalid configuration");
        eprintln!("{}: {errors}", S::NAME);
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{}: cannot start the async runtime: {e}", S::NAME);
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let shutdown = crate::shutdown::on_signal();
        let service = match S::build(settings, shutdown).await {
            Ok(service) => service,
            Err(e) => {
                tracing::error!(error = format!("{e:#}"), "Cannot start");
                return ExitCode::FAILURE;
            }
        };
        tracing::info!(addr = %service.local_addr(), ops = %service.ops_addr(), "Listening");
        match service.run().await {
            Ok(()) => {
                tracing::info!("Stopped");
                ExitCode::SUCCESS
            }
            Err(e) => {
                tracing::error!(error = format!("{e:#}"), "Failed");
                ExitCode::FAILURE
            }
        }
    })
}
