//! The SQL of the health-authority statistics (`healthauthoritystats`): adding a batch's hourly
//! deltas, retention by whole UTC days, and the statistics part of the content checksum.

use chrono::{DateTime, Utc};
use deadpool_postgres::Transaction;
use tokio_postgres::GenericClient;

use crate::stats::{StatsDeltas, OLDEST_TEK_BUCKETS, ONSET_BUCKETS};

/// Adds `deltas` to their rows (creating missing ones) in one statement, in (health authority,
/// hour) order so that concurrent batches cannot deadlock. Arrays are added element-wise.
pub async fn add_hourly(
    tx: &Transaction<'_>,
    deltas: &StatsDeltas,
) -> Result<(), tokio_postgres::Error> {
    if deltas.is_empty() {
        return Ok(());
    }
    let authorities: Vec<i64> = deltas.keys().map(|(ha, _)| *ha).collect();
    let hours: Vec<DateTime<Utc>> = deltas.keys().map(|(_, hour)| *hour).collect();
    let publish: Vec<i64> = deltas.values().flat_map(|d| d.publish).collect();
    let teks: Vec<i64> = deltas.values().map(|d| d.teks).collect();
    let revisions: Vec<i64> = deltas.values().map(|d| d.revisions).collect();
    let oldest: Vec<i64> = deltas.values().flat_map(|d| d.oldest_tek_days).collect();
    let onset: Vec<i64> = deltas.values().flat_map(|d| d.onset_age_days).collect();
    let missing: Vec<i64> = deltas.values().map(|d| d.missing_onset).collect();
    let oldest_width = i32::try_from(OLDEST_TEK_BUCKETS).unwrap_or(16);
    let onset_width = i32::try_from(ONSET_BUCKETS).unwrap_or(30);
    let statement = tx
        .prepare_cached(
            "INSERT INTO healthauthoritystats AS s (health_authority_id, hour, publish, teks,
                 revisions, oldest_tek_days, onset_age_days, missing_onset)
             SELECT u.ha, u.hour, ($3::bigint[])[(u.i - 1) * 3 + 1 : u.i * 3], u.teks, u.revisions,
                 ($6::bigint[])[(u.i - 1) * $9::int + 1 : u.i * $9::int],
                 ($7::bigint[])[(u.i - 1) * $10::int + 1 : u.i * $10::int], u.missing
             FROM UNNEST($1::bigint[], $2::timestamptz[], $4::bigint[], $5::bigint[], $8::bigint[])
                 WITH ORDINALITY AS u(ha, hour, teks, revisions, missing, i)
             ORDER BY u.ha, u.hour
             ON CONFLICT (health_authority_id, hour) DO UPDATE SET
                 publish = (SELECT array_agg(a + b ORDER BY n)
                     FROM UNNEST(s.publish, EXCLUDED.publish) WITH ORDINALITY AS x(a, b, n)),
                 teks = s.teks + EXCLUDED.teks,
                 revisions = s.revisions + EXCLUDED.revisions,
                 oldest_tek_days = (SELECT array_agg(a + b ORDER BY n)
                     FROM UNNEST(s.oldest_tek_days, EXCLUDED.oldest_tek_days)
                         WITH ORDINALITY AS x(a, b, n)),
                 onset_age_days = (SELECT array_agg(a + b ORDER BY n)
                     FROM UNNEST(s.onset_age_days, EXCLUDED.onset_age_days)
                         WITH ORDINALITY AS x(a, b, n)),
                 missing_onset = s.missing_onset + EXCLUDED.missing_onset",
        )
        .await?;
    tx.execute(
        &statement,
        &[
            &authorities,
            &hours,
            &publish,
            &teks,
            &revisions,
            &oldest,
            &onset,
            &missing,
            &oldest_width,
            &onset_width,
        ],
    )
    .await?;
    Ok(())
}

/// Deletes the statistics of every UTC day that ended before `cutoff` rounded down to UTC
/// midnight, so that no day is left partly deleted. Returns how many hourly rows were deleted.
pub async fn delete_expired(
    client: &impl GenericClient,
    cutoff: DateTime<Utc>,
) -> Result<u64, tokio_postgres::Error> {
    client
        .execute(
            "DELETE FROM healthauthoritystats
             WHERE hour < date_trunc('day', $1::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
            &[&cutoff],
        )
        .await
}

/// MD5 over every statistics row in (health authority, hour) order, for the store checksum.
pub async fn checksum(client: &impl GenericClient) -> Result<String, tokio_postgres::Error> {
    let row = client
        .query_one(
            "SELECT coalesce(md5(string_agg(md5(ROW(health_authority_id, hour AT TIME ZONE 'UTC',
                 publish, teks, revisions, oldest_tek_days, onset_age_days, missing_onset)::text),
                 '' ORDER BY health_authority_id, hour)), md5(''))
             FROM healthauthoritystats",
            &[],
        )
        .await?;
    Ok(row.get(0))
}
