//! Turning one leased batch into signed files.
//!
//! 1. Take the batch's region locks (its effective input regions, plus `TRAVELERS` when it
//!    includes travelers) so two workers never pad overlapping regions at once; if any is
//!    held, the batch is postponed briefly.
//! 2. Find the active signature infos (`thru` unset or not passed, newest id first) and their
//!    keys. None is an error: the batch is not exported unsigned.
//! 3. Select its keys, split them into files, and pad the last file (persisting the fakes
//!    first). A batch that was already padded reuses its persisted fakes and adds none, so a
//!    rerun yields the same files (signatures are deterministic too).
//! 4. Build, sign and store each file; file `k` of `n > 1` carries `end + k`.
//! 5. Record the files and complete the batch (only while we still hold the lease), then
//!    rewrite the config's index from the committed state, so the index never names a file of
//!    an unfinished batch and a concurrent writer cannot leave ours out.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use config::ConfigSnapshot;
use tracing::Instrument as _;

use super::{index, ExportContext, ExportError};
use crate::batching::group::plan_files;
use crate::batching::naming::file_name;
use crate::batching::padding::{fake_of, padding_sources, padding_target};
use crate::blob::BlobKind;
use crate::format::{self, ExportKey, FileSigner, FileSpec, SignerIdentity};
use crate::repository::batches::{self, Batch, Lease};
use crate::repository::files::{self, WrittenFile};
use crate::repository::keys::{self, KeyCriteria, PrimaryKey};
use crate::repository::locks;

/// Lock id of "all travelers" in the region locks.
pub const TRAVELERS_LOCK: &str = "TRAVELERS";

/// What happened to a leased batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchOutcome {
    /// Files were written (none for a batch without keys) and the batch completed.
    Completed { batch_id: i64, files: Vec<String> },
    /// Another worker holds one of its region locks; it is retried shortly.
    Postponed { batch_id: i64 },
    /// The lease expired before completion; the batch's successor finishes it.
    LeaseLost { batch_id: i64 },
}

/// Leases the next ready batch and exports it. `None` when no batch is ready.
pub async fn export_next(
    ctx: &ExportContext,
    snapshot: &ConfigSnapshot,
    now: DateTime<Utc>,
) -> Result<Option<BatchOutcome>, ExportError> {
    let Some(lease) = batches::lease_batch(&ctx.pool, now, ctx.settings.worker_timeout).await?
    else {
        return Ok(None);
    };
    let batch_id = lease.batch.batch_id;
    let config_id = lease.batch.config_id;
    let span = tracing::info_span!("export_batch", batch_id, config_id);
    let started = Instant::now();
    let outcome = export_leased(ctx, snapshot, &lease, now)
        .instrument(span)
        .await;
    ctx.metrics
        .batch_seconds
        .observe(started.elapsed().as_secs_f64());
    let label = match &outcome {
        Ok(BatchOutcome::Completed { files, .. }) if files.is_empty() => "empty",
        Ok(BatchOutcome::Completed { .. }) => "complete",
        Ok(BatchOutcome::Postponed { .. }) => "skipped_locked",
        Ok(BatchOutcome::LeaseLost { .. }) => "lease_lost",
        Err(e) => e.reason(),
    };
    ctx.metrics.batches.with_label_values(&[label]).inc();
    match &outcome {
        Ok(result) => tracing::info!(batch_id, config_id, ?result, "Batch processed"),
        Err(e) => {
            tracing::error!(batch_id, config_id, reason = e.reason(), error = %e, "Batch failed; it is retried when its lease expires")
        }
    }
    outcome.map(Some)
}

/// Exports a batch this worker holds the lease of.
pub async fn export_leased(
    ctx: &ExportContext,
    snapshot: &ConfigSnapshot,
    lease: &Lease,
    now: DateTime<Utc>,
) -> Result<BatchOutcome, ExportError> {
    let batch = &lease.batch;
    let mut lock_ids: Vec<String> = batch
        .effective_input_regions()
        .into_iter()
        .map(|r| format!("region/{r}"))
        .collect();
    if batch.include_travelers {
        lock_ids.push(format!("region/{TRAVELERS_LOCK}"));
    }
    let Some(held) =
        locks::try_lock(&ctx.pool, &lock_ids, now, ctx.settings.worker_timeout).await?
    else {
        let retry = now
            + chrono::Duration::seconds(5)
                .min(chrono::Duration::from_std(ctx.settings.worker_timeout).unwrap_or_default());
        batches::postpone(&ctx.pool, lease, retry).await?;
        return Ok(BatchOutcome::Postponed {
            batch_id: batch.batch_id,
        });
    };
    let result = export_locked(ctx, snapshot, lease, now).await;
    if let Err(e) = locks::unlock(&ctx.pool, &held).await {
        tracing::warn!(batch_id = batch.batch_id, error = %e, "Cannot release region locks; they expire by themselves");
    }
    result
}

/// The active signers of a batch, newest signature info first.
pub async fn signers_for(
    ctx: &ExportContext,
    snapshot: &ConfigSnapshot,
    batch: &Batch,
    now: DateTime<Utc>,
) -> Result<Vec<FileSigner>, ExportError> {
    let mut infos: Vec<&schemas::config::SignatureInfo> = batch
        .signature_info_ids
        .iter()
        .filter_map(|id| snapshot.signature_info(*id))
        .filter(|info| info.is_active_at(now))
        .collect();
    infos.sort_by_key(|info| std::cmp::Reverse(info.id));
    infos.dedup_by_key(|info| info.id);
    if infos.is_empty() {
        return Err(ExportError::NoSigners {
            batch_id: batch.batch_id,
            config_id: batch.config_id,
        });
    }
    let mut signers = Vec::with_capacity(infos.len());
    for info in infos {
        let signer =
            ctx.keys
                .signer(&info.signing_key)
                .await
                .map_err(|source| ExportError::Signing {
                    signature_info_id: info.id,
                    source,
                })?;
        signers.push(FileSigner {
            identity: SignerIdentity {
                key_version: info.signing_key_version.clone(),
                key_id: info.signing_key_id.clone(),
            },
            signer,
        });
    }
    Ok(signers)
}

/// The fakes padding the last file: the batch's persisted ones, or new ones (persisted here).
async fn padding(
    ctx: &ExportContext,
    batch: &Batch,
    real: &[PrimaryKey],
    last_file: std::ops::Range<usize>,
    own: Vec<PrimaryKey>,
    max_records: usize,
) -> Result<Vec<PrimaryKey>, ExportError> {
    if !own.is_empty() || keys::batch_has_padding(&ctx.pool, batch.batch_id).await? {
        return Ok(own);
    }
    let mut rng = rand::rngs::OsRng;
    let target = padding_target(ctx.settings.padding, &mut rng);
    let sources = padding_sources(
        real.len(),
        last_file.len(),
        max_records,
        ctx.settings.padding,
        target,
    );
    if sources.is_empty() {
        return Ok(Vec::new());
    }
    let created_at = real
        .iter()
        .map(|k| k.created_at)
        .max()
        .unwrap_or(batch.start);
    let last = &real[last_file];
    let fakes: Vec<PrimaryKey> = sources
        .into_iter()
        .map(|i| PrimaryKey {
            key: fake_of(&last[i].key, &mut rng),
            regions: last[i].regions.clone(),
            traveler: last[i].traveler,
            created_at,
            padding_of: Some(batch.batch_id),
        })
        .collect();
    if keys::insert_padding(&ctx.pool, batch.batch_id, &fakes).await? {
        Ok(fakes)
    } else {
        // A concurrent worker padded this batch first: carry its fakes.
        Ok(keys::padding_of_batch(&ctx.pool, batch.batch_id).await?)
    }
}

async fn export_locked(
    ctx: &ExportContext,
    snapshot: &ConfigSnapshot,
    lease: &Lease,
    now: DateTime<Utc>,
) -> Result<BatchOutcome, ExportError> {
    let batch = &lease.batch;
    let signers = signers_for(ctx, snapshot, batch, now).await?;
    let criteria = KeyCriteria {
        include_regions: batch.effective_input_regions(),
        exclude_regions: batch.exclude_regions.clone(),
        include_travelers: batch.include_travelers,
        only_non_travelers: batch.only_non_travelers,
        ..KeyCriteria::default()
    };
    let mut selected = keys::batch_keys(&ctx.pool, &criteria, batch.start, batch.end).await?;
    ctx.metrics.keys_dropped.inc_by(selected.dropped as u64);
    let (own_padding, mut real): (Vec<PrimaryKey>, Vec<PrimaryKey>) = selected
        .primaries
        .drain(..)
        .partition(|k| k.padding_of == Some(batch.batch_id));
    real.sort_unstable_by(|a, b| a.key.key_data.cmp(&b.key.key_data));
    let mut revised = selected.revised;
    revised.sort_unstable_by(|a, b| a.key_data.cmp(&b.key_data));

    let max_records = batch.effective_max_records(ctx.settings.max_records);
    let plans = plan_files(real.len(), revised.len(), max_records);
    let fakes = match plans.last() {
        Some(last) => {
            padding(
                ctx,
                batch,
                &real,
                last.primaries.clone(),
                own_padding,
                max_records,
            )
            .await?
        }
        None => Vec::new(),
    };

    let start = batch.start.timestamp();
    let end = batch.end.timestamp();
    let split = plans.len() > 1;
    let mut written = Vec::with_capacity(plans.len());
    for (i, plan) in plans.iter().enumerate() {
        let file_num = i + 1;
        let is_last = file_num == plans.len();
        let primaries: Vec<ExportKey> = real[plan.primaries.clone()]
            .iter()
            .chain(if is_last { &fakes[..] } else { &[] })
            .map(|k| k.key.clone())
            .collect();
        let revised_keys: Vec<ExportKey> = revised[plan.revised.clone()].to_vec();
        let offset = if split { file_num as i64 } else { 0 };
        let zip = build(
            FileSpec {
                start_timestamp: start,
                end_timestamp: end + offset,
                region: &batch.output_region,
            },
            &signers,
            primaries,
            revised_keys,
        )
        .await?;
        let name = file_name(
            &batch.filename_root,
            start,
            end,
            file_num,
            ctx.settings.reprocess_count,
        );
        ctx.blobs
            .put(&name, zip.bytes, BlobKind::ExportFile)
            .await?;
        ctx.metrics.files_written.inc();
        ctx.metrics
            .keys_exported
            .with_label_values(&["primary"])
            .inc_by(zip.primaries as u64 - if is_last { fakes.len() as u64 } else { 0 });
        ctx.metrics
            .keys_exported
            .with_label_values(&["revised"])
            .inc_by(zip.revised as u64);
        if is_last {
            ctx.metrics
                .keys_exported
                .with_label_values(&["padding"])
                .inc_by(fakes.len() as u64);
        }
        written.push(WrittenFile {
            filename: name,
            key_count: i32::try_from(zip.primaries + zip.revised).unwrap_or(i32::MAX),
        });
    }

    if !files::complete_batch(&ctx.pool, lease, &written).await? {
        return Ok(BatchOutcome::LeaseLost {
            batch_id: batch.batch_id,
        });
    }
    let root = snapshot
        .export_config(batch.config_id)
        .map_or(batch.filename_root.as_str(), |c| c.filename_root.as_str());
    index::write_index(ctx, batch.config_id, root, now).await?;
    Ok(BatchOutcome::Completed {
        batch_id: batch.batch_id,
        files: written.into_iter().map(|f| f.filename).collect(),
    })
}

/// A built file and its key counts.
struct BuiltFile {
    bytes: Bytes,
    primaries: usize,
    revised: usize,
}

/// Builds one file: encoding and compression run on the blocking pool (a file can hold
/// hundreds of thousands of keys), signing through the key manager.
async fn build(
    spec: FileSpec<'_>,
    signers: &[FileSigner],
    primaries: Vec<ExportKey>,
    revised: Vec<ExportKey>,
) -> Result<BuiltFile, ExportError> {
    if signers.is_empty() {
        return Err(format::FileError::Unsigned.into());
    }
    let identities: Arc<Vec<SignerIdentity>> =
        Arc::new(signers.iter().map(|s| s.identity.clone()).collect());
    let (start, end, region) = (
        spec.start_timestamp,
        spec.end_timestamp,
        spec.region.to_owned(),
    );
    let counts = (primaries.len(), revised.len());
    let bin = tokio::task::spawn_blocking(move || {
        format::export_bin(
            FileSpec {
                start_timestamp: start,
                end_timestamp: end,
                region: &region,
            },
            &identities,
            &primaries,
            &revised,
        )
    })
    .await
    .map_err(|e| ExportError::Build(e.to_string()))??;
    let sig = format::file::export_sig(&bin, signers).await?;
    let zip = tokio::task::spawn_blocking(move || format::zip_entries(&bin, &sig))
        .await
        .map_err(|e| ExportError::Build(e.to_string()))??;
    Ok(BuiltFile {
        bytes: Bytes::from(zip),
        primaries: counts.0,
        revised: counts.1,
    })
}
