//! Rebuilding into an empty database in bulk: the whole log is decided in memory with the same
//! code as the live loop ([`crate::batch::Prepared::fresh_events`], [`crate::apply::decide`]),
//! against an in-memory overlay of the rows decided so far, and the result is written at the end
//! in one transaction: the key rows with one binary `COPY` into the table stripped of its
//! indexes, the indexes (and the primary key) built afterwards from their own definitions, then
//! the statistics and the offsets (rates in docs/performance.md). The memory it needs grows with
//! the number of keys.

use std::collections::HashMap;

use domain::{Exposure, Revision, StoredExposure};
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};

use crate::apply;
use crate::batch::{Applied, BatchError, Prepared};
use crate::identical_retry::Digests;
use crate::repeats::Frontier;
use crate::repository::{lock_offsets, save_offsets, Stream};
use crate::stats::StatsDeltas;

/// A stored row as the live store would hold it.
#[derive(Debug)]
struct Row {
    exposure: Exposure,
    revision: Option<Revision>,
}

impl Row {
    /// What [`crate::repository::lock_existing`] would read for this row.
    fn stored(&self) -> StoredExposure {
        let e = &self.exposure;
        StoredExposure {
            key: e.key.clone(),
            interval_number: e.interval_number,
            interval_count: e.interval_count.get(),
            report_type: e.report_type,
            revised_report_type: self.revision.as_ref().map(|r| r.revised_report_type),
            revised_at: self.revision.as_ref().map(|r| r.revised_at),
            // Every key this path inserts is local (the insert statement writes true).
            local_provenance: true,
            health_authority_id: self
                .revision
                .as_ref()
                .map_or(e.health_authority_id, |r| r.health_authority_id),
        }
    }
}

/// The store being rebuilt, in memory.
#[derive(Debug)]
pub struct Bulk {
    topic: String,
    rows: HashMap<String, Row>,
    digests: Digests,
    frontier: Frontier,
    stats: StatsDeltas,
}

/// True if the database holds no key, statistics or offset row (a bulk rebuild may start).
pub async fn is_empty(client: &impl tokio_postgres::GenericClient) -> Result<bool, BatchError> {
    let row = client
        .query_one(
            "SELECT NOT EXISTS (SELECT 1 FROM exposure)
                AND NOT EXISTS (SELECT 1 FROM healthauthoritystats)
                AND NOT EXISTS (SELECT 1 FROM projector_offsets)",
            &[],
        )
        .await?;
    Ok(row.get(0))
}

impl Bulk {
    /// An empty store fed from the processed topic `topic`.
    pub fn new(topic: &str) -> Self {
        Self {
            topic: topic.to_owned(),
            rows: HashMap::new(),
            digests: Digests::new(),
            frontier: Frontier::default(),
            stats: StatsDeltas::new(),
        }
    }

    /// Decides a batch against the rows decided so far, as [`crate::batch::apply_prepared`]
    /// would against the database.
    pub fn apply(&mut self, batch: Prepared) -> Applied {
        let mut applied = Applied::default();
        let events = batch.fresh_events(&self.topic, &mut self.frontier, &mut applied);
        if events.is_empty() {
            return applied;
        }
        let mut existing = HashMap::new();
        let mut digests = Digests::new();
        for key in events
            .iter()
            .flat_map(|e| e.event.exposures.iter().map(|x| x.key.as_str()))
        {
            if let Some(row) = self.rows.get(key) {
                existing.insert(key.to_owned(), row.stored());
            }
            if let Some(digest) = self.digests.get(key) {
                digests.insert(key.to_owned(), digest.clone());
            }
        }
        let mut decision = apply::decide(events, existing, digests);
        applied.inserted = decision.inserts.len() as u64;
        for exposure in std::mem::take(&mut decision.inserts) {
            let row = Row {
                exposure,
                revision: None,
            };
            self.rows.insert(row.exposure.key.clone(), row);
        }
        for (key, digest) in std::mem::take(&mut decision.digest_writes) {
            self.digests.insert(key, digest);
        }
        for revision in std::mem::take(&mut decision.revisions) {
            // As the UPDATE: only rows not revised yet.
            if let Some(row) = self.rows.get_mut(&revision.key) {
                if row.revision.is_none() {
                    row.revision = Some(revision);
                }
            }
        }
        for (hour, stats) in std::mem::take(&mut decision.stats) {
            self.stats.entry(hour).or_default().merge(&stats);
        }
        applied.decision = decision;
        applied
    }

    /// Rows decided so far.
    pub fn rows(&self) -> usize {
        self.rows.len()
    }

    /// Writes everything into the empty database in one transaction, under `group`'s offsets.
    pub async fn write(
        self,
        pool: &deadpool_postgres::Pool,
        group: &str,
    ) -> Result<(), BatchError> {
        let mut client = pool.get().await?;
        let tx = client.transaction().await?;
        tx.batch_execute(
            "SET LOCAL synchronous_commit = off; SET LOCAL maintenance_work_mem = '256MB'",
        )
        .await?;
        let indexes = strip_indexes(&tx).await?;
        copy_rows(&tx, &self.rows, &self.digests).await?;
        for statement in indexes {
            tx.batch_execute(&statement).await?;
        }
        crate::stats_repository::add_hourly(&tx, &self.stats).await?;
        let next = self.frontier.into_stored();
        let streams: Vec<Stream> = next.keys().cloned().collect();
        lock_offsets(&tx, group, &streams).await?;
        save_offsets(&tx, group, &next).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Drops the primary key and every index of `exposure`; returns the statements that build them
/// again (read from the catalogue, so the migrations stay their only definition).
async fn strip_indexes(tx: &deadpool_postgres::Transaction<'_>) -> Result<Vec<String>, BatchError> {
    let constraints = tx
        .query(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
             WHERE conrelid = 'exposure'::regclass AND contype = 'p'",
            &[],
        )
        .await?;
    let indexes = tx
        .query(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
             WHERE i.indrelid = 'exposure'::regclass AND NOT i.indisprimary",
            &[],
        )
        .await?;
    let mut rebuild = Vec::new();
    for c in constraints {
        let (name, def): (String, String) = (c.get(0), c.get(1));
        tx.batch_execute(&format!("ALTER TABLE exposure DROP CONSTRAINT \"{name}\""))
            .await?;
        rebuild.push(format!(
            "ALTER TABLE exposure ADD CONSTRAINT \"{name}\" {def}"
        ));
    }
    for i in indexes {
        let (name, def): (String, String) = (i.get(0), i.get(1));
        tx.batch_execute(&format!("DROP INDEX {name}")).await?;
        rebuild.push(def);
    }
    Ok(rebuild)
}

/// The rows with the columns [`crate::repository::insert_exposures`] and
/// [`crate::repository::apply_revisions`] write, in one binary `COPY`.
async fn copy_rows(
    tx: &deadpool_postgres::Transaction<'_>,
    rows: &HashMap<String, Row>,
    digests: &Digests,
) -> Result<(), BatchError> {
    let sink = tx
        .copy_in(
            "COPY exposure (exposure_key, transmission_risk, app_package_name, regions,
             interval_number, interval_count, created_at, local_provenance, health_authority_id,
             report_type, days_since_symptom_onset, traveler, upload_digest, revised_report_type,
             revised_at, revised_days_since_symptom_onset, revised_transmission_risk)
             FROM STDIN BINARY",
        )
        .await?;
    let types = [
        Type::TEXT,
        Type::INT8,
        Type::TEXT,
        Type::TEXT_ARRAY,
        Type::INT8,
        Type::INT8,
        Type::TIMESTAMPTZ,
        Type::BOOL,
        Type::INT8,
        Type::TEXT,
        Type::INT8,
        Type::BOOL,
        Type::BYTEA,
        Type::TEXT,
        Type::TIMESTAMPTZ,
        Type::INT8,
        Type::INT4,
    ];
    let writer = BinaryCopyInWriter::new(sink, &types);
    let mut writer = std::pin::pin!(writer);
    for row in rows.values() {
        let e = &row.exposure;
        let r = row.revision.as_ref();
        let authority = r.map_or(e.health_authority_id, |r| r.health_authority_id);
        let values: [&(dyn ToSql + Sync); 17] = [
            &e.key,
            &i64::from(e.transmission_risk.get()),
            &e.app_package_name,
            &e.regions,
            &i64::from(e.interval_number),
            &i64::from(e.interval_count.get()),
            &e.created_at,
            &true,
            &authority,
            &e.report_type.as_str(),
            &e.days_since_symptom_onset.map(i64::from),
            &e.traveler,
            &digests.get(&e.key),
            &r.map(|r| r.revised_report_type.as_str()),
            &r.map(|r| r.revised_at),
            &r.and_then(|r| r.revised_days_since_symptom_onset.map(i64::from)),
            &r.map(|r| r.revised_transmission_risk.get()),
        ];
        writer.as_mut().write(&values).await?;
    }
    writer.finish().await?;
    Ok(())
}
