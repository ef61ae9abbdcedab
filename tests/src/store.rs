//! Reading the query store in tests.

use chrono::{DateTime, Utc};

/// One `exposure` row, as tests compare it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRow {
    pub key: String,
    pub transmission_risk: i64,
    pub app_package_name: String,
    pub regions: Vec<String>,
    pub interval_number: i64,
    pub interval_count: i64,
    pub created_at: DateTime<Utc>,
    pub health_authority_id: Option<i64>,
    pub report_type: String,
    pub days_since_symptom_onset: Option<i64>,
    pub revised_report_type: Option<String>,
    pub revised_at: Option<DateTime<Utc>>,
    pub revised_days_since_symptom_onset: Option<i64>,
    pub revised_transmission_risk: Option<i32>,
    pub traveler: bool,
}

/// Every row of the store, by key.
pub async fn exposures_in_store(db: &tokio_postgres::Client) -> Vec<StoredRow> {
    let rows = db
        .query(
            "SELECT exposure_key, transmission_risk, app_package_name, regions, interval_number,
                    interval_count, created_at, health_authority_id, report_type,
                    days_since_symptom_onset, revised_report_type, revised_at,
                    revised_days_since_symptom_onset, revised_transmission_risk, traveler
             FROM exposure ORDER BY exposure_key",
            &[],
        )
        .await
        .expect("query exposure");
    rows.iter()
        .map(|r| StoredRow {
            key: r.get(0),
            transmission_risk: r.get(1),
            app_package_name: r.get(2),
            regions: r.get(3),
            interval_number: r.get(4),
            interval_count: r.get(5),
            created_at: r.get(6),
            health_authority_id: r.get(7),
            report_type: r.get(8),
            days_since_symptom_onset: r.get(9),
            revised_report_type: r.get(10),
            revised_at: r.get(11),
            revised_days_since_symptom_onset: r.get(12),
            revised_transmission_risk: r.get(13),
            traveler: r.get(14),
        })
        .collect()
}

/// Number of rows in the store (0 if the table does not exist yet).
pub async fn count(db: &tokio_postgres::Client) -> i64 {
    db.query_one("SELECT count(*) FROM exposure", &[])
        .await
        .map(|r| r.get(0))
        .unwrap_or(0)
}

/// Waits (up to 4 minutes) until the store holds as many keys as `acknowledged`, then asserts it
/// holds exactly those keys: every acknowledged key stored, none twice, nothing else.
pub async fn assert_exactly_stored(
    db: &tokio_postgres::Client,
    acknowledged: &std::collections::HashSet<String>,
) {
    let expected = i64::try_from(acknowledged.len()).expect("count fits i64");
    crate::wait_for(
        std::time::Duration::from_secs(240),
        "every acknowledged key in the store",
        || async move { (count(db).await >= expected).then_some(()) },
    )
    .await;
    let stored: std::collections::HashSet<String> = db
        .query("SELECT exposure_key FROM exposure", &[])
        .await
        .expect("query keys")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(count(db).await, expected, "no key stored twice or extra");
    assert_eq!(&stored, acknowledged, "exactly the acknowledged keys");
}

/// Rebuilds the test's store from its log into a fresh database; returns the rebuild's report,
/// the live store's checksum (which a faithful rebuild reproduces) and the rebuilt database's URL.
pub async fn rebuild_from_the_log(
    env: &crate::TestEnv,
) -> (projector::rebuild::RebuildReport, String, String) {
    let (_, live) = projector::rebuild::checksum(env.database_url())
        .await
        .unwrap();
    let target = crate::create_database(&env.infra).await;
    let report = projector::rebuild::rebuild(&env.kafka, &target)
        .await
        .unwrap();
    (report, live, target)
}
