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
    let record = std::env::temp_dir().join(format!("loadgen-{}.jsonl", stack.env.prefix));
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
        "--record",
        record.to_str().unwrap(),
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

    // The record names exactly the stored keys: first uploads as likely, revised ones confirmed.
    let mut recorded_first = std::collections::HashMap::new();
    let mut recorded_revised = std::collections::HashSet::new();
    for line in std::fs::read_to_string(&record).unwrap().lines() {
        let line: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(line["status"], 200, "{line}");
        assert!(line["answered_ms"].as_i64() >= line["sent_ms"].as_i64());
        for key in line["keys"].as_array().unwrap() {
            let key = key.as_str().unwrap().to_owned();
            match line["kind"].as_str().unwrap() {
                "upload" => {
                    assert_eq!(line["report_type"], "likely");
                    recorded_first.insert(key, line["app"].as_str().unwrap().to_owned());
                }
                "revision" => {
                    assert_eq!(line["report_type"], "confirmed");
                    recorded_revised.insert(key);
                }
                other => panic!("unexpected kind {other}"),
            }
        }
    }
    let rows = db
        .query(
            "SELECT exposure_key, app_package_name, report_type, revised_report_type FROM exposure",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), recorded_first.len());
    for row in rows {
        let (key, app, first, revised): (String, String, String, Option<String>) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        assert_eq!(recorded_first.get(&key), Some(&app), "{key} not recorded");
        assert_eq!(first, "likely");
        let expected = recorded_revised
            .contains(&key)
            .then(|| "confirmed".to_owned());
        assert_eq!(revised, expected, "{key}");
    }
    let _ = std::fs::remove_file(&record);
}
