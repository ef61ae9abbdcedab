//! Export files: finalizing a batch, what the index lists, and retention.

use chrono::{DateTime, Utc};

use super::batches::Lease;
use super::{execute, query_map, RepoError};

/// A file written for a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenFile {
    /// Object name in the blob store.
    pub filename: String,
    /// Keys in it (primary + revised + padding).
    pub key_count: i32,
}

/// Records the batch's files (numbered in order, `batch_size` = their count) and marks it
/// `COMPLETE`, in one transaction. A filename already recorded (a rerun) is kept as it was.
/// Returns `false`, changing nothing, when the lease is no longer ours.
pub async fn complete_batch(
    pool: &deadpool_postgres::Pool,
    lease: &Lease,
    files: &[WrittenFile],
) -> Result<bool, RepoError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let completed = tx
        .execute(
            "UPDATE export_batch SET status = 'COMPLETE', lease_expires = NULL, lease_token = NULL
             WHERE batch_id = $1 AND lease_token = $2 AND status = 'PENDING'",
            &[&lease.batch.batch_id, &lease.token],
        )
        .await?;
    if completed == 0 {
        tx.rollback().await?;
        return Ok(false);
    }
    let insert = tx
        .prepare(
            "INSERT INTO export_file (filename, batch_id, config_id, batch_num, batch_size,
                key_count, status)
             VALUES ($1, $2, $3, $4, $5, $6, 'COMPLETE')
             ON CONFLICT (filename) DO NOTHING",
        )
        .await?;
    let size = i32::try_from(files.len()).unwrap_or(i32::MAX);
    for (i, file) in files.iter().enumerate() {
        let num = i32::try_from(i + 1).unwrap_or(i32::MAX);
        let inserted = tx
            .execute(
                &insert,
                &[
                    &file.filename,
                    &lease.batch.batch_id,
                    &lease.batch.config_id,
                    &num,
                    &size,
                    &file.key_count,
                ],
            )
            .await?;
        if inserted == 0 {
            tracing::info!(filename = %file.filename, "Export file already recorded (rerun)");
        }
    }
    tx.commit().await?;
    Ok(true)
}

/// Adds a file row outside a batch completion; `false` if the filename exists (the first row
/// is kept).
pub async fn add_file(
    pool: &deadpool_postgres::Pool,
    batch_id: i64,
    config_id: i64,
    filename: &str,
) -> Result<bool, RepoError> {
    let n = execute(
        pool,
        "INSERT INTO export_file (filename, batch_id, config_id, batch_num, batch_size, status)
         VALUES ($1, $2, $3, 1, 1, 'COMPLETE') ON CONFLICT (filename) DO NOTHING",
        &[&filename, &batch_id, &config_id],
    )
    .await?;
    Ok(n == 1)
}

/// A file row as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRow {
    pub filename: String,
    pub batch_id: i64,
    pub batch_num: i32,
    pub batch_size: i32,
    pub status: String,
}

/// The files of a batch, by number.
pub async fn files_of_batch(
    pool: &deadpool_postgres::Pool,
    batch_id: i64,
) -> Result<Vec<FileRow>, RepoError> {
    query_map(
        pool,
        "SELECT filename, batch_id, batch_num, batch_size, status FROM export_file
         WHERE batch_id = $1 ORDER BY batch_num, filename",
        &[&batch_id],
        |r| FileRow {
            filename: r.get(0),
            batch_id: r.get(1),
            batch_num: r.get(2),
            batch_size: r.get(3),
            status: r.get(4),
        },
    )
    .await
}

/// The files the index of `config_id` lists: complete files of complete (or deleted) batches
/// that started after `since`, sorted by name.
pub async fn index_files(
    pool: &deadpool_postgres::Pool,
    config_id: i64,
    since: DateTime<Utc>,
) -> Result<Vec<String>, RepoError> {
    query_map(
        pool,
        "SELECT f.filename FROM export_file f JOIN export_batch b ON b.batch_id = f.batch_id
         WHERE b.config_id = $1 AND b.start_timestamp > $2
           AND b.status IN ('COMPLETE', 'DELETED') AND f.status = 'COMPLETE'
         ORDER BY f.filename",
        &[&config_id, &since],
        |r| r.get(0),
    )
    .await
}

/// Marks `DEL_PEND` the complete files of complete batches that ended before `cutoff`, of one
/// config or (with `None`) of all of them. Returns how many were marked.
pub async fn mark_expired_files(
    pool: &deadpool_postgres::Pool,
    config_id: Option<i64>,
    cutoff: DateTime<Utc>,
) -> Result<u64, RepoError> {
    execute(
        pool,
        "UPDATE export_file f SET status = 'DEL_PEND' FROM export_batch b
         WHERE f.batch_id = b.batch_id AND ($1::BIGINT IS NULL OR b.config_id = $1)
           AND b.status = 'COMPLETE' AND f.status = 'COMPLETE' AND b.end_timestamp < $2",
        &[&config_id, &cutoff],
    )
    .await
}

/// A file whose blob is due for deletion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiredFile {
    pub filename: String,
    pub config_id: i64,
}

/// Up to `limit` `DEL_PEND` files of batches that ended before `cutoff`.
pub async fn files_to_delete(
    pool: &deadpool_postgres::Pool,
    cutoff: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<ExpiredFile>, RepoError> {
    query_map(
        pool,
        "SELECT f.filename, b.config_id FROM export_file f
         JOIN export_batch b ON b.batch_id = f.batch_id
         WHERE b.end_timestamp < $1 AND b.status <> 'DELETED' AND f.status = 'DEL_PEND'
         ORDER BY f.filename LIMIT $2",
        &[&cutoff, &limit],
        |r| ExpiredFile {
            filename: r.get(0),
            config_id: r.get(1),
        },
    )
    .await
}

/// Records that a file's blob is gone.
pub async fn mark_file_deleted(
    pool: &deadpool_postgres::Pool,
    filename: &str,
) -> Result<(), RepoError> {
    execute(
        pool,
        "UPDATE export_file SET status = 'DELETED' WHERE filename = $1",
        &[&filename],
    )
    .await?;
    Ok(())
}

/// Marks `DELETED` the complete batches that ended before `cutoff` and have no file left.
pub async fn mark_batches_deleted(
    pool: &deadpool_postgres::Pool,
    cutoff: DateTime<Utc>,
) -> Result<u64, RepoError> {
    execute(
        pool,
        "UPDATE export_batch b SET status = 'DELETED'
         WHERE b.status = 'COMPLETE' AND b.end_timestamp < $1
           AND NOT EXISTS (SELECT 1 FROM export_file f
                           WHERE f.batch_id = b.batch_id AND f.status <> 'DELETED')",
        &[&cutoff],
    )
    .await
}
