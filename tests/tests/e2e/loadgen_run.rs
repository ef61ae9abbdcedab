//! The load generator against the real services: it registers its own configuration through the
//! admin API, sends signed uploads, revisions and chaff, and what it reports is what the store
//! and the service saw.

use std::time::Duration;

use harness::stack::Stack;
use harness::{spawn, wait_ready};
use loadgen::stats::Kind;

const ADMIN_TOKEN: &str = "loadgen-test-admin-token-0123456789";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loadgen_registers_its_configuration_and_reports_what_the_server_answered() {
    let stack = Stack::start(&[]).await;
    let admin = spawn::<admin::Admin>(
        &stack.env,
        &[("ADMIN_TOKEN", ADMIN_TOKEN), ("JWKS_SYNC_INTERVAL", "0")],
    )
    .await;
    wait_ready(&admin.ops_url()).await;
    let options = <loadgen::Options as clap::Parser>::try_parse_from([
        "loadgen",
        "--url",
        &stack.ingest.url(),
        "--admin-url",
        &admin.url(),
        "--admin-token",
        ADMIN_TOKEN,
        "--connections",
        "4",
        "--duration",
        "3s",
        "--keys",
        "2-5",
        "--revisions",
        "0.5",
        "--chaff",
        "0.2",
        "--apps",
        "2",
        "--warmup",
        "2",
        "--metrics-url",
        &format!("{}/metrics", stack.ingest.ops_url()),
        "--quiet",
    ])
    .unwrap();
    let report = loadgen::run(options).await.unwrap();
    let totals = &report.totals;
    assert!(totals.requests > 20, "{totals:?}");
    assert_eq!(totals.failures, 0, "{totals:?}");
    assert_eq!(report.degraded_total(), 0.0, "{:?}", report.degraded);
    assert_eq!(totals.by_status["200"], totals.requests);
    let (uploads, revisions, chaff) = (
        totals.by_kind.get(&Kind::Upload).copied().unwrap_or(0),
        totals.by_kind.get(&Kind::Revision).copied().unwrap_or(0),
        totals.by_kind.get(&Kind::Chaff).copied().unwrap_or(0),
    );
    assert!(uploads > 0 && revisions > 0 && chaff > 0, "{totals:?}");
    assert_eq!(totals.accepted, uploads + revisions);
    assert!(report.totals.latency_ms.p50 > 0.0);

    // The store holds the keys of every counted upload and the warm-up's, with revisions of some.
    let db = stack.env.db().await;
    let row = db
        .query_one(
            "SELECT COUNT(*), COUNT(revised_at), COUNT(DISTINCT app_package_name) FROM exposure",
            &[],
        )
        .await
        .unwrap();
    let (keys, revised, apps): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
    let measured = i64::try_from(uploads).unwrap();
    assert!(
        keys >= 2 * measured && keys <= 5 * (measured + 3),
        "{keys} keys for {uploads} uploads"
    );
    assert!(
        revised >= 2 * i64::try_from(revisions).unwrap(),
        "{revised} revised for {revisions}"
    );
    assert_eq!(apps, 2);
    // Nothing arrives in the store after the report: every answer came from the pipeline.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let again: i64 = db
        .query_one("SELECT COUNT(*) FROM exposure", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(again, keys);
}
