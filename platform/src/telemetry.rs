//! One tracing setup for every service.
//!
//! `RUST_LOG` filters (default `info`); `LOG_FORMAT=json` switches to JSON lines for containers.
//! A panic hook logs panics through tracing so they reach the same sink.

use tracing_subscriber::{fmt, EnvFilter};

/// Installs the global subscriber for `service`. Safe to call more than once (later calls are
/// no-ops), which keeps in-process test harnesses simple.
pub fn init(service: &'static str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let result = if json {
        fmt()
            .json()
            .with_env_filter(filter)
            .with_current_span(true)
            .try_init()
    } else {
        fmt().with_env_filter(filter).with_target(true).try_init()
    };
    if result.is_ok() {
        std::panic::set_hook(Box::new(move |info| {
            tracing::error!(service, panic = %info, "Panic");
        }));
        tracing::info!(service, version = env!("CARGO_PKG_VERSION"), "Starting");
    }
}
