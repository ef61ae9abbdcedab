//! Batches: creation per config, leasing, and reading them back.

use chrono::{DateTime, Utc};
use schemas::config::ExportConfig;
use tokio_postgres::Row;
use uuid::Uuid;

use super::{execute, query_map, query_value, BatchStatus, RepoError};
use crate::batching::ranges::Window;

/// A batch as stored: its window and the config settings copied when it was cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub batch_id: i64,
    pub config_id: i64,
    pub filename_root: String,
    pub output_region: String,
    pub input_regions: Vec<String>,
    pub exclude_regions: Vec<String>,
    pub include_travelers: bool,
    pub only_non_travelers: bool,
    pub signature_info_ids: Vec<i64>,
    pub max_records_override: Option<i64>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub status: BatchStatus,
    pub lease_expires: Option<DateTime<Utc>>,
}

impl Batch {
    /// Input regions, or the output region when none are configured.
    pub fn effective_input_regions(&self) -> Vec<String> {
        effective_input_regions(&self.output_region, &self.input_regions)
    }

    /// `max_records_override` when set and positive, else `default`.
    pub fn effective_max_records(&self, default: usize) -> usize {
        self.max_records_override
            .filter(|m| *m > 0)
            .and_then(|m| usize::try_from(m).ok())
            .unwrap_or(default)
    }
}

/// Input regions, or `[output]` when none are configured (reference "effective input regions").
pub fn effective_input_regions(output: &str, inputs: &[String]) -> Vec<String> {
    if inputs.is_empty() {
        vec![output.to_owned()]
    } else {
        inputs.to_vec()
    }
}

/// A batch leased to this worker; `token` proves the lease when completing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub batch: Batch,
    pub token: Uuid,
}

const COLUMNS: &str = "batch_id, config_id, filename_root, output_region, input_regions,
    exclude_regions, include_travelers, only_non_travelers, signature_info_ids,
    max_records_override, start_timestamp, end_timestamp, status, lease_expires";

fn batch_of(row: &Row) -> Batch {
    Batch {
        batch_id: row.get(0),
        config_id: row.get(1),
        filename_root: row.get(2),
        output_region: row.get(3),
        input_regions: row.get(4),
        exclude_regions: row.get(5),
        include_travelers: row.get(6),
        only_non_travelers: row.get(7),
        signature_info_ids: row.get(8),
        max_records_override: row.get(9),
        start: row.get(10),
        end: row.get(11),
        status: BatchStatus::parse(row.get(12)),
        lease_expires: row.get(13),
    }
}

/// Cuts the batches `windows` decides for `config`, given the end of its latest batch (any
/// status), in one transaction serialised per config, so concurrent instances never create
/// the same window twice. Returns the new batches.
pub async fn create_batches(
    pool: &deadpool_postgres::Pool,
    config: &ExportConfig,
    windows: impl FnOnce(Option<i64>) -> Vec<Window>,
) -> Result<Vec<Batch>, RepoError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let lock_key = format!("export-batches-{}", config.id);
    tx.execute("SELECT pg_advisory_xact_lock(hashtext($1))", &[&lock_key])
        .await?;
    let latest: Option<DateTime<Utc>> = tx
        .query_one(
            "SELECT max(end_timestamp) FROM export_batch WHERE config_id = $1",
            &[&config.id],
        )
        .await?
        .get(0);
    let insert = tx
        .prepare(&format!(
            "INSERT INTO export_batch (config_id, filename_root, output_region, input_regions,
                exclude_regions, include_travelers, only_non_travelers, signature_info_ids,
                max_records_override, start_timestamp, end_timestamp, status)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'OPEN')
             ON CONFLICT (config_id, start_timestamp, end_timestamp) DO NOTHING
             RETURNING {COLUMNS}"
        ))
        .await?;
    let mut created = Vec::new();
    for window in windows(latest.map(|t| t.timestamp())) {
        let (Some(start), Some(end)) = (
            DateTime::from_timestamp(window.start, 0),
            DateTime::from_timestamp(window.end, 0),
        ) else {
            continue;
        };
        let row = tx
            .query_opt(
                &insert,
                &[
                    &config.id,
                    &config.filename_root,
                    &config.output_region,
                    &config.input_regions,
                    &config.exclude_regions,
                    &config.include_travelers,
                    &config.only_non_travelers,
                    &config.signature_info_ids,
                    &config.max_records_override,
                    &start,
                    &end,
                ],
            )
            .await?;
        created.extend(row.as_ref().map(batch_of));
    }
    tx.commit().await?;
    Ok(created)
}

/// The end of the config's latest batch, whatever its status.
pub async fn latest_batch_end(
    pool: &deadpool_postgres::Pool,
    config_id: i64,
) -> Result<Option<DateTime<Utc>>, RepoError> {
    query_value(
        pool,
        "SELECT max(end_timestamp) FROM export_batch WHERE config_id = $1",
        &[&config_id],
    )
    .await
}

/// The end of the newest completed batch of every config that has one.
pub async fn newest_complete_ends(
    pool: &deadpool_postgres::Pool,
) -> Result<std::collections::BTreeMap<i64, DateTime<Utc>>, RepoError> {
    let ends = query_map(
        pool,
        "SELECT config_id, max(end_timestamp) FROM export_batch \
         WHERE status = 'COMPLETE' GROUP BY config_id",
        &[],
        |r| (r.get(0), r.get(1)),
    )
    .await?;
    Ok(ends.into_iter().collect())
}

/// Leases the oldest batch that is ready (its window ended before `now`) and not leased by a
/// live worker: `OPEN`, or `PENDING` with an expired lease. It becomes `PENDING` until
/// `now + ttl`. Concurrent callers never get the same batch.
pub async fn lease_batch(
    pool: &deadpool_postgres::Pool,
    now: DateTime<Utc>,
    ttl: std::time::Duration,
) -> Result<Option<Lease>, RepoError> {
    let expires = now + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX);
    let token = Uuid::new_v4();
    let client = pool.get().await?;
    let row = client
        .query_opt(
            &format!(
                "UPDATE export_batch SET status = 'PENDING', lease_expires = $2, lease_token = $3
                 WHERE batch_id = (
                     SELECT batch_id FROM export_batch
                     WHERE (status = 'OPEN' OR (status = 'PENDING' AND lease_expires < $1))
                       AND end_timestamp < $1
                     ORDER BY end_timestamp, batch_id
                     LIMIT 1
                     FOR UPDATE SKIP LOCKED)
                 RETURNING {COLUMNS}"
            ),
            &[&now, &expires, &token],
        )
        .await?;
    Ok(row.map(|row| Lease {
        batch: batch_of(&row),
        token,
    }))
}

/// Gives a lease back early (e.g. its region locks are held elsewhere) so the batch is retried
/// after `retry_at` instead of at the lease's end. No effect if the lease was lost.
pub async fn postpone(
    pool: &deadpool_postgres::Pool,
    lease: &Lease,
    retry_at: DateTime<Utc>,
) -> Result<(), RepoError> {
    execute(
        pool,
        "UPDATE export_batch SET lease_expires = $3
         WHERE batch_id = $1 AND lease_token = $2 AND status = 'PENDING'",
        &[&lease.batch.batch_id, &lease.token, &retry_at],
    )
    .await?;
    Ok(())
}

/// One batch by id.
pub async fn batch(
    pool: &deadpool_postgres::Pool,
    batch_id: i64,
) -> Result<Option<Batch>, RepoError> {
    // The id is the key: one row at most.
    let mut rows = query_map(
        pool,
        &format!("SELECT {COLUMNS} FROM export_batch WHERE batch_id = $1"),
        &[&batch_id],
        batch_of,
    )
    .await?;
    Ok(rows.pop())
}

/// The batches of a config, oldest window first.
pub async fn batches_of(
    pool: &deadpool_postgres::Pool,
    config_id: i64,
) -> Result<Vec<Batch>, RepoError> {
    query_map(
        pool,
        &format!(
            "SELECT {COLUMNS} FROM export_batch WHERE config_id = $1
             ORDER BY start_timestamp, batch_id"
        ),
        &[&config_id],
        batch_of,
    )
    .await
}

/// Every config that has batches, with the filename root of its latest batch (for cleaning up
/// and re-indexing configs that no longer exist or have ended).
pub async fn configs_with_batches(
    pool: &deadpool_postgres::Pool,
) -> Result<Vec<(i64, String)>, RepoError> {
    query_map(
        pool,
        "SELECT DISTINCT ON (config_id) config_id, filename_root FROM export_batch
         ORDER BY config_id, end_timestamp DESC",
        &[],
        |r| (r.get(0), r.get(1)),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Conformance case C23.
    #[test]
    fn effective_input_regions_and_max_records() {
        assert_eq!(effective_input_regions("US", &[]), ["US"]);
        let inputs = vec!["WA".to_owned(), "OR".to_owned()];
        assert_eq!(effective_input_regions("US", &inputs), ["WA", "OR"]);
        let batch = |max| Batch {
            batch_id: 1,
            config_id: 1,
            filename_root: "r".into(),
            output_region: "US".into(),
            input_regions: vec![],
            exclude_regions: vec![],
            include_travelers: false,
            only_non_travelers: false,
            signature_info_ids: vec![],
            max_records_override: max,
            start: DateTime::<Utc>::UNIX_EPOCH,
            end: DateTime::<Utc>::UNIX_EPOCH,
            status: BatchStatus::Open,
            lease_expires: None,
        };
        assert_eq!(batch(None).effective_max_records(500), 500);
        assert_eq!(batch(Some(0)).effective_max_records(500), 500);
        assert_eq!(batch(Some(-3)).effective_max_records(500), 500);
        assert_eq!(batch(Some(20)).effective_max_records(500), 20);
    }
}
