//! Rewriting a config's `index.txt` from the committed state.
//!
//! Writers of one config's index serialise on the lock `export-config-{id}`. Under it: files of
//! batches that ended before `now - CLEANUP_TTL` are marked for deletion, and the index is
//! rewritten with every complete file of a batch that started after `now - CLEANUP_TTL`. Because
//! batches are completed *before* the index is written, and every writer lists what is
//! committed when it holds the lock, the last writer's index always names every finished file.

use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};

use super::{ExportContext, ExportError};
use crate::batching::naming::{index_content, index_name};
use crate::blob::BlobKind;
use crate::repository::{files, locks};

/// How long the index lock is held at most.
const INDEX_LOCK_TTL: Duration = Duration::from_secs(60);
/// Pause between attempts to take a busy index lock.
const INDEX_LOCK_RETRY: Duration = Duration::from_millis(200);

/// Rewrites `{root}/index.txt` of `config_id`; returns how many files it lists.
pub async fn write_index(
    ctx: &ExportContext,
    config_id: i64,
    root: &str,
    now: DateTime<Utc>,
) -> Result<usize, ExportError> {
    let lock = [format!("export-config-{config_id}")];
    let deadline = tokio::time::Instant::now() + ctx.settings.worker_timeout;
    let held = loop {
        let at = now.max(Utc::now());
        if let Some(held) = locks::try_lock(&ctx.pool, &lock, at, INDEX_LOCK_TTL).await? {
            break held;
        }
        if tokio::time::Instant::now() >= deadline {
            ctx.metrics.job_failures.with_label_values(&["index"]).inc();
            return Err(ExportError::IndexBusy { config_id });
        }
        tokio::time::sleep(INDEX_LOCK_RETRY).await;
    };
    let result = write_locked(ctx, config_id, root, now).await;
    if let Err(e) = locks::unlock(&ctx.pool, &held).await {
        tracing::warn!(config_id, error = %e, "Cannot release the index lock; it expires by itself");
    }
    result
}

async fn write_locked(
    ctx: &ExportContext,
    config_id: i64,
    root: &str,
    now: DateTime<Utc>,
) -> Result<usize, ExportError> {
    let ttl = chrono::Duration::from_std(ctx.settings.cleanup_ttl).unwrap_or(chrono::Duration::MAX);
    let cutoff = now - ttl;
    let marked = files::mark_expired_files(&ctx.pool, Some(config_id), cutoff).await?;
    if marked > 0 {
        tracing::info!(
            config_id,
            marked,
            "Export files past retention marked for deletion"
        );
    }
    let names = files::index_files(&ctx.pool, config_id, cutoff).await?;
    let count = names.len();
    ctx.blobs
        .put(
            &index_name(root),
            Bytes::from(index_content(names)),
            BlobKind::Index,
        )
        .await?;
    Ok(count)
}
