//! Selecting a batch's keys from the query store, and persisting padding.
//!
//! Primary keys are those created in `[start, end)`; revised keys those revised in
//! `[start, end)` (a key created and revised in one window is in both lists). Region filters
//! use array overlap for any number of regions (the reference filters only when a list has
//! exactly one element): a key is included when its regions overlap the include list (an
//! empty list includes everything), or it is a traveler and travelers are included; it is
//! excluded when its regions overlap the exclude list (travelers too). Earlier padding fakes
//! (`export_padding_key`) are selected like stored keys. Keys whose bytes are not 16 are
//! dropped and counted.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use tokio_postgres::Row;

use super::{execute, query_map, query_value, RepoError};
use crate::format::{report_type_from_text, report_type_text, ExportKey};

/// Which keys a batch selects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyCriteria {
    /// Regions to include (effective input regions); empty includes every region.
    pub include_regions: Vec<String>,
    /// Regions to exclude.
    pub exclude_regions: Vec<String>,
    /// Also include every traveler key.
    pub include_travelers: bool,
    /// Only keys of non-travelers.
    pub only_non_travelers: bool,
    /// Only traveler keys (federation-style queries; exports never set it).
    pub only_travelers: bool,
    /// Only keys published here, not federated or imported (exports never set it).
    pub only_local_provenance: bool,
}

/// A primary key and what padding copies from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrimaryKey {
    pub key: ExportKey,
    pub regions: Vec<String>,
    pub traveler: bool,
    pub created_at: DateTime<Utc>,
    /// The batch whose padding this fake key is; `None` for a stored (real) key.
    pub padding_of: Option<i64>,
}

/// Keys read for a batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchKeys {
    pub primaries: Vec<PrimaryKey>,
    pub revised: Vec<ExportKey>,
    /// Rows dropped because their key is not 16 bytes of base64.
    pub dropped: usize,
}

const FILTER: &str = "(cardinality($3::TEXT[]) = 0 OR regions && $3 OR ($4 AND traveler))
    AND NOT (regions && $5::TEXT[])
    AND (NOT $6 OR NOT traveler)
    AND (NOT $7 OR traveler)
    AND (NOT $8 OR local_provenance)";

fn key_bytes(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()
        .filter(|bytes| bytes.len() == 16)
}

fn small(value: i64) -> i32 {
    i32::try_from(value).unwrap_or(if value < 0 { i32::MIN } else { i32::MAX })
}

/// Columns 1..=5 of a key row: TR, interval, count, report type text, onset.
fn export_key(row: &Row, key_data: Vec<u8>) -> ExportKey {
    let report_type: Option<String> = row.get(4);
    let onset: Option<i64> = row.get(5);
    ExportKey {
        key_data,
        transmission_risk: small(row.get(1)),
        interval_number: small(row.get(2)),
        interval_count: small(row.get(3)),
        report_type: report_type.as_deref().and_then(report_type_from_text),
        days_since_onset: onset.map(small),
    }
}

/// The primary and revised keys of the window `[start, end)`.
pub async fn batch_keys(
    pool: &deadpool_postgres::Pool,
    criteria: &KeyCriteria,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<BatchKeys, RepoError> {
    let client = pool.get().await?;
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 8] = [
        &start,
        &end,
        &criteria.include_regions,
        &criteria.include_travelers,
        &criteria.exclude_regions,
        &criteria.only_non_travelers,
        &criteria.only_travelers,
        &criteria.only_local_provenance,
    ];
    let primary_sql = format!(
        "WITH k AS (
             SELECT exposure_key, transmission_risk, interval_number, interval_count, report_type,
                    days_since_symptom_onset, COALESCE(regions, '{{}}') AS regions, traveler,
                    created_at, local_provenance, NULL::BIGINT AS padding_of
             FROM exposure WHERE created_at >= $1 AND created_at < $2
             UNION ALL
             SELECT exposure_key, transmission_risk, interval_number, interval_count, report_type,
                    days_since_symptom_onset, regions, traveler, created_at, true, batch_id
             FROM export_padding_key WHERE created_at >= $1 AND created_at < $2)
         SELECT exposure_key, transmission_risk, interval_number, interval_count, report_type,
                days_since_symptom_onset, regions, traveler, created_at, padding_of
         FROM k WHERE {FILTER} ORDER BY created_at"
    );
    let revised_sql = format!(
        "WITH k AS (
             SELECT exposure_key, transmission_risk, interval_number, interval_count,
                    revised_report_type, revised_days_since_symptom_onset,
                    COALESCE(regions, '{{}}') AS regions, traveler, local_provenance, revised_at
             FROM exposure
             WHERE revised_at IS NOT NULL AND revised_at >= $1 AND revised_at < $2)
         SELECT exposure_key, transmission_risk, interval_number, interval_count,
                revised_report_type, revised_days_since_symptom_onset
         FROM k WHERE {FILTER} ORDER BY revised_at"
    );
    let mut keys = BatchKeys::default();
    for row in client.query(&primary_sql, &params).await? {
        let text: String = row.get(0);
        match key_bytes(&text) {
            Some(bytes) => keys.primaries.push(PrimaryKey {
                key: export_key(&row, bytes),
                regions: row.get(6),
                traveler: row.get(7),
                created_at: row.get(8),
                padding_of: row.get(9),
            }),
            None => keys.dropped += 1,
        }
    }
    for row in client.query(&revised_sql, &params).await? {
        let text: String = row.get(0);
        match key_bytes(&text) {
            Some(bytes) => keys.revised.push(export_key(&row, bytes)),
            None => keys.dropped += 1,
        }
    }
    Ok(keys)
}

/// Whether a batch already persisted padding (then a rerun must not add more).
pub async fn batch_has_padding(
    pool: &deadpool_postgres::Pool,
    batch_id: i64,
) -> Result<bool, RepoError> {
    query_value(
        pool,
        "SELECT EXISTS (SELECT 1 FROM export_padding_key WHERE batch_id = $1)",
        &[&batch_id],
    )
    .await
}

/// Persists a batch's fake keys (all of them, in one transaction), unless the batch already
/// has padding — a worker whose lease expired may race its successor here; the first one's
/// fakes win. Returns whether these fakes were stored.
pub async fn insert_padding(
    pool: &deadpool_postgres::Pool,
    batch_id: i64,
    fakes: &[PrimaryKey],
) -> Result<bool, RepoError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let lock_key = format!("export-padding-{batch_id}");
    tx.execute("SELECT pg_advisory_xact_lock(hashtext($1))", &[&lock_key])
        .await?;
    let exists: bool = tx
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM export_padding_key WHERE batch_id = $1)",
            &[&batch_id],
        )
        .await?
        .get(0);
    if exists {
        tx.rollback().await?;
        return Ok(false);
    }
    let insert = tx
        .prepare(
            "INSERT INTO export_padding_key (exposure_key, batch_id, transmission_risk, regions,
                traveler, interval_number, interval_count, report_type, days_since_symptom_onset,
                created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (exposure_key) DO NOTHING",
        )
        .await?;
    let rows: Vec<_> = fakes
        .iter()
        .map(|fake| {
            (
                base64::engine::general_purpose::STANDARD.encode(&fake.key.key_data),
                i64::from(fake.key.transmission_risk),
                i64::from(fake.key.interval_number),
                i64::from(fake.key.interval_count),
                report_type_text(fake.key.report_type),
                fake.key.days_since_onset.map(i64::from),
            )
        })
        .collect();
    type Param<'p> = &'p (dyn tokio_postgres::types::ToSql + Sync);
    let params: Vec<[Param<'_>; 10]> = fakes
        .iter()
        .zip(&rows)
        .map(|(fake, row)| -> [Param<'_>; 10] {
            [
                &row.0,
                &batch_id,
                &row.1,
                &fake.regions,
                &fake.traveler,
                &row.2,
                &row.3,
                &row.4,
                &row.5,
                &fake.created_at,
            ]
        })
        .collect();
    let inserts = params.iter().map(|p| tx.execute(&insert, p));
    futures::future::try_join_all(inserts).await?;
    tx.commit().await?;
    Ok(true)
}

/// The fake keys persisted for a batch.
pub async fn padding_of_batch(
    pool: &deadpool_postgres::Pool,
    batch_id: i64,
) -> Result<Vec<PrimaryKey>, RepoError> {
    let keys = query_map(
        pool,
        "SELECT exposure_key, transmission_risk, interval_number, interval_count, report_type,
                days_since_symptom_onset, regions, traveler, created_at
         FROM export_padding_key WHERE batch_id = $1",
        &[&batch_id],
        |row| {
            let text: String = row.get(0);
            Some(PrimaryKey {
                key: export_key(row, key_bytes(&text)?),
                regions: row.get(6),
                traveler: row.get(7),
                created_at: row.get(8),
                padding_of: Some(batch_id),
            })
        },
    )
    .await?;
    Ok(keys.into_iter().flatten().collect())
}

/// Deletes padding keys created before `cutoff` (they follow the key retention).
pub async fn delete_padding_before(
    pool: &deadpool_postgres::Pool,
    cutoff: DateTime<Utc>,
) -> Result<u64, RepoError> {
    execute(
        pool,
        "DELETE FROM export_padding_key WHERE created_at < $1",
        &[&cutoff],
    )
    .await
}
