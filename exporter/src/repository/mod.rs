//! Every SQL statement of the exporter, against its own tables and (read-only) `exposure`.
//!
//! - [`batches`]: cutting batches and leasing them to one worker at a time;
//! - [`files`]: finalizing batches with their files, the index listing, retention marking;
//! - [`keys`]: selecting a batch's keys, and persisting padding;
//! - [`locks`]: expiring named locks shared by exporter instances;
//! - [`stats`]: reading health-authority statistics for `/v1/stats` (read-only).
//!
//! Several exporter instances may run against one database. Batch creation for a config is
//! serialised by a transaction-scoped advisory lock; a batch is leased with
//! `FOR UPDATE SKIP LOCKED` (oldest window first), and only the holder of the lease token can
//! complete it, so a worker whose lease expired cannot overwrite the state its successor wrote.
//! Time is always passed in (`now`), never read from the database clock, so tests control it.

pub mod batches;
pub mod files;
pub mod keys;
pub mod locks;
pub mod stats;

use platform::pg::Migration;
use tokio_postgres::Row;

/// The exporter's migrations, recorded in [`MIGRATIONS_TABLE`].
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1001,
    name: "export",
    sql: include_str!("../../migrations/1001_export.sql"),
}];

/// The exporter's migration bookkeeping table (separate from the projector's).
pub const MIGRATIONS_TABLE: &str = "exporter_schema_migrations";

/// Applies the exporter's migrations.
pub async fn migrate(pool: &deadpool_postgres::Pool) -> anyhow::Result<usize> {
    platform::pg::migrate_in(pool, MIGRATIONS_TABLE, MIGRATIONS).await
}

/// The parameters of one statement.
type Params<'a> = &'a [&'a (dyn tokio_postgres::types::ToSql + Sync)];

/// Runs one statement on a pooled connection; returns how many rows it changed.
async fn execute(
    pool: &deadpool_postgres::Pool,
    sql: &str,
    params: Params<'_>,
) -> Result<u64, RepoError> {
    let client = pool.get().await?;
    Ok(client.execute(sql, params).await?)
}

/// Runs one query on a pooled connection; returns its rows, each made a `T` by `map`.
async fn query_map<T>(
    pool: &deadpool_postgres::Pool,
    sql: &str,
    params: Params<'_>,
    map: impl Fn(&Row) -> T,
) -> Result<Vec<T>, RepoError> {
    let client = pool.get().await?;
    let rows = client.query(sql, params).await?;
    Ok(rows.iter().map(map).collect())
}

/// Runs a query of exactly one row on a pooled connection; returns its first column.
async fn query_value<T>(
    pool: &deadpool_postgres::Pool,
    sql: &str,
    params: Params<'_>,
) -> Result<T, RepoError>
where
    T: for<'r> tokio_postgres::types::FromSql<'r>,
{
    let client = pool.get().await?;
    Ok(client.query_one(sql, params).await?.get(0))
}

/// A database failure; always worth retrying later.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error("cannot get a database connection")]
    Pool(#[from] deadpool_postgres::PoolError),
    #[error("database statement failed")]
    Query(#[from] tokio_postgres::Error),
}

/// Status of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchStatus {
    Open,
    Pending,
    Complete,
    Deleted,
    DeletePending,
}

impl BatchStatus {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            BatchStatus::Open => "OPEN",
            BatchStatus::Pending => "PENDING",
            BatchStatus::Complete => "COMPLETE",
            BatchStatus::Deleted => "DELETED",
            BatchStatus::DeletePending => "DEL_PEND",
        }
    }

    /// Parses the stored text (unknown text reads as `Open`, which the CHECK constraint
    /// prevents).
    pub fn parse(text: &str) -> Self {
        match text {
            "PENDING" => BatchStatus::Pending,
            "COMPLETE" => BatchStatus::Complete,
            "DELETED" => BatchStatus::Deleted,
            "DEL_PEND" => BatchStatus::DeletePending,
            _ => BatchStatus::Open,
        }
    }
}
