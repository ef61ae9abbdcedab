//! Deleting export files past retention (`CLEANUP_TTL`, at least 240h: files must stay
//! downloadable as long as the keys they hold are), including those of configs that ended or no
//! longer exist (the reference only marks files when a config gets a new batch, so an ended config
//! kept its files forever).
//!
//! One run, with `cutoff = now - CLEANUP_TTL`:
//! 1. mark `DEL_PEND` every complete file of a batch that ended before the cutoff;
//! 2. rewrite the index of every config that has batches, so no index names a file about to go;
//! 3. delete the marked blobs, then mark the files `DELETED` (stopping at the first failure,
//!    which the next run retries); batches without files left become `DELETED`;
//! 4. delete padding keys created before the cutoff (fakes follow the key retention).

use chrono::{DateTime, Utc};
use config::ConfigSnapshot;

use crate::repository::{batches, files, keys};
use crate::worker::{index, ExportContext, ExportError};

/// What a cleanup run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CleanupReport {
    pub files_marked: u64,
    pub files_deleted: u64,
    pub batches_deleted: u64,
    pub padding_deleted: u64,
}

/// Files deleted per database round trip.
const DELETE_CHUNK: i64 = 500;

/// Runs the cleanup once.
pub async fn cleanup(
    ctx: &ExportContext,
    snapshot: &ConfigSnapshot,
    now: DateTime<Utc>,
) -> Result<CleanupReport, ExportError> {
    let ttl = chrono::Duration::from_std(ctx.settings.cleanup_ttl).unwrap_or(chrono::Duration::MAX);
    let cutoff = now - ttl;
    let mut report = CleanupReport {
        files_marked: files::mark_expired_files(&ctx.pool, None, cutoff).await?,
        ..CleanupReport::default()
    };
    for (config_id, batch_root) in batches::configs_with_batches(&ctx.pool).await? {
        let root = snapshot
            .export_config(config_id)
            .map_or(batch_root.as_str(), |c| c.filename_root.as_str());
        index::write_index(ctx, config_id, root, now).await?;
    }
    loop {
        let due = files::files_to_delete(&ctx.pool, cutoff, DELETE_CHUNK).await?;
        if due.is_empty() {
            break;
        }
        for file in &due {
            ctx.blobs.delete(&file.filename).await?;
            files::mark_file_deleted(&ctx.pool, &file.filename).await?;
            report.files_deleted += 1;
            ctx.metrics.files_deleted.inc();
        }
    }
    report.batches_deleted = files::mark_batches_deleted(&ctx.pool, cutoff).await?;
    report.padding_deleted = keys::delete_padding_before(&ctx.pool, cutoff).await?;
    tracing::info!(?report, %cutoff, "Export cleanup done");
    Ok(report)
}
