//! The checks after a fault run, and its table.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use harness::TestEnv;
use schemas::publish::PublishOutcome;
use schemas::topics::Topic;

use crate::cluster::OUTCOME_WAIT_MS;
use crate::schedule::Window;

/// One answered request of the load generators' records.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Answer {
    pub kind: String,
    pub status: u16,
    pub keys: Vec<String>,
    pub sent_ms: i64,
    pub answered_ms: i64,
}

impl Answer {
    fn degraded(&self) -> bool {
        self.status == 200 && self.answered_ms - self.sent_ms >= OUTCOME_WAIT_MS - 50
    }
    /// A 503 or no HTTP answer at all: the upload may or may not have been stored.
    fn unknown(&self) -> bool {
        self.status == 503 || self.status == 0
    }
}

pub fn read_records(files: &[PathBuf]) -> Vec<Answer> {
    files
        .iter()
        .flat_map(|f| {
            std::fs::read_to_string(f)
                .unwrap_or_else(|e| panic!("record {}: {e}", f.display()))
                .lines()
                .map(|l| serde_json::from_str::<Answer>(l).expect("record line"))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// One row of the table.
#[derive(Debug, Default)]
struct Row {
    label: String,
    requests: usize,
    ok: usize,
    unavailable: usize,
    other: usize,
    degraded: usize,
    lost: usize,
    duplicates: usize,
    recovery_ms: Option<i64>,
    /// Requests sent after the failed part was back that still got no 200.
    late_failures: usize,
}

/// Everything the run found.
#[derive(Debug, Default)]
pub struct Outcome {
    rows: Vec<Row>,
    requests: usize,
    acknowledged_keys: usize,
    lost: Vec<String>,
    stored_never_sent: Vec<String>,
    stored_after_refusal: Vec<String>,
    stored_after_unknown: usize,
    unknown_answers: usize,
    revision_errors: Vec<String>,
    duplicate_outcomes: usize,
    stats_publishes: i64,
    stats_range: (i64, i64),
    live_checksum: String,
    rebuilt_checksum: String,
    drained_after: Duration,
}

pub async fn check(env: &TestEnv, answers: &[Answer], windows: &[Window]) -> Outcome {
    let mut acked: HashSet<&str> = HashSet::new();
    let mut sent: HashSet<&str> = HashSet::new();
    let mut refused: HashSet<&str> = HashSet::new();
    let mut maybe: HashSet<&str> = HashSet::new();
    let mut revised_ok: HashSet<&str> = HashSet::new();
    let mut revised_maybe: HashSet<&str> = HashSet::new();
    let mut revisions_ok = 0i64;
    let mut revisions_other = 0i64;
    for a in answers {
        let keys = a.keys.iter().map(String::as_str);
        match (a.kind.as_str(), a.status) {
            ("upload", 200) => acked.extend(keys.clone()),
            ("upload", _) if a.unknown() => maybe.extend(keys.clone()),
            ("upload", _) => refused.extend(keys.clone()),
            ("revision", 200) => {
                revisions_ok += 1;
                revised_ok.extend(keys.clone());
            }
            ("revision", _) => {
                revisions_other += 1;
                revised_maybe.extend(keys.clone());
            }
            _ => {}
        }
        if a.kind == "upload" {
            sent.extend(a.keys.iter().map(String::as_str));
        }
    }

    // Wait until every acknowledged key arrived (PostgreSQL may have just come back).
    let db = env.db().await;
    let started = std::time::Instant::now();
    let expected = i64::try_from(acked.len()).unwrap_or(i64::MAX);
    while started.elapsed() < Duration::from_secs(180) {
        let stored = stored_keys(&db).await;
        let present = acked.iter().filter(|k| stored.contains_key(**k)).count();
        if i64::try_from(present).unwrap_or(0) >= expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Anything still in flight (a 503 that was stored after all) settles too.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let stored = stored_keys(&db).await;
    let drained_after = started.elapsed();

    let mut outcome = Outcome {
        requests: answers.len(),
        acknowledged_keys: acked.len(),
        drained_after,
        unknown_answers: answers.iter().filter(|a| a.unknown()).count(),
        ..Outcome::default()
    };
    outcome.lost = acked
        .iter()
        .filter(|k| !stored.contains_key(**k))
        .map(|k| (*k).to_owned())
        .collect();
    for (key, revised) in &stored {
        let key = key.as_str();
        if !sent.contains(key) {
            outcome.stored_never_sent.push(key.to_owned());
        } else if refused.contains(key) && !acked.contains(key) {
            outcome.stored_after_refusal.push(key.to_owned());
        } else if maybe.contains(key) && !acked.contains(key) {
            outcome.stored_after_unknown += 1;
        }
        let confirmed = revised.as_deref() == Some("confirmed");
        if revised_ok.contains(key) && !confirmed {
            outcome
                .revision_errors
                .push(format!("{key}: revision answered 200 but not applied"));
        }
        if revised.is_some() && !revised_ok.contains(key) && !revised_maybe.contains(key) {
            outcome
                .revision_errors
                .push(format!("{key}: revised without any revision sent"));
        }
    }

    // No request completed twice.
    let outcomes = harness::kafka::read_all::<PublishOutcome>(env, Topic::PublishOutcome);
    let mut seen = HashSet::new();
    let mut duplicate_times = Vec::new();
    for e in &outcomes {
        if let Some(id) = e.request_id {
            if !seen.insert(id) {
                duplicate_times.push(e.occurred_at.timestamp_millis());
            }
        }
    }
    outcome.duplicate_outcomes = duplicate_times.len();

    // The statistics count each applied publish once (first uploads and revisions).
    let uploads_stored = answers
        .iter()
        .filter(|a| a.kind == "upload")
        .filter(|a| a.keys.first().is_some_and(|k| stored.contains_key(k)))
        .count();
    let uploads_stored = i64::try_from(uploads_stored).unwrap_or(0);
    outcome.stats_range = (
        uploads_stored + revisions_ok,
        uploads_stored + revisions_ok + revisions_other,
    );
    outcome.stats_publishes = db
        .query_one(
            "SELECT coalesce(sum(publish[1] + publish[2] + publish[3]), 0)::bigint
             FROM healthauthoritystats",
            &[],
        )
        .await
        .map(|r| r.get(0))
        .unwrap_or(-1);

    // The log rebuilds the same store.
    let (_, live) = projector::rebuild::checksum(env.database_url())
        .await
        .expect("live checksum");
    let target = harness::create_database(&env.infra).await;
    let rebuilt = projector::rebuild::rebuild(&env.kafka, &target)
        .await
        .expect("rebuild");
    outcome.live_checksum = live;
    outcome.rebuilt_checksum = rebuilt.checksum;

    outcome.rows = windows
        .iter()
        .map(|w| row(w, answers, &stored, &acked, &duplicate_times))
        .collect();
    outcome
}

async fn stored_keys(db: &tokio_postgres::Client) -> HashMap<String, Option<String>> {
    match db
        .query(
            "SELECT exposure_key, revised_report_type FROM exposure",
            &[],
        )
        .await
    {
        Ok(rows) => rows.iter().map(|r| (r.get(0), r.get(1))).collect(),
        Err(_) => HashMap::new(),
    }
}

fn row(
    w: &Window,
    answers: &[Answer],
    stored: &HashMap<String, Option<String>>,
    acked: &HashSet<&str>,
    duplicate_times: &[i64],
) -> Row {
    let during: Vec<&Answer> = answers
        .iter()
        .filter(|a| a.sent_ms >= w.start_ms && a.sent_ms < w.end_ms)
        .collect();
    let lost = during
        .iter()
        .filter(|a| a.kind == "upload" && a.status == 200)
        .flat_map(|a| a.keys.iter())
        .filter(|k| acked.contains(k.as_str()) && !stored.contains_key(*k))
        .count();
    // Uploads succeed again from the first request after the last one, sent before the failed
    // part was back, that got no 200; failures after that are counted apart.
    let recovery_ms = Some(
        during
            .iter()
            .filter(|a| a.status != 200 && a.sent_ms < w.back_ms)
            .map(|a| a.sent_ms - w.start_ms)
            .max()
            .unwrap_or(0),
    );
    let late_failures = during
        .iter()
        .filter(|a| a.status != 200 && a.sent_ms >= w.back_ms)
        .count();
    Row {
        label: w.label.clone(),
        requests: during.len(),
        ok: during.iter().filter(|a| a.status == 200).count(),
        unavailable: during.iter().filter(|a| a.status == 503).count(),
        other: during
            .iter()
            .filter(|a| a.status != 200 && a.status != 503)
            .count(),
        degraded: during.iter().filter(|a| a.degraded()).count(),
        lost,
        duplicates: duplicate_times
            .iter()
            .filter(|t| **t >= w.start_ms && **t < w.end_ms)
            .count(),
        recovery_ms,
        late_failures,
    }
}

impl Outcome {
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "| fault | requests | 200 | 503 | other | degraded | keys lost | duplicates | 200s again after |"
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for r in &self.rows {
            let mut recovery = r.recovery_ms.map_or_else(
                || "none".to_owned(),
                |ms| format!("{:.1} s", ms as f64 / 1000.0),
            );
            if r.late_failures > 0 {
                let _ = write!(recovery, " (+{} after its return)", r.late_failures);
            }
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                r.label,
                r.requests,
                r.ok,
                r.unavailable,
                r.other,
                r.degraded,
                r.lost,
                r.duplicates,
                recovery
            );
        }
        out
    }

    pub fn summary(&self) -> String {
        format!(
            "faults: {}, requests: {} ({} answered 503 or not at all; {} of their keys were \
             stored, which a 503 allows), acknowledged keys: {}, lost: {}, stored but never \
             sent: {}, stored after a 4xx: {}, revision errors: {}, duplicate outcomes: {}, \
             statistics: {} publishes (expected {}..={}), all acknowledged keys stored {:.1} s \
             after the last fault, checksum live {} rebuilt {}",
            self.rows.len(),
            self.requests,
            self.unknown_answers,
            self.stored_after_unknown,
            self.acknowledged_keys,
            self.lost.len(),
            self.stored_never_sent.len(),
            self.stored_after_refusal.len(),
            self.revision_errors.len(),
            self.duplicate_outcomes,
            self.stats_publishes,
            self.stats_range.0,
            self.stats_range.1,
            self.drained_after.as_secs_f64(),
            self.live_checksum,
            self.rebuilt_checksum,
        )
    }

    /// Fails the test on any loss, duplicate or unexplained row.
    pub fn assert_sound(&self) {
        assert!(self.acknowledged_keys > 0, "no upload was acknowledged");
        assert!(
            self.lost.is_empty(),
            "acknowledged keys lost: {:?}",
            first(&self.lost)
        );
        assert!(
            self.stored_never_sent.is_empty() && self.stored_after_refusal.is_empty(),
            "stored without acknowledgement: {:?} {:?}",
            first(&self.stored_never_sent),
            first(&self.stored_after_refusal)
        );
        assert!(
            self.revision_errors.is_empty(),
            "revision state wrong: {:?}",
            first(&self.revision_errors)
        );
        assert_eq!(self.duplicate_outcomes, 0, "a request got two outcomes");
        assert!(
            (self.stats_range.0..=self.stats_range.1).contains(&self.stats_publishes),
            "statistics count {} publishes, expected {}..={}",
            self.stats_publishes,
            self.stats_range.0,
            self.stats_range.1
        );
        assert_eq!(
            self.live_checksum, self.rebuilt_checksum,
            "rebuild differs from live"
        );
    }
}

fn first(v: &[String]) -> Vec<&String> {
    v.iter().take(5).collect()
}
