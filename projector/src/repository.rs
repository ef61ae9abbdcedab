//! Every SQL statement of the projector: the query store's `exposure` rows, the projector's
//! stored offsets, retention cleanup and the content checksum.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use deadpool_postgres::Transaction;
use domain::{ReportType, Revision, StoredExposure};
use tokio_postgres::GenericClient;

use crate::apply::Insert;

/// A position stream of the projector: a topic and partition whose next offset it stores (the
/// processed partitions it consumes, and the received partitions their events came from).
pub type Stream = (String, i32);

/// Locks the offset rows of `streams` (creating missing ones at 0) and returns the next offset
/// to apply for each. One statement: an upsert that leaves existing rows as they are but takes
/// their row locks, in a fixed order so that concurrent batches cannot deadlock.
pub async fn lock_offsets(
    tx: &Transaction<'_>,
    group: &str,
    streams: &[Stream],
) -> Result<HashMap<Stream, i64>, tokio_postgres::Error> {
    let topics: Vec<&str> = streams.iter().map(|(t, _)| t.as_str()).collect();
    let partitions: Vec<i32> = streams.iter().map(|(_, p)| *p).collect();
    let statement = tx
        .prepare_cached(
            "INSERT INTO projector_offsets (consumer_group, topic, kafka_partition, next_offset)
             SELECT $1, t, p, 0 FROM UNNEST($2::text[], $3::int[]) AS u(t, p) ORDER BY t, p
             ON CONFLICT (consumer_group, topic, kafka_partition)
             DO UPDATE SET next_offset = projector_offsets.next_offset
             RETURNING topic, kafka_partition, next_offset",
        )
        .await?;
    let rows = tx
        .query(&statement, &[&group, &topics, &partitions])
        .await?;
    Ok(rows
        .iter()
        .map(|r| ((r.get::<_, String>(0), r.get::<_, i32>(1)), r.get(2)))
        .collect())
}

/// Stores the next offsets to apply (rows locked by [`lock_offsets`]).
pub async fn save_offsets(
    tx: &Transaction<'_>,
    group: &str,
    next: &HashMap<Stream, i64>,
) -> Result<(), tokio_postgres::Error> {
    if next.is_empty() {
        return Ok(());
    }
    let topics: Vec<&str> = next.keys().map(|(t, _)| t.as_str()).collect();
    let partitions: Vec<i32> = next.keys().map(|(_, p)| *p).collect();
    let offsets: Vec<i64> = next.values().copied().collect();
    let statement = tx
        .prepare_cached(
            "UPDATE projector_offsets o SET next_offset = u.next_offset, updated_at = now()
             FROM UNNEST($2::text[], $3::int[], $4::bigint[]) AS u(topic, kafka_partition, next_offset)
             WHERE o.consumer_group = $1 AND o.topic = u.topic AND o.kafka_partition = u.kafka_partition",
        )
        .await?;
    tx.execute(&statement, &[&group, &topics, &partitions, &offsets])
        .await?;
    Ok(())
}

/// Moves the stored next offset of one partition forward to `next` (never back): for records the
/// log no longer holds, which can no longer be applied.
pub async fn advance_offset(
    client: &impl GenericClient,
    group: &str,
    topic: &str,
    partition: i32,
    next: i64,
) -> Result<u64, tokio_postgres::Error> {
    client
        .execute(
            "INSERT INTO projector_offsets (consumer_group, topic, kafka_partition, next_offset)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (consumer_group, topic, kafka_partition)
             DO UPDATE SET next_offset = GREATEST(projector_offsets.next_offset, EXCLUDED.next_offset),
                           updated_at = now()",
            &[&group, &topic, &partition, &next],
        )
        .await
}

/// Stored offsets of a consumer group (for seeking after an assignment).
pub async fn stored_offsets(
    client: &impl GenericClient,
    group: &str,
    topic: &str,
) -> Result<HashMap<i32, i64>, tokio_postgres::Error> {
    let rows = client
        .query(
            "SELECT kafka_partition, next_offset FROM projector_offsets
             WHERE consumer_group = $1 AND topic = $2",
            &[&group, &topic],
        )
        .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// The stored rows for `keys`, locked for update.
pub async fn lock_existing(
    tx: &Transaction<'_>,
    keys: &[&str],
) -> Result<HashMap<String, StoredExposure>, tokio_postgres::Error> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let statement = tx
        .prepare_cached(
            "SELECT exposure_key, interval_number, interval_count, report_type,
                    revised_report_type, revised_at, local_provenance, health_authority_id
             FROM exposure WHERE exposure_key = ANY($1)
             ORDER BY exposure_key FOR UPDATE",
        )
        .await?;
    let rows = tx.query(&statement, &[&keys]).await?;
    let mut out = HashMap::with_capacity(rows.len());
    for r in rows {
        let key: String = r.get(0);
        let interval_number: i64 = r.get(1);
        let interval_count: i64 = r.get(2);
        let report_type: String = r.get(3);
        let revised: Option<String> = r.get(4);
        out.insert(
            key.clone(),
            StoredExposure {
                key,
                interval_number: i32::try_from(interval_number).unwrap_or(i32::MAX),
                interval_count: i32::try_from(interval_count).unwrap_or(i32::MAX),
                // Unknown stored types read as unspecified: the transition rules then refuse.
                report_type: ReportType::parse(&report_type).unwrap_or_default(),
                revised_report_type: revised.map(|t| ReportType::parse(&t).unwrap_or_default()),
                revised_at: r.get(5),
                local_provenance: r.get(6),
                health_authority_id: r.get(7),
            },
        );
    }
    Ok(out)
}

/// Inserts new rows. Returns rows written.
///
/// A plain `INSERT`, without `ON CONFLICT`: the caller locked every key of the batch first
/// ([`lock_existing`]) and inserts only keys that were absent, each once, so a conflict can only
/// come from another transaction that inserted the same key meanwhile (two apps uploading the
/// same key on different partitions). The unique violation then aborts this batch, and its retry
/// sees that row and decides again. Skipping the per-row conflict pre-check saves about a sixth
/// of PostgreSQL's time per batch (docs/performance.md).
pub async fn insert_exposures(
    tx: &Transaction<'_>,
    rows: &[Insert],
    digests: &[(String, Vec<u8>)],
) -> Result<u64, tokio_postgres::Error> {
    if rows.is_empty() {
        return Ok(0);
    }
    let keys: Vec<&str> = rows.iter().map(|r| r.key.as_str()).collect();
    let risks: Vec<i64> = rows
        .iter()
        .map(|r| i64::from(r.transmission_risk.get()))
        .collect();
    let apps: Vec<&str> = rows.iter().map(|r| r.app_package_name.as_str()).collect();
    // Regions differ in length per row (a 2-D parameter cannot): pass each row's as the text
    // form of a PostgreSQL array, cast in SQL.
    let regions: Vec<String> = rows.iter().map(|r| array_literal(&r.regions)).collect();
    let starts: Vec<i64> = rows.iter().map(|r| i64::from(r.interval_number)).collect();
    let counts: Vec<i64> = rows
        .iter()
        .map(|r| i64::from(r.interval_count.get()))
        .collect();
    let created: Vec<DateTime<Utc>> = rows.iter().map(|r| r.created_at).collect();
    let authorities: Vec<Option<i64>> = rows.iter().map(|r| r.health_authority_id).collect();
    let types: Vec<&str> = rows.iter().map(|r| r.report_type.as_str()).collect();
    let dsos: Vec<Option<i64>> = rows
        .iter()
        .map(|r| r.days_since_symptom_onset.map(i64::from))
        .collect();
    let travelers: Vec<bool> = rows.iter().map(|r| r.traveler).collect();
    // The upload digest of each inserted key (identical retries), NULL when it has none.
    let by_key: HashMap<&str, &[u8]> = digests
        .iter()
        .map(|(k, d)| (k.as_str(), d.as_slice()))
        .collect();
    let upload_digests: Vec<Option<&[u8]>> = rows
        .iter()
        .map(|r| by_key.get(r.key.as_str()).copied())
        .collect();
    let statement = tx
        .prepare_cached(
            "INSERT INTO exposure (exposure_key, transmission_risk, app_package_name, regions,
             interval_number, interval_count, created_at, local_provenance, health_authority_id,
             report_type, days_since_symptom_onset, traveler, upload_digest)
         SELECT k, tr, app, reg::text[], iv, ic, ca, true,
                ha, rt, dsos, trav, dg
         FROM UNNEST($1::text[], $2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::bigint[],
                     $7::timestamptz[], $8::bigint[], $9::text[], $10::bigint[], $11::bool[],
                     $12::bytea[])
              AS u(k, tr, app, reg, iv, ic, ca, ha, rt, dsos, trav, dg)",
        )
        .await?;
    tx.execute(
        &statement,
        &[
            &keys,
            &risks,
            &apps,
            &regions,
            &starts,
            &counts,
            &created,
            &authorities,
            &types,
            &dsos,
            &travelers,
            &upload_digests,
        ],
    )
    .await
}

/// The text form of a PostgreSQL `text[]` holding `items`: every element double-quoted, with
/// `"` and `\\` escaped, so any string (commas, braces, spaces, `NULL`) stays one element.
pub fn array_literal(items: &[String]) -> String {
    let mut out = String::with_capacity(2 + items.iter().map(|s| s.len() + 3).sum::<usize>());
    out.push('{');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        for c in item.chars() {
            if matches!(c, '"' | '\\') {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
    }
    out.push('}');
    out
}

/// Applies revisions to rows not revised yet. Returns rows updated.
pub async fn apply_revisions(
    tx: &Transaction<'_>,
    revisions: &[Revision],
) -> Result<u64, tokio_postgres::Error> {
    if revisions.is_empty() {
        return Ok(0);
    }
    let keys: Vec<&str> = revisions.iter().map(|r| r.key.as_str()).collect();
    let types: Vec<&str> = revisions
        .iter()
        .map(|r| r.revised_report_type.as_str())
        .collect();
    let at: Vec<DateTime<Utc>> = revisions.iter().map(|r| r.revised_at).collect();
    let dsos: Vec<Option<i64>> = revisions
        .iter()
        .map(|r| r.revised_days_since_symptom_onset.map(i64::from))
        .collect();
    let risks: Vec<i32> = revisions
        .iter()
        .map(|r| r.revised_transmission_risk.get())
        .collect();
    let authorities: Vec<Option<i64>> = revisions.iter().map(|r| r.health_authority_id).collect();
    let statement = tx
        .prepare_cached(
        "UPDATE exposure e SET revised_report_type = u.rt, revised_at = u.at,
             revised_days_since_symptom_onset = u.dsos, revised_transmission_risk = u.tr,
             health_authority_id = u.ha
         FROM UNNEST($1::text[], $2::text[], $3::timestamptz[], $4::bigint[], $5::int[], $6::bigint[])
              AS u(k, rt, at, dsos, tr, ha)
         WHERE e.exposure_key = u.k AND e.revised_at IS NULL",
        )
        .await?;
    tx.execute(
        &statement,
        &[&keys, &types, &at, &dsos, &risks, &authorities],
    )
    .await
}

/// Deletes up to `limit` keys released before `cutoff`. Returns rows deleted.
pub async fn delete_expired(
    client: &impl GenericClient,
    cutoff: DateTime<Utc>,
    limit: i64,
) -> Result<u64, tokio_postgres::Error> {
    client
        .execute(
            "DELETE FROM exposure WHERE exposure_key IN (
                 SELECT exposure_key FROM exposure WHERE created_at < $1 LIMIT $2)",
            &[&cutoff, &limit],
        )
        .await
}

/// Content checksum of the query store: MD5 over every key row's content columns in key order and
/// the health-authority statistics rows ([`crate::stats_repository::checksum`]), and the key row
/// count. Two stores with equal checksums hold the same keys with the same values and the same
/// statistics.
pub async fn checksum(client: &impl GenericClient) -> Result<(i64, String), tokio_postgres::Error> {
    let row = client
        .query_one(
            "SELECT count(*), coalesce(md5(string_agg(md5(ROW(
                 exposure_key, transmission_risk, app_package_name, regions, interval_number,
                 interval_count, created_at AT TIME ZONE 'UTC', local_provenance,
                 health_authority_id, report_type, days_since_symptom_onset, revised_report_type,
                 revised_at AT TIME ZONE 'UTC', revised_days_since_symptom_onset,
                 revised_transmission_risk, traveler)::text), '' ORDER BY exposure_key)), md5(''))
             FROM exposure",
            &[],
        )
        .await?;
    let keys: String = row.get(1);
    let stats = crate::stats_repository::checksum(client).await?;
    Ok((row.get(0), format!("{keys}-{stats}")))
}
