//! The analysts' replay tools against the real stack: the point-in-time rebuild, the what-if
//! replay and the columnar history (read back with DuckDB, searched for key material).

use std::collections::HashSet;
use std::time::Duration;

use analyst::overrides::Override;
use analyst::whatif::{self, WhatIf};
use harness::events::{claims, received};
use harness::keys::{k, today_midnight};
use harness::pipeline::Pipeline;
use harness::process::{bin, python, stdout_of};
use harness::{wait_for, TestEnv};
use projector::rebuild::{rebuild_with, RebuildOptions};
use schemas::api::ExposureKey;
use schemas::publish::{Platform, PublishOutcome, RevisionTokenState};
use schemas::topics::Topic;
use schemas::Envelope;
use uuid::Uuid;

/// Waits until the outcome of every request in `ids` is on the outcome topic.
async fn wait_outcomes(env: &TestEnv, ids: &[Uuid]) {
    wait_for(Duration::from_secs(60), "every outcome", || async {
        let all = harness::kafka::read_all::<PublishOutcome>(env, Topic::PublishOutcome);
        let seen: HashSet<Uuid> = all
            .iter()
            .filter_map(|e: &Envelope<PublishOutcome>| e.request_id)
            .collect();
        ids.iter().all(|id| seen.contains(id)).then_some(())
    })
    .await;
}

/// Produces one confirmed upload of `keys` with symptom onset `onset_days` ago (certificate).
async fn upload(pipeline: &Pipeline, keys: &[ExposureKey], onset_days: u32) -> Uuid {
    let mut c = claims("confirmed").unwrap();
    c.symptom_onset_interval = u32::try_from(today_midnight()).unwrap() - 144 * onset_days;
    let event = received(keys, Some(c), RevisionTokenState::Absent);
    pipeline.produce(event).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_point_in_time_rebuild_equals_the_live_checksum_taken_at_that_instant() {
    let pipeline = Pipeline::start().await;
    let env = &pipeline.env;
    let mut first = Vec::new();
    for i in 0..10 {
        first.push(upload(&pipeline, &[k(1), k(2 + i % 5)], 3).await);
    }
    wait_outcomes(env, &first).await;
    let (rows_then, live_then) = projector::rebuild::checksum(env.database_url())
        .await
        .unwrap();
    let instant = chrono::Utc::now();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut later = Vec::new();
    for _ in 0..10 {
        later.push(upload(&pipeline, &[k(1)], 2).await);
    }
    wait_outcomes(env, &later).await;
    let (rows_now, live_now) = projector::rebuild::checksum(env.database_url())
        .await
        .unwrap();
    assert_eq!(rows_then, 20);
    assert_eq!(rows_now, 30);

    let options = RebuildOptions {
        until: Some(instant),
        quiet: true,
    };
    let then = harness::create_database(&env.infra).await;
    let report = rebuild_with(&env.kafka, &then, options).await.unwrap();
    assert_eq!((report.rows, report.events), (20, 10));
    assert_eq!(report.checksum, live_then);
    assert!(report.retention_gaps.is_empty());

    let now = harness::create_database(&env.infra).await;
    let report = rebuild_with(&env.kafka, &now, RebuildOptions::default())
        .await
        .unwrap();
    assert_eq!(report.checksum, live_now);
}

/// Replays into a fresh scratch database with `set`.
async fn what_if(env: &TestEnv, set: &[&str]) -> analyst::report::Report {
    let what = WhatIf {
        overrides: set.iter().map(|s| Override::parse(s).unwrap()).collect(),
        settings_text: set.iter().map(|s| (*s).to_owned()).collect(),
        changed_limit: 1000,
        quiet: true,
        ..WhatIf::default()
    };
    let scratch = harness::create_database(&env.infra).await;
    whatif::run(&env.kafka, &scratch, what)
        .await
        .unwrap()
        .report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_what_if_changes_exactly_the_uploads_its_setting_decides_differently() {
    let pipeline = Pipeline::start().await;
    let env = &pipeline.env;
    // Onset 0..=21 days ago, each with today's key (days since onset = onset) and yesterday's.
    let mut ids = Vec::new();
    for onset in 0..=21 {
        ids.push((onset, upload(&pipeline, &[k(0), k(1)], onset).await));
    }
    let all: Vec<Uuid> = ids.iter().map(|(_, id)| *id).collect();
    wait_outcomes(env, &all).await;

    let same = what_if(env, &[]).await;
    assert_eq!(same.total.uploads, 22);
    assert_eq!(same.total.recorded_accepted, 22);
    assert_eq!(same.total.recorded_unknown, 0);
    assert_eq!(same.total.uploads_changed, 0, "{}", same.table());
    assert_eq!(same.total.keys.keys_recorded, same.total.keys.keys_whatif);
    assert!(same.changed_uploads.is_empty());
    // The settings the events carry, given explicitly, change nothing either.
    let explicit = what_if(env, &["MAX_SYMPTOM_ONSET_DAYS=21"]).await;
    assert_eq!(explicit.total.uploads_changed, 0);

    let strict = what_if(env, &["MAX_SYMPTOM_ONSET_DAYS=14"]).await;
    let changed: HashSet<Uuid> = strict
        .changed_uploads
        .iter()
        .map(|d| d.request_id.unwrap())
        .collect();
    let expected: HashSet<Uuid> = ids
        .iter()
        .filter(|(onset, _)| (15..=21).contains(onset))
        .map(|(_, id)| *id)
        .collect();
    assert_eq!(changed, expected, "{}", strict.table());
    assert_eq!(strict.total.uploads_changed, 7);
    // Onset 15 loses today's key (15 days) and keeps yesterday's (14); 16..=21 lose both.
    assert_eq!(strict.total.keys.keys_dropped, 1 + 2 * 6);
    assert_eq!(
        strict.total.keys.keys_recorded - strict.total.keys.keys_whatif,
        13
    );
    assert_eq!(strict.rows.len(), 1);
    assert_eq!(strict.rows[0].health_authority_id, Some(1));
    assert_eq!(strict.rows[0].day, Some(chrono::Utc::now().date_naive()));
    // The command line gives the same, as JSON and as a table.
    let scratch = harness::create_database(&env.infra).await;
    let run = |extra: &[&str]| {
        let mut command = std::process::Command::new(bin("analyst"));
        command
            .args(["whatif", "--quiet", "--into", &scratch])
            .args(["--set", "MAX_SYMPTOM_ONSET_DAYS=14"])
            .args(extra)
            .envs(env.env_vars());
        String::from_utf8(stdout_of(&mut command, "analyst (cargo build --bins)")).unwrap()
    };
    let json: serde_json::Value = serde_json::from_str(&run(&["--json"])).unwrap();
    assert_eq!(json["total"]["uploads_changed"], 7);
    assert_eq!(
        json["settings"],
        serde_json::json!(["MAX_SYMPTOM_ONSET_DAYS=14"])
    );
    // A scratch database that already holds a store is refused.
    let again = std::process::Command::new(bin("analyst"))
        .args(["whatif", "--quiet", "--into", &scratch])
        .envs(env.env_vars())
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("must be empty"));
    let scratch = harness::create_database(&env.infra).await;
    let table = std::process::Command::new(bin("analyst"))
        .args(["whatif", "--quiet", "--into", &scratch])
        .args(["--set", "MAX_SYMPTOM_ONSET_DAYS=14"])
        .envs(env.env_vars())
        .output()
        .unwrap();
    let table = String::from_utf8(table.stdout).unwrap();
    let total = table.lines().last().unwrap();
    assert!(total.trim_start().starts_with("total"), "{table}");
    assert_eq!(total.split_whitespace().nth(2), Some("7"), "{table}");
    // A bad setting is refused with the reason, before anything is read.
    let refused = std::process::Command::new(bin("analyst"))
        .args([
            "whatif",
            "--into",
            &scratch,
            "--set",
            "MAX_SYMPTOM_ONSET_DAYS=0",
        ])
        .envs(env.env_vars())
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("must be at least 1"));
    // The live store is untouched.
    assert_eq!(harness::store::count(&env.db().await).await, 44);
}

/// DuckDB's answer to `sql` over `file` (bound as the view `h`), as JSON.
fn duckdb(file: &std::path::Path, reader: &str, sql: &str) -> serde_json::Value {
    let script = format!(
        "import duckdb, json, sys\n\
         con = duckdb.connect()\n\
         path = sys.argv[1].replace(\"'\", \"''\")\n\
         con.execute(f\"CREATE VIEW h AS SELECT * FROM {reader}('{{path}}')\")\n\
         print(json.dumps(con.execute(sys.argv[2]).fetchall()[0]))\n"
    );
    let mut command = std::process::Command::new(python());
    command.args(["-c", &script]).arg(file).arg(sql);
    // dev/test installs duckdb into .dev/pyenv.
    serde_json::from_slice(&stdout_of(&mut command, "duckdb")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_history_export_matches_the_events_in_duckdb_and_holds_no_key_material() {
    let pipeline = Pipeline::start().await;
    let env = &pipeline.env;
    let from = chrono::Utc::now() - chrono::Duration::seconds(1);
    let mut ids = Vec::new();
    let mut keys = Vec::new();
    for i in 0..12u32 {
        let sent: Vec<ExposureKey> = (1..=1 + i32::try_from(i % 3).unwrap()).map(k).collect();
        keys.extend(sent.iter().map(|k| k.key.clone()));
        let mut event = if i % 4 == 3 {
            received(&sent, None, RevisionTokenState::Absent)
        } else {
            let mut c = claims(if i % 2 == 0 { "confirmed" } else { "likely" }).unwrap();
            c.symptom_onset_interval = u32::try_from(today_midnight()).unwrap() - 144 * 3;
            received(&sent, Some(c), RevisionTokenState::Absent)
        };
        event.platform = if i % 2 == 0 {
            Platform::Android
        } else {
            Platform::Ios
        };
        ids.push(pipeline.produce(event).await);
    }
    // A rejected upload: a key with a bad rolling period.
    let mut bad = k(2);
    bad.rolling_period = 0;
    keys.push(bad.key.clone());
    let rejected = received(&[bad], claims("confirmed"), RevisionTokenState::Absent);
    ids.push(pipeline.produce(rejected).await);
    wait_outcomes(env, &ids).await;
    let to = chrono::Utc::now() + chrono::Duration::seconds(1);

    let dir = std::env::temp_dir().join(format!("history-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for format in ["parquet", "csv"] {
        let out = dir.join(format!("h.{format}"));
        let status = std::process::Command::new(bin("analyst"))
            .args(["history", "export", "--quiet", "--format", format])
            .args(["--from", &from.to_rfc3339(), "--to", &to.to_rfc3339()])
            .arg("--out")
            .arg(&out)
            .envs(env.env_vars())
            .status()
            .expect("analyst runs (cargo build --bins)");
        assert!(status.success());
        files.push(out);
    }
    let sql = "SELECT count(*), sum(keys_sent), count(*) FILTER (WHERE outcome_code = 'ok'),
                      count(*) FILTER (WHERE outcome_code = 'bad_request'),
                      count(*) FILTER (WHERE health_authority_id IS NULL),
                      count(*) FILTER (WHERE platform = 'ios'),
                      count(*) FILTER (WHERE report_type = 'likely'),
                      count(*) FILTER (WHERE onset_days = 3),
                      sum(keys_inserted), count(*) FILTER (WHERE degraded IS NULL)
               FROM h";
    // 13 uploads, 1+2+3 keys four times and the bad one; 3 anonymous; ios on odd i; likely on
    // odd i except the anonymous ones; onset known for the 9 certified ones (and the bad one).
    let expected = serde_json::json!([13, 25, 12, 1, 3, 6, 3, 9, 24, 0]);
    assert_eq!(duckdb(&files[0], "read_parquet", sql), expected);
    assert_eq!(duckdb(&files[1], "read_csv_auto", sql), expected);

    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        for key in &keys {
            let raw = domain::base64::decode_lenient(key).unwrap();
            assert!(
                !contains(&bytes, key.as_bytes()),
                "key text in {}",
                file.display()
            );
            assert!(!contains(&bytes, &raw), "key bytes in {}", file.display());
            let trimmed = key.trim_end_matches('=');
            assert!(!contains(&bytes, trimmed.as_bytes()));
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
