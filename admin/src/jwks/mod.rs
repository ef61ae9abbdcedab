//! JWKS sync: keeps the keys of health authorities that publish a JWKS URI in step with it.
//!
//! A run takes every health authority with a `jwksUri`, fetches the documents (at most
//! `JWKS_MAX_WORKERS` at once, each bounded by `JWKS_REQUEST_TIMEOUT`, only HTTP 200 accepted,
//! body at most 1 MiB), then for each authority plans the changes ([`plan`]) against the
//! *current* snapshot and writes them through the [`ConfigWriter`] as ordinary config events with
//! actor `jwks-sync`. A failure of one authority (unreachable, bad status, bad document) is
//! reported and counted, and does not stop the others; key cleanup still happens for it.
//!
//! Runs happen every `JWKS_SYNC_INTERVAL` in the background and on demand through
//! `POST /admin/v1/jwks-sync`; a lock makes runs one at a time.

pub mod document;
pub mod plan;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt as _;
use serde::Serialize;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

use crate::settings::JwksSettings;
use crate::writer::{ConfigWriter, Decision, WriteKind};
use document::{parse_jwks, JwksDocument};
use plan::SyncPlan;

/// The actor recorded on events written by the sync.
pub const ACTOR: &str = "jwks-sync";

/// Largest JWKS document accepted.
const MAX_DOCUMENT_BYTES: usize = 1 << 20;

/// The outcome of one run.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncReport {
    /// When the run started.
    pub started_at: DateTime<Utc>,
    /// True when every health authority synced without error.
    pub ok: bool,
    /// One entry per health authority with a JWKS URI, by id.
    pub health_authorities: Vec<AuthorityReport>,
}

/// The outcome for one health authority.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorityReport {
    pub health_authority_id: i64,
    pub jwks_uri: String,
    #[serde(flatten)]
    pub plan: SyncPlan,
    /// JWKS entries that were not usable keys, with the reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<String>,
    /// Why this authority's sync failed, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Why a document could not be fetched; the label is the metric reason.
#[derive(Debug, thiserror::Error)]
enum FetchError {
    #[error("cannot fetch the JWKS document: {0}")]
    Transport(String),
    #[error("the JWKS URI answered HTTP {0}, expected 200")]
    Status(u16),
    #[error("{0}")]
    Document(String),
}

impl FetchError {
    fn reason(&self) -> &'static str {
        match self {
            FetchError::Transport(_) => "fetch",
            FetchError::Status(_) => "status",
            FetchError::Document(_) => "document",
        }
    }
}

/// The JWKS sync job.
#[derive(Debug)]
pub struct JwksSync {
    writer: Arc<ConfigWriter>,
    client: reqwest::Client,
    settings: JwksSettings,
    run_lock: Mutex<()>,
}

impl JwksSync {
    /// A job writing through `writer`.
    pub fn new(writer: Arc<ConfigWriter>, settings: JwksSettings) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(settings.request_timeout)
            .user_agent(concat!("en-admin-jwks-sync/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            writer,
            client,
            settings,
            run_lock: Mutex::new(()),
        })
    }

    /// The configured period between background runs (zero: none).
    pub fn interval(&self) -> Duration {
        self.settings.interval
    }

    /// Runs one sync of every health authority with a JWKS URI.
    #[tracing::instrument(name = "jwks_sync", skip_all)]
    pub async fn run_once(&self) -> SyncReport {
        let _one_at_a_time = self.run_lock.lock().await;
        let started_at = Utc::now();
        let snapshot = self.writer.snapshot();
        let targets: Vec<(i64, String)> = snapshot
            .health_authorities()
            .filter_map(|ha| ha.jwks_uri.clone().map(|uri| (ha.id, uri)))
            .collect();
        let mut fetched: Vec<(i64, String, Result<JwksDocument, FetchError>)> =
            futures::stream::iter(targets)
                .map(|(id, uri)| async move {
                    let document = self.fetch(&uri).await;
                    (id, uri, document)
                })
                .buffer_unordered(self.settings.max_workers.max(1))
                .collect()
                .await;
        fetched.sort_by_key(|(id, _, _)| *id);

        let mut reports = Vec::with_capacity(fetched.len());
        for (id, uri, document) in fetched {
            reports.push(self.apply(id, uri, document).await);
        }
        let ok = reports.iter().all(|r| r.error.is_none());
        self.writer
            .metrics()
            .jwks_run(if ok { "ok" } else { "failed" });
        SyncReport {
            started_at,
            ok,
            health_authorities: reports,
        }
    }

    async fn apply(
        &self,
        id: i64,
        uri: String,
        document: Result<JwksDocument, FetchError>,
    ) -> AuthorityReport {
        let metrics = self.writer.metrics();
        let (published, skipped, mut error) = match document {
            Ok(document) => (Some(document.keys), document.skipped, None),
            Err(e) => {
                metrics.jwks_failure(e.reason());
                tracing::warn!(health_authority_id = id, error = %e, "JWKS fetch failed");
                (None, Vec::new(), Some(e.to_string()))
            }
        };
        for reason in &skipped {
            tracing::info!(health_authority_id = id, reason = %reason, "JWKS entry skipped");
        }
        let ttl =
            chrono::Duration::from_std(self.settings.cleanup_ttl).unwrap_or(chrono::Duration::MAX);
        let written = self
            .writer
            .write(ACTOR, WriteKind::JwksSync, |snapshot, now| {
                // The authority may have changed since the fetch started: sync only if it still
                // publishes at the same URI.
                let same_uri = snapshot
                    .health_authority(id)
                    .is_some_and(|ha| ha.jwks_uri.as_deref() == Some(uri.as_str()));
                if !same_uri {
                    return Ok(Decision::none(SyncPlan::default()));
                }
                let mut plan = plan::plan(snapshot, id, published.as_deref(), now, ttl);
                let changes = std::mem::take(&mut plan.changes);
                Ok(Decision {
                    changes,
                    result: plan,
                })
            })
            .await;
        let plan = match written {
            Ok(plan) => plan,
            Err(e) => {
                metrics.jwks_failure("write");
                tracing::error!(health_authority_id = id, error = %e, "JWKS sync could not save its changes");
                error.get_or_insert_with(|| e.to_string());
                SyncPlan::default()
            }
        };
        if !plan.conflicts.is_empty() {
            metrics.jwks_failure("conflict");
            tracing::warn!(health_authority_id = id, conflicts = ?plan.conflicts, "JWKS keys not added");
            error.get_or_insert_with(|| plan.conflicts.join("; "));
        }
        metrics.jwks_keys("added", plan.added.len());
        metrics.jwks_keys("revoked", plan.revoked.len());
        metrics.jwks_keys("deleted", plan.deleted.len());
        if !(plan.added.is_empty() && plan.revoked.is_empty() && plan.deleted.is_empty()) {
            tracing::info!(
                health_authority_id = id,
                added = ?plan.added,
                revoked = ?plan.revoked,
                deleted = ?plan.deleted,
                "JWKS keys synced"
            );
        }
        AuthorityReport {
            health_authority_id: id,
            jwks_uri: uri,
            plan,
            skipped,
            error,
        }
    }

    async fn fetch(&self, uri: &str) -> Result<JwksDocument, FetchError> {
        let mut response = self
            .client
            .get(uri)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| FetchError::Transport(e.to_string()))?;
        if response.status() != reqwest::StatusCode::OK {
            return Err(FetchError::Status(response.status().as_u16()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| FetchError::Transport(e.to_string()))?
        {
            if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
                return Err(FetchError::Document(format!(
                    "the JWKS document is larger than {MAX_DOCUMENT_BYTES} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        parse_jwks(&body).map_err(FetchError::Document)
    }

    /// Runs every [`interval`](Self::interval) until `shutdown`; the first run is immediate.
    pub async fn run_periodically(self: Arc<Self>, shutdown: CancellationToken) {
        if self.settings.interval.is_zero() {
            return;
        }
        let mut ticker = tokio::time::interval(self.settings.interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                _ = ticker.tick() => {}
            }
            let report = tokio::select! {
                () = shutdown.cancelled() => break,
                report = self.run_once() => report,
            };
            if !report.ok {
                tracing::warn!(
                    failed = report
                        .health_authorities
                        .iter()
                        .filter(|r| r.error.is_some())
                        .count(),
                    "JWKS sync run finished with failures"
                );
            }
        }
    }
}
