//! PostgreSQL connection pools and a small versioned-migration runner.
//!
//! Migrations are plain SQL files embedded in the owning crate (`include_str!`), applied in
//! version order inside one transaction each, under an advisory lock so concurrent starters
//! do not race. Applied versions are recorded in `schema_migrations` together with a checksum,
//! and a changed file that was already applied is an error.

use std::time::Duration;

use anyhow::Context as _;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

use crate::env::{Env, Secret};

/// One migration: a version, a name and its SQL.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

/// Database settings: `DATABASE_URL`, `DATABASE_POOL_SIZE`, `DATABASE_CONNECT_TIMEOUT`.
#[derive(Debug, Clone)]
pub struct PgSettings {
    /// The connection URL (holds the password; redacted in `Debug`).
    pub url: Secret,
    pub pool_size: usize,
    pub connect_timeout: Duration,
}

impl PgSettings {
    pub fn from_env(env: &mut Env) -> Self {
        let url = env
            .secret("DATABASE_URL", "DATABASE_URL_FILE")
            .unwrap_or_else(|| {
                env.problem("DATABASE_URL (or DATABASE_URL_FILE) is required");
                Secret::default()
            });
        Self {
            url,
            pool_size: env.parse("DATABASE_POOL_SIZE", 8),
            connect_timeout: env.duration("DATABASE_CONNECT_TIMEOUT", Duration::from_secs(5)),
        }
    }

    /// Settings for a given URL with defaults (tests and tools).
    pub fn for_url(url: &str) -> Self {
        Self {
            url: Secret::new(url),
            pool_size: 8,
            connect_timeout: Duration::from_secs(5),
        }
    }

    /// A pool; connections are opened lazily.
    pub fn pool(&self) -> anyhow::Result<Pool> {
        let mut config: tokio_postgres::Config = self
            .url
            .expose()
            .parse()
            .context("DATABASE_URL is not a valid PostgreSQL URL")?;
        config.connect_timeout(self.connect_timeout);
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        Pool::builder(manager)
            .max_size(self.pool_size)
            .wait_timeout(Some(self.connect_timeout))
            .create_timeout(Some(self.connect_timeout))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .context("cannot build the PostgreSQL pool")
    }
}

/// Applies every migration not applied yet, recording them in `schema_migrations`. Returns how
/// many were applied now.
pub async fn migrate(pool: &Pool, migrations: &[Migration]) -> anyhow::Result<usize> {
    migrate_in(pool, "schema_migrations", migrations).await
}

/// Like [`migrate`], recording the applied versions in `table` instead, so that several
/// components sharing one database (the projector's query store and the exporter's tables) keep
/// independent version sequences. `table` must be a plain identifier (`[a-z0-9_]`).
pub async fn migrate_in(
    pool: &Pool,
    table: &str,
    migrations: &[Migration],
) -> anyhow::Result<usize> {
    anyhow::ensure!(
        !table.is_empty()
            && table
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
        "invalid migrations table name {table:?}"
    );
    let mut client = pool.get().await.context("cannot connect to PostgreSQL")?;
    let tx = client.transaction().await?;
    // One lock id for all migration runs of this project.
    tx.execute("SELECT pg_advisory_xact_lock(7361120347)", &[])
        .await?;
    tx.batch_execute(&format!(
        "CREATE TABLE IF NOT EXISTS {table} (
            version BIGINT PRIMARY KEY,
            name TEXT NOT NULL,
            checksum TEXT NOT NULL,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )"
    ))
    .await?;
    let select = format!("SELECT checksum FROM {table} WHERE version = $1");
    let insert = format!("INSERT INTO {table} (version, name, checksum) VALUES ($1, $2, $3)");
    let mut applied = 0;
    for m in migrations {
        let checksum = checksum(m.sql);
        let row = tx.query_opt(&select, &[&m.version]).await?;
        match row {
            Some(row) => {
                let stored: String = row.get(0);
                anyhow::ensure!(
                    stored == checksum,
                    "migration {} ({}) changed after it was applied",
                    m.version,
                    m.name
                );
            }
            None => {
                tx.batch_execute(m.sql)
                    .await
                    .with_context(|| format!("migration {} ({}) failed", m.version, m.name))?;
                tx.execute(&insert, &[&m.version, &m.name, &checksum])
                    .await?;
                applied += 1;
            }
        }
    }
    tx.commit().await?;
    Ok(applied)
}

/// FNV-1a over the SQL text: enough to notice an edited migration.
fn checksum(sql: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in sql.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}
