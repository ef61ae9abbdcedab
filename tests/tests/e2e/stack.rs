//! The local stack itself: topics with their retention, the query-store schema, and every
//! service's ops endpoints.

use std::time::Duration;

use harness::{spawn, Running, TestEnv};
use rdkafka::admin::{AdminClient, AdminOptions, ResourceSpecifier};
use rdkafka::client::DefaultClientContext;
use schemas::topics::Topic;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_are_created_with_their_retention_settings() {
    let env = TestEnv::new().await;
    let admin: AdminClient<DefaultClientContext> = env.kafka.client_config().create().unwrap();
    let names: Vec<String> = Topic::ALL.iter().map(|t| env.kafka.topic(*t)).collect();
    let specs: Vec<ResourceSpecifier<'_>> =
        names.iter().map(|n| ResourceSpecifier::Topic(n)).collect();
    let results = admin
        .describe_configs(specs.iter(), &AdminOptions::new())
        .await
        .unwrap();
    let mut seen = 0;
    for (topic, result) in Topic::ALL.iter().zip(results) {
        let resource = result.expect("topic config");
        let get = |name: &str| {
            resource
                .entries
                .iter()
                .find(|e| e.name == name)
                .and_then(|e| e.value.clone())
                .unwrap_or_default()
        };
        match topic {
            Topic::Config => {
                assert_eq!(get("cleanup.policy"), "compact");
                assert_eq!(get("retention.ms"), "-1");
            }
            Topic::PublishReceived | Topic::PublishProcessed | Topic::DeadLetter => {
                assert_eq!(get("cleanup.policy"), "delete");
                assert_eq!(
                    get("retention.ms"),
                    (15i64 * 24 * 3600 * 1000).to_string(),
                    "{topic:?}"
                );
            }
            Topic::PublishOutcome => {
                assert_eq!(get("retention.ms"), (24i64 * 3600 * 1000).to_string())
            }
            Topic::ConfigAudit => assert_eq!(get("retention.ms"), "-1"),
        }
        seen += 1;
    }
    assert_eq!(seen, Topic::ALL.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_create_the_reference_exposure_table_and_are_idempotent() {
    let env = TestEnv::with_database().await;
    let pool = platform::pg::PgSettings::for_url(env.database_url())
        .pool()
        .unwrap();
    let first = platform::pg::migrate(&pool, projector::migrations::MIGRATIONS)
        .await
        .unwrap();
    let second = platform::pg::migrate(&pool, projector::migrations::MIGRATIONS)
        .await
        .unwrap();
    assert_eq!(first, projector::migrations::MIGRATIONS.len());
    assert_eq!(second, 0);
    let db = env.db().await;
    let columns = first_column(
        &db,
        "SELECT column_name::text FROM information_schema.columns WHERE table_name = 'exposure' ORDER BY ordinal_position",
    )
    .await;
    for expected in [
        "exposure_key",
        "transmission_risk",
        "app_package_name",
        "regions",
        "interval_number",
        "interval_count",
        "created_at",
        "local_provenance",
        "sync_id",
        "sync_query_id",
        "health_authority_id",
        "report_type",
        "days_since_symptom_onset",
        "revised_report_type",
        "revised_at",
        "revised_days_since_symptom_onset",
        "revised_transmission_risk",
        "traveler",
        "export_import_id",
        "import_file_id",
        "revised_import_file_id",
        "vaccine_status",
    ] {
        assert!(
            columns.iter().any(|c| c == expected),
            "missing column {expected}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exposure_has_the_reference_indexes_and_queries_on_revised_at_use_them() {
    let env = TestEnv::with_database().await;
    let _pool = env.store_pool().await;
    let mut db = env.db().await;
    let indexes = first_column(
        &db,
        "SELECT indexname::text FROM pg_indexes WHERE tablename = 'exposure' ORDER BY 1",
    )
    .await;
    let mut expected = vec!["exposure_pkey".to_owned()];
    for column in ["created_at", "revised_at"] {
        expected.push(format!("exposure_{column}"));
        for second in ["regions", "local_provenance", "traveler"] {
            expected.push(format!("exposure_{column}_{second}"));
        }
    }
    for column in [
        "sync_query_id",
        "export_import_id",
        "import_file_id",
        "revised_import_file_id",
    ] {
        expected.push(format!("exposure_{column}"));
    }
    expected.sort();
    assert_eq!(indexes, expected);

    // The indexes on columns a new key leaves NULL are partial (IS NOT NULL); range and
    // equality filters imply that, so the planner still picks them.
    let tx = db.transaction().await.unwrap();
    tx.batch_execute("SET LOCAL enable_seqscan = off")
        .await
        .unwrap();
    for (filter, index) in [
        (
            "revised_at >= now() - interval '1 day' AND revised_at < now()",
            "exposure_revised_at",
        ),
        ("sync_query_id = 'q'", "exposure_sync_query_id"),
        ("import_file_id = 7", "exposure_import_file_id"),
    ] {
        let plan = first_column(
            &tx,
            &format!("EXPLAIN SELECT exposure_key FROM exposure WHERE {filter}"),
        )
        .await
        .join("\n");
        assert!(plan.contains(index), "{filter}: {plan}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn region_lists_reach_postgresql_unchanged_whatever_they_contain() {
    let env = TestEnv::with_database().await;
    let db = env.db().await;
    let awkward: Vec<String> = [
        "US",
        "",
        "NULL",
        "a,b",
        "{x}",
        "quote\"d",
        "back\\slash",
        " spaced ",
        "ÄÖ",
        "日本",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for regions in [vec![], awkward.clone(), vec![awkward[3].clone()]] {
        let literal = projector::repository::array_literal(&regions);
        let back: Vec<String> = db
            .query_one("SELECT $1::text::text[]", &[&literal])
            .await
            .unwrap()
            .get(0);
        assert_eq!(back, regions, "{literal}");
    }
}

/// The first column of every row of `sql`, as text.
async fn first_column(db: &impl tokio_postgres::GenericClient, sql: &str) -> Vec<String> {
    db.query(sql, &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

async fn check_ops(running: &Running, service: &str) {
    let url = &running.ops_url();
    let client = reqwest::Client::new();
    let health = client.get(format!("{url}/health")).send().await.unwrap();
    assert_eq!(health.status(), 200, "{service} /health");
    let body: serde_json::Value = health.json().await.unwrap();
    assert_eq!(body["service"], service);
    harness::wait_ready(url).await;
    let metrics = client.get(format!("{url}/metrics")).send().await.unwrap();
    assert_eq!(metrics.status(), 200);
    let ctype = metrics.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(ctype.starts_with("text/plain"), "{service}: {ctype}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_service_serves_health_ready_and_metrics_and_stops_gracefully() {
    let env = TestEnv::with_database().await;
    let processor = spawn::<processor::Processor>(&env, &[]).await;
    let projector = spawn::<projector::Projector>(&env, &[]).await;
    let exporter = spawn::<exporter::Exporter>(
        &env,
        &[(
            "EXPORT_DIR",
            &std::env::temp_dir().join(&env.prefix).to_string_lossy(),
        )],
    )
    .await;
    check_ops(&processor, "processor").await;
    check_ops(&projector, "projector").await;
    check_ops(&exporter, "exporter").await;
    // The exporter's public port answers a bare liveness check and nothing of ops.
    let public = reqwest::Client::new();
    let health = public
        .get(format!("{}/health", exporter.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(health.text().await.unwrap(), r#"{"status":"ok"}"#);
    for path in ["/metrics", "/ready"] {
        let response = public
            .get(format!("{}{path}", exporter.url()))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "exporter public {path}");
    }
    for running in [processor, projector, exporter] {
        tokio::time::timeout(Duration::from_secs(20), running.stop())
            .await
            .expect("stops within 20 s")
            .expect("clean exit");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_binaries_exit_cleanly_on_sigterm() {
    let env = TestEnv::with_database().await;
    for name in ["processor", "projector"] {
        let mut process = harness::process::spawn_bin(&env, name, &[]).await;
        assert!(process.terminate().await, "{name} exits 0 on SIGTERM");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_settings_are_all_reported_and_exit_2() {
    let path = harness::process::bin("projector");
    let output = std::process::Command::new(path)
        .env_clear()
        .env("PROJECTOR_BATCH_SIZE", "0")
        .env("TEK_RETENTION", "forever")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("PROJECTOR_BATCH_SIZE"), "{stderr}");
    assert!(stderr.contains("TEK_RETENTION"), "{stderr}");
    assert!(stderr.contains("DATABASE_URL"), "{stderr}");
}
