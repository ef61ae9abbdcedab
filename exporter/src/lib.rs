//! The exporter: serves the export files phones download.
//!
//! Files live in a blob directory (`EXPORT_DIR`); `GET /<path>` serves them with the reference
//! cache headers: `index.txt` must never be cached (it names the newest batches), export zips are
//! immutable and cacheable for a day. Cutting, signing and writing batches is the export issue's
//! work and will add to this crate.

use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};

use axum::extract::{Path as UrlPath, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use platform::ops::Ops;
use platform::service::Service;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Exporter settings.
#[derive(Debug, Clone)]
pub struct ExporterSettings {
    /// `LISTEN_ADDR`.
    pub listen_addr: String,
    /// `EXPORT_DIR`: the blob directory served over HTTP.
    pub export_dir: PathBuf,
}

/// The exporter service.
#[derive(Debug)]
pub struct Exporter {
    settings: ExporterSettings,
    listener: TcpListener,
    shutdown: CancellationToken,
}

impl Service for Exporter {
    const NAME: &'static str = "exporter";
    type Settings = ExporterSettings;

    fn settings(env: &mut platform::env::Env) -> Self::Settings {
        ExporterSettings {
            listen_addr: env.string("LISTEN_ADDR", "127.0.0.1:18082"),
            export_dir: PathBuf::from(env.string("EXPORT_DIR", ".dev/exports")),
        }
    }

    async fn build(settings: Self::Settings, shutdown: CancellationToken) -> anyhow::Result<Self> {
        tokio::fs::create_dir_all(&settings.export_dir).await?;
        let listener = platform::ops::bind(&settings.listen_addr).await?;
        Ok(Self {
            settings,
            listener,
            shutdown,
        })
    }

    fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    async fn run(self) -> anyhow::Result<()> {
        let ops = Ops::new(Self::NAME);
        let router = Router::new()
            .route("/{*path}", get(serve_file))
            .with_state(self.settings.export_dir.clone())
            .merge(ops.router());
        ops.set_ready(true);
        platform::ops::serve(self.listener, router, self.shutdown).await?;
        Ok(())
    }
}

/// Cache policy of a served file.
pub fn cache_control(path: &Path) -> &'static str {
    if path.file_name().is_some_and(|n| n == "index.txt") {
        "no-cache, max-age=0"
    } else {
        "public, max-age=86400"
    }
}

/// Resolves a URL path inside `root`, refusing anything that could escape it.
fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let relative = Path::new(url_path);
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    Some(root.join(relative))
}

async fn serve_file(State(root): State<PathBuf>, UrlPath(path): UrlPath<String>) -> Response {
    let Some(file) = resolve(&root, &path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match tokio::fs::read(&file).await {
        Ok(bytes) => {
            let content_type = if file.extension().is_some_and(|e| e == "zip") {
                "application/zip"
            } else {
                "text/plain; charset=utf-8"
            };
            (
                [
                    (header::CONTENT_TYPE, content_type),
                    (header::CACHE_CONTROL, cache_control(&file)),
                ],
                bytes,
            )
                .into_response()
        }
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_is_never_cached_and_zips_are() {
        assert_eq!(
            cache_control(Path::new("a/index.txt")),
            "no-cache, max-age=0"
        );
        assert_eq!(
            cache_control(Path::new("a/1-2-00001.zip")),
            "public, max-age=86400"
        );
    }

    #[test]
    fn paths_cannot_escape_the_root() {
        let root = Path::new("/srv/exports");
        assert!(resolve(root, "../etc/passwd").is_none());
        assert!(resolve(root, "/etc/passwd").is_none());
        assert_eq!(
            resolve(root, "us/index.txt"),
            Some(root.join("us/index.txt"))
        );
    }
}
