//! Reading a health authority's hourly statistics (written by the projector).

use chrono::{DateTime, Utc};
use tokio_postgres::GenericClient;

/// One stored hourly row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HourRow {
    pub hour: DateTime<Utc>,
    pub publish: Vec<i64>,
    pub teks: i64,
    pub revisions: i64,
    pub oldest_tek_days: Vec<i64>,
    pub onset_age_days: Vec<i64>,
    pub missing_onset: i64,
}

/// Every hourly row of `health_authority_id` before `before`, oldest first.
pub async fn hourly(
    client: &impl GenericClient,
    health_authority_id: i64,
    before: DateTime<Utc>,
) -> Result<Vec<HourRow>, tokio_postgres::Error> {
    let rows = client
        .query(
            "SELECT hour, publish, teks, revisions, oldest_tek_days, onset_age_days, missing_onset
             FROM healthauthoritystats WHERE health_authority_id = $1 AND hour < $2
             ORDER BY hour",
            &[&health_authority_id, &before],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| HourRow {
            hour: r.get(0),
            publish: r.get(1),
            teks: r.get(2),
            revisions: r.get(3),
            oldest_tek_days: r.get(4),
            onset_age_days: r.get(5),
            missing_onset: r.get(6),
        })
        .collect())
}
