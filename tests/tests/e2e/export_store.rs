//! The exporter against the real PostgreSQL: batch leases, finalizing, the index listing, key
//! selection, splitting, padding, signing refusal, concurrent workers and cleanup (conformance
//! cases C22, C25, C27–C33, C35, C40, C41, C43 of `export-cases.md`), driven through the
//! exporter's jobs with an explicit clock.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use chrono::{DateTime, TimeZone, Utc};
use config::ConfigSnapshot;
use exporter::batching::ranges::Window;
use exporter::blob::DirectoryStore;
use exporter::format::{proto::ReportType, read_file, ExportFile};
use exporter::repository::batches::{self, Batch};
use exporter::repository::keys::{batch_keys, KeyCriteria};
use exporter::repository::{files, BatchStatus};
use exporter::signing::FileKeyManager;
use exporter::worker::export::{export_next, BatchOutcome};
use exporter::worker::{ExportContext, ExportError};
use exporter::ExportSettings;
use harness::TestEnv;
use schemas::config::{ConfigChange, ExportConfig, SignatureInfo};

/// 2020-12-10T00:00Z: a fixed "today" for the database cases.
fn t0() -> DateTime<Utc> {
    Utc.timestamp_opt(1_607_558_400, 0).single().unwrap()
}

fn hours(h: i64) -> chrono::Duration {
    chrono::Duration::hours(h)
}

/// A database with the query store and the exporter's tables, a blob directory and a signing key.
pub struct Fixture {
    pub env: TestEnv,
    pub ctx: ExportContext,
    pub dir: std::path::PathBuf,
}

impl Fixture {
    pub async fn new(settings: ExportSettings) -> Self {
        let env = TestEnv::with_database().await;
        let pool = env.store_pool().await;
        exporter::repository::migrate(&pool).await.unwrap();
        assert_eq!(
            exporter::repository::migrate(&pool).await.unwrap(),
            0,
            "idempotent"
        );
        let dir = std::env::temp_dir().join(format!("export-e2e-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("keys")).unwrap();
        let ctx = ExportContext {
            pool,
            blobs: Arc::new(DirectoryStore::new(dir.join("blobs"))),
            keys: Arc::new(FileKeyManager::new(dir.join("keys"))),
            settings,
            metrics: exporter::metrics::ExportMetrics::register(&prometheus::Registry::new())
                .unwrap(),
        };
        Self { env, ctx, dir }
    }

    /// Writes `signer` as `keys/<name>` (PKCS#8 PEM).
    pub fn write_key(&self, name: &str, signer: &p256::ecdsa::SigningKey) {
        use p256::pkcs8::EncodePrivateKey as _;
        let pem = p256::SecretKey::from(signer)
            .to_pkcs8_pem(p256::pkcs8::LineEnding::LF)
            .unwrap();
        std::fs::write(self.dir.join("keys").join(name), pem.as_bytes()).unwrap();
    }

    pub async fn blob(&self, name: &str) -> Option<Vec<u8>> {
        self.ctx
            .blobs
            .get(name)
            .await
            .unwrap()
            .map(|b| b.bytes.to_vec())
    }

    pub async fn file(&self, name: &str) -> ExportFile {
        read_file(
            &self
                .blob(name)
                .await
                .unwrap_or_else(|| panic!("{name} missing")),
        )
        .unwrap()
    }
}

/// A stored key row.
#[derive(Debug, Clone)]
pub struct Row {
    pub key: [u8; 16],
    pub tr: i64,
    pub interval: i64,
    pub count: i64,
    pub regions: Vec<String>,
    pub traveler: bool,
    pub local: bool,
    pub created_at: DateTime<Utc>,
    pub report_type: &'static str,
    pub dsos: Option<i64>,
    pub revised: Option<(&'static str, DateTime<Utc>, Option<i64>)>,
}

pub fn row(n: u8, regions: &[&str], created_at: DateTime<Utc>) -> Row {
    // Random bytes, the last one `n` so tests can tell keys apart.
    let mut key: [u8; 16] = rand::random();
    key[15] = n;
    Row {
        key,
        tr: 2,
        interval: 2_679_840,
        count: 144,
        regions: regions.iter().map(|r| (*r).to_owned()).collect(),
        traveler: false,
        local: true,
        created_at,
        report_type: "confirmed",
        dsos: Some(0),
        revised: None,
    }
}

pub async fn insert(db: &tokio_postgres::Client, rows: &[Row]) {
    for r in rows {
        let (rtype, rat, rdsos) = match r.revised {
            Some((t, at, d)) => (Some(t), Some(at), d),
            None => (None, None, None),
        };
        db.execute(
            "INSERT INTO exposure (exposure_key, transmission_risk, app_package_name, regions,
                interval_number, interval_count, created_at, local_provenance, report_type,
                days_since_symptom_onset, revised_report_type, revised_at,
                revised_days_since_symptom_onset, traveler)
             VALUES ($1, $2, 'app', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            &[
                &base64::engine::general_purpose::STANDARD.encode(r.key),
                &r.tr,
                &r.regions,
                &r.interval,
                &r.count,
                &r.created_at,
                &r.local,
                &r.report_type,
                &r.dsos,
                &rtype,
                &rat,
                &rdsos,
                &r.traveler,
            ],
        )
        .await
        .unwrap();
    }
}

pub fn config(id: i64, root: &str, region: &str, period: i64, infos: &[i64]) -> ExportConfig {
    ExportConfig {
        id,
        filename_root: root.into(),
        period_seconds: period,
        output_region: region.into(),
        input_regions: vec![],
        exclude_regions: vec![],
        include_travelers: false,
        only_non_travelers: false,
        from: t0() - hours(24 * 30),
        thru: None,
        max_records_override: None,
        signature_info_ids: infos.to_vec(),
    }
}

pub fn info(id: i64, key_file: &str, thru: Option<DateTime<Utc>>) -> SignatureInfo {
    SignatureInfo {
        id,
        signing_key: key_file.into(),
        signing_key_id: "310".into(),
        signing_key_version: format!("v{id}"),
        app_package_name: None,
        bundle_id: None,
        thru,
    }
}

pub fn snapshot(configs: &[ExportConfig], infos: &[SignatureInfo]) -> ConfigSnapshot {
    let mut s = ConfigSnapshot::default();
    for entity in infos {
        s.apply(&ConfigChange::SignatureInfoSaved {
            entity: entity.clone(),
        });
    }
    for entity in configs {
        s.apply(&ConfigChange::ExportConfigSaved {
            entity: entity.clone(),
        });
    }
    s
}

async fn cut(
    f: &Fixture,
    config: &ExportConfig,
    windows: &[(DateTime<Utc>, DateTime<Utc>)],
) -> Vec<Batch> {
    let windows: Vec<Window> = windows
        .iter()
        .map(|(s, e)| Window {
            start: s.timestamp(),
            end: e.timestamp(),
        })
        .collect();
    batches::create_batches(&f.ctx.pool, config, |_| windows)
        .await
        .unwrap()
}

fn settings(min_records: usize, range: usize, max_records: usize) -> ExportSettings {
    ExportSettings {
        padding: exporter::batching::padding::PaddingSettings {
            min_records,
            padding_range: range,
        },
        max_records,
        cleanup_ttl: Duration::from_secs(336 * 3600),
        ..ExportSettings::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c27_leases_go_to_one_worker_until_they_expire() {
    let f = Fixture::new(settings(1, 0, 100)).await;
    let now = t0();
    let c = config(1, "r", "US", 60, &[]);
    let windows: Vec<_> = (1..=4)
        .map(|m| {
            (
                now + chrono::Duration::minutes(m - 1),
                now + chrono::Duration::minutes(m),
            )
        })
        .collect();
    assert_eq!(cut(&f, &c, &windows).await.len(), 4);
    assert_eq!(cut(&f, &c, &windows).await.len(), 0, "a window is cut once");
    let ttl = Duration::from_secs(3600);
    assert!(batches::lease_batch(&f.ctx.pool, now, ttl)
        .await
        .unwrap()
        .is_none());
    let mut leased = Vec::new();
    for _ in 0..4 {
        let lease = batches::lease_batch(&f.ctx.pool, now + hours(1), ttl)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(lease.batch.status, BatchStatus::Pending);
        assert_eq!(lease.batch.lease_expires, Some(now + hours(2)));
        leased.push(lease);
    }
    assert!(batches::lease_batch(&f.ctx.pool, now + hours(1), ttl)
        .await
        .unwrap()
        .is_none());
    let ends: Vec<_> = leased.iter().map(|l| l.batch.end).collect();
    assert!(ends.windows(2).all(|w| w[0] < w[1]), "oldest window first");
    let mut again = Vec::new();
    for _ in 0..4 {
        again.push(
            batches::lease_batch(&f.ctx.pool, now + hours(3), ttl)
                .await
                .unwrap()
                .unwrap(),
        );
    }
    // The first leases are lost: completing with them changes nothing.
    assert!(!files::complete_batch(&f.ctx.pool, &leased[0], &[])
        .await
        .unwrap());
    assert!(files::complete_batch(&f.ctx.pool, &again[0], &[])
        .await
        .unwrap());
    let done = batches::batch(&f.ctx.pool, again[0].batch.batch_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (done.status, done.lease_expires),
        (BatchStatus::Complete, None)
    );
    assert_eq!(
        batches::latest_batch_end(&f.ctx.pool, 1).await.unwrap(),
        Some(now + chrono::Duration::minutes(4))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c28_c32_finalize_lists_files_and_marks_expired_ones() {
    let f = Fixture::new(settings(1, 0, 100)).await;
    let now = Utc::now();
    let c = config(1, "r", "US", 3600, &[]);
    cut(&f, &c, &[(now - hours(2), now - hours(1))]).await;
    let lease = batches::lease_batch(&f.ctx.pool, now, Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    let written: Vec<_> = ["r/file2.zip", "r/file1.zip"]
        .iter()
        .map(|n| files::WrittenFile {
            filename: (*n).into(),
            key_count: 1,
        })
        .collect();
    assert!(files::complete_batch(&f.ctx.pool, &lease, &written)
        .await
        .unwrap());
    let rows = files::files_of_batch(&f.ctx.pool, lease.batch.batch_id)
        .await
        .unwrap();
    assert_eq!(
        rows.iter()
            .map(|r| (
                r.filename.as_str(),
                r.batch_num,
                r.batch_size,
                r.status.as_str()
            ))
            .collect::<Vec<_>>(),
        [
            ("r/file2.zip", 1, 2, "COMPLETE"),
            ("r/file1.zip", 2, 2, "COMPLETE")
        ]
    );
    assert_eq!(
        files::index_files(&f.ctx.pool, 1, now - hours(20))
            .await
            .unwrap(),
        ["r/file1.zip", "r/file2.zip"]
    );
    // C32: a second insert of the same name conflicts and keeps the first row.
    assert!(
        !files::add_file(&f.ctx.pool, lease.batch.batch_id, 99, "r/file1.zip")
            .await
            .unwrap()
    );
    // Retention 1 s, one second later: both are marked and leave the index.
    let later = now + chrono::Duration::seconds(1);
    let cutoff = later - chrono::Duration::seconds(1);
    assert_eq!(
        files::mark_expired_files(&f.ctx.pool, Some(1), cutoff + hours(2))
            .await
            .unwrap(),
        2
    );
    assert!(files::index_files(&f.ctx.pool, 1, now - hours(20))
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c29_to_c35_key_selection() {
    let f = Fixture::new(settings(1, 0, 100)).await;
    let db = f.env.db().await;
    let (s, e) = (t0(), t0() + hours(1));
    // C29/C30: window bounds, travelers.
    let mut at_start = row(1, &["USA"], s);
    at_start.traveler = true;
    let at_end = row(2, &["USB"], e);
    insert(&db, &[at_start.clone(), at_end]).await;
    let criteria = KeyCriteria {
        include_regions: vec!["US".into()],
        include_travelers: true,
        ..KeyCriteria::default()
    };
    let got = batch_keys(&f.ctx.pool, &criteria, s, e).await.unwrap();
    assert_eq!(got.primaries.len(), 1);
    assert_eq!(got.primaries[0].key.key_data, at_start.key);

    // C33/C35 on a later day.
    let t = t0() + hours(48);
    let mut k0 = row(10, &["US", "CA", "MX"], t);
    let mut k1 = row(11, &["CA"], t + hours(1));
    k1.traveler = true;
    let mut k2 = row(12, &["MX", "CA"], t + hours(2));
    k2.local = false;
    let mut k3 = row(13, &["US"], t + hours(3));
    k3.traveler = true;
    k3.local = false;
    k0.report_type = "likely";
    insert(&db, &[k0.clone(), k1.clone(), k2.clone(), k3.clone()]).await;
    let ids = |c: KeyCriteria, from: DateTime<Utc>| {
        let pool = f.ctx.pool.clone();
        async move {
            let keys = batch_keys(&pool, &c, from, t + hours(4)).await.unwrap();
            keys.primaries
                .iter()
                .map(|p| p.key.key_data[15])
                .collect::<BTreeSet<u8>>()
        }
    };
    let inc = |r: &[&str]| r.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let set = |v: &[u8]| v.iter().copied().collect::<BTreeSet<u8>>();
    let c = |include: &[&str], exclude: &[&str]| KeyCriteria {
        include_regions: inc(include),
        exclude_regions: inc(exclude),
        ..KeyCriteria::default()
    };
    assert_eq!(ids(c(&["US"], &[]), t).await, set(&[10, 13]));
    assert_eq!(ids(c(&[], &["US"]), t).await, set(&[11, 12]));
    assert_eq!(ids(c(&["CA"], &["MX"]), t).await, set(&[11]));
    let travelers = KeyCriteria {
        include_travelers: true,
        ..c(&["CA"], &[])
    };
    assert_eq!(ids(travelers, t).await, set(&[10, 11, 12, 13]));
    let only_travelers = KeyCriteria {
        only_travelers: true,
        ..c(&[], &[])
    };
    assert_eq!(ids(only_travelers.clone(), t).await, set(&[11, 13]));
    let local_travelers = KeyCriteria {
        only_local_provenance: true,
        ..only_travelers
    };
    assert_eq!(ids(local_travelers, t).await, set(&[11]));
    assert_eq!(ids(c(&["CA"], &["MX"]), t + hours(2)).await, set(&[]));
    // C31 with overlap semantics for two regions (§10).
    let non_travelers = |include: &[&str]| KeyCriteria {
        only_non_travelers: true,
        ..c(include, &[])
    };
    assert_eq!(ids(non_travelers(&["US"]), t).await, set(&[10]));
    assert_eq!(ids(non_travelers(&["US", "CA"]), t).await, set(&[10, 12]));
    assert_eq!(ids(c(&["US", "CA"], &["MX"]), t).await, set(&[11, 13]));
    // Report types come across mapped.
    let keys = batch_keys(&f.ctx.pool, &c(&["US"], &[]), t, t + hours(1))
        .await
        .unwrap();
    assert_eq!(
        keys.primaries[0].key.report_type,
        Some(ReportType::ConfirmedClinicalDiagnosis)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c22_hourly_batches_partition_a_four_hour_window() {
    let f = Fixture::new(settings(1, 0, 1)).await;
    let db = f.env.db().await;
    let t = t0();
    let mut rows = Vec::new();
    for i in 0..40u8 {
        let mut us = row(i, &["US"], t + chrono::Duration::minutes(i64::from(i) * 6));
        us.revised = (i % 3 == 0).then_some((
            "negative",
            t + chrono::Duration::minutes(i64::from(i) * 5),
            None,
        ));
        let mut ca_traveler = row(i, &["CA"], us.created_at);
        ca_traveler.traveler = true;
        ca_traveler.local = false;
        let mut ca = row(i, &["CA"], us.created_at);
        ca.local = false;
        rows.extend([us, ca_traveler, ca]);
    }
    insert(&db, &rows).await;
    for criteria in [
        KeyCriteria {
            include_regions: vec!["US".into()],
            include_travelers: true,
            ..KeyCriteria::default()
        },
        KeyCriteria {
            include_regions: vec!["CA".into()],
            only_non_travelers: true,
            ..KeyCriteria::default()
        },
    ] {
        let whole = batch_keys(&f.ctx.pool, &criteria, t, t + hours(4))
            .await
            .unwrap();
        let mut union = Vec::new();
        let mut revised = Vec::new();
        for h in 0..4 {
            let part = batch_keys(&f.ctx.pool, &criteria, t + hours(h), t + hours(h + 1))
                .await
                .unwrap();
            union.extend(part.primaries.into_iter().map(|p| p.key.key_data));
            revised.extend(part.revised.into_iter().map(|k| k.key_data));
        }
        let whole_keys: Vec<_> = whole
            .primaries
            .into_iter()
            .map(|p| p.key.key_data)
            .collect();
        assert_eq!(union.len(), whole_keys.len(), "disjoint");
        assert_eq!(
            union.iter().collect::<BTreeSet<_>>(),
            whole_keys.iter().collect::<BTreeSet<_>>()
        );
        assert_eq!(revised.len(), whole.revised.len());
    }
}

/// Cuts a batch `[s, e)` of `c` and runs the worker once at `now`.
async fn export_once(
    f: &Fixture,
    snap: &ConfigSnapshot,
    c: &ExportConfig,
    s: DateTime<Utc>,
    e: DateTime<Utc>,
) -> Result<Option<BatchOutcome>, ExportError> {
    cut(f, c, &[(s, e)]).await;
    export_next(&f.ctx, snap, e + hours(1)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c41_c43_split_batches_carry_end_offsets_and_revised_keys_fill_the_last_file() {
    let f = Fixture::new(settings(1, 0, 3)).await;
    f.write_key(
        "k.pem",
        &p256::ecdsa::SigningKey::from(p256::SecretKey::random(&mut rand::rngs::OsRng)),
    );
    let db = f.env.db().await;
    let (s, e) = (t0(), t0() + hours(1));
    let rows: Vec<_> = (0..10u8)
        .map(|i| row(i, &["US"], s + chrono::Duration::minutes(i.into())))
        .collect();
    insert(&db, &rows).await;
    let c = config(1, "us", "US", 3600, &[1]);
    let snap = snapshot(std::slice::from_ref(&c), &[info(1, "k.pem", None)]);
    let Some(BatchOutcome::Completed { files, .. }) =
        export_once(&f, &snap, &c, s, e).await.unwrap()
    else {
        panic!("not completed")
    };
    let (start, end) = (s.timestamp(), e.timestamp());
    assert_eq!(
        files,
        (1..=4)
            .map(|n| format!("us/{start}-{end}-{n:05}.zip"))
            .collect::<Vec<_>>()
    );
    let mut seen = BTreeSet::new();
    for (k, name) in files.iter().enumerate() {
        let file = f.file(name).await;
        let x = &file.export;
        assert_eq!(x.start_timestamp, Some(start as u64));
        assert_eq!(
            x.end_timestamp,
            Some((end + k as i64 + 1) as u64),
            "file {k} ends at end + k"
        );
        assert_eq!((x.batch_num, x.batch_size), (Some(1), Some(1)));
        seen.extend(x.keys.iter().filter_map(|k| k.key_data.clone()));
    }
    assert_eq!(seen.len(), 10);
    let index = String::from_utf8(f.blob("us/index.txt").await.unwrap()).unwrap();
    assert_eq!(index, files.join("\n"));

    // C43: 3 primaries + 2 revised with M = 4, no padding although MIN_RECORDS is 1000.
    let f = Fixture::new(settings(1000, 0, 4)).await;
    f.write_key(
        "k.pem",
        &p256::ecdsa::SigningKey::from(p256::SecretKey::random(&mut rand::rngs::OsRng)),
    );
    let db = f.env.db().await;
    let mut rows: Vec<_> = (0..3u8).map(|i| row(i, &["US"], s)).collect();
    for i in 3..5u8 {
        let mut r = row(i, &["US"], s - hours(48));
        r.revised = Some(("negative", s + chrono::Duration::minutes(5), Some(3)));
        rows.push(r);
    }
    insert(&db, &rows).await;
    let Some(BatchOutcome::Completed { files, .. }) =
        export_once(&f, &snap, &c, s, e).await.unwrap()
    else {
        panic!("not completed")
    };
    assert_eq!(files.len(), 2);
    let (a, b) = (
        f.file(&files[0]).await.export,
        f.file(&files[1]).await.export,
    );
    assert_eq!((a.keys.len(), a.revised_keys.len()), (3, 1));
    assert_eq!((b.keys.len(), b.revised_keys.len()), (0, 1));
    assert_eq!(
        (a.end_timestamp, b.end_timestamp),
        (Some(end as u64 + 1), Some(end as u64 + 2))
    );
    assert_eq!(
        b.revised_keys[0].report_type,
        Some(ReportType::Revoked as i32)
    );
    assert_eq!(b.revised_keys[0].days_since_onset_of_symptoms, Some(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn padding_is_persisted_and_a_rerun_writes_the_same_bytes() {
    let f = Fixture::new(settings(20, 0, 100)).await;
    let key = p256::ecdsa::SigningKey::from(p256::SecretKey::random(&mut rand::rngs::OsRng));
    f.write_key("k.pem", &key);
    let db = f.env.db().await;
    let (s, e) = (t0(), t0() + hours(1));
    insert(
        &db,
        &(0..3u8)
            .map(|i| row(i, &["US"], s + chrono::Duration::minutes(i.into())))
            .collect::<Vec<_>>(),
    )
    .await;
    let c = config(1, "us", "US", 3600, &[1]);
    let snap = snapshot(std::slice::from_ref(&c), &[info(1, "k.pem", None)]);
    let Some(BatchOutcome::Completed { batch_id, files }) =
        export_once(&f, &snap, &c, s, e).await.unwrap()
    else {
        panic!("not completed")
    };
    let first = f.blob(&files[0]).await.unwrap();
    let file = read_file(&first).unwrap();
    // Padding copies the 3 real keys round-robin in full passes: 3 → 21 (≥ MIN_RECORDS 20).
    assert_eq!(file.export.keys.len(), 21);
    assert!(file.verifies(0, key.verifying_key()));
    let fakes: i64 = db
        .query_one(
            "SELECT count(*) FROM export_padding_key WHERE batch_id = $1",
            &[&batch_id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(fakes, 18);
    // A worker racing on the same batch cannot add a second set of fakes: it gets the first.
    let persisted = exporter::repository::keys::padding_of_batch(&f.ctx.pool, batch_id)
        .await
        .unwrap();
    assert_eq!(persisted.len(), 18);
    let mut other = persisted.clone();
    other[0].key.key_data = vec![7; 16];
    assert!(
        !exporter::repository::keys::insert_padding(&f.ctx.pool, batch_id, &other[..1])
            .await
            .unwrap()
    );
    assert_eq!(
        db.query_one("SELECT count(*) FROM exposure", &[])
            .await
            .unwrap()
            .get::<_, i64>(0),
        3,
        "the exporter never writes the query store"
    );
    // Regenerate: the batch goes back to OPEN; the rerun reuses the persisted fakes.
    db.execute(
        "UPDATE export_batch SET status = 'OPEN' WHERE batch_id = $1",
        &[&batch_id],
    )
    .await
    .unwrap();
    f.ctx.blobs.delete(&files[0]).await.unwrap();
    let Some(BatchOutcome::Completed { files: again, .. }) =
        export_next(&f.ctx, &snap, e + hours(2)).await.unwrap()
    else {
        panic!("rerun not completed")
    };
    assert_eq!(again, files);
    assert_eq!(
        f.blob(&files[0]).await.unwrap(),
        first,
        "byte-identical rerun"
    );

    // An overlapping daily config of the same region carries the same fakes.
    let daily = config(2, "us-daily", "US", 86_400, &[1]);
    let snap = snapshot(&[c, daily.clone()], &[info(1, "k.pem", None)]);
    let Some(BatchOutcome::Completed { files, .. }) =
        export_once(&f, &snap, &daily, s, s + hours(24))
            .await
            .unwrap()
    else {
        panic!("daily not completed")
    };
    let daily_keys: BTreeSet<_> = f
        .file(&files[0])
        .await
        .export
        .keys
        .into_iter()
        .filter_map(|k| k.key_data)
        .collect();
    let hourly_keys: BTreeSet<_> = file
        .export
        .keys
        .into_iter()
        .filter_map(|k| k.key_data)
        .collect();
    assert_eq!(daily_keys, hourly_keys);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c25_unsigned_files_are_refused_and_signers_come_newest_first() {
    let f = Fixture::new(settings(1, 0, 100)).await;
    let db = f.env.db().await;
    let (s, e) = (t0(), t0() + hours(1));
    insert(&db, &[row(1, &["US"], s)]).await;
    let now = e + hours(1);
    // Only an expired signature info: the batch fails, nothing is written.
    let c = config(1, "us", "US", 3600, &[1]);
    let snap = snapshot(
        std::slice::from_ref(&c),
        &[info(1, "k1.pem", Some(now - hours(1)))],
    );
    let err = export_once(&f, &snap, &c, s, e).await.unwrap_err();
    assert!(matches!(err, ExportError::NoSigners { .. }), "{err}");
    assert_eq!(err.reason(), "no_signers");
    assert!(f.blob("us/index.txt").await.is_none());
    let status: String = db
        .query_one("SELECT status FROM export_batch", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(status, "PENDING", "retried when the lease expires");
    // A missing key file is an error too, not an unsigned file.
    let c2 = config(2, "us2", "US", 3600, &[2]);
    let snap = snapshot(std::slice::from_ref(&c2), &[info(2, "missing.pem", None)]);
    let err = export_once(&f, &snap, &c2, s, e).await.unwrap_err();
    assert_eq!(err.reason(), "signing_key");

    // C25: infos expiring -1h, +24h and never → [never (3), +24h (2)].
    let keys: Vec<_> = (1..=3)
        .map(|i| {
            let k = p256::ecdsa::SigningKey::from(p256::SecretKey::random(&mut rand::rngs::OsRng));
            f.write_key(&format!("k{i}.pem"), &k);
            k
        })
        .collect();
    let c3 = config(3, "us3", "US", 3600, &[1, 2, 3]);
    let infos = [
        info(1, "k1.pem", Some(now - hours(1))),
        info(2, "k2.pem", Some(now + hours(24))),
        info(3, "k3.pem", None),
    ];
    let snap = snapshot(std::slice::from_ref(&c3), &infos);
    let Some(BatchOutcome::Completed { files, .. }) =
        export_once(&f, &snap, &c3, s, e).await.unwrap()
    else {
        panic!("not completed")
    };
    let file = f.file(&files[0]).await;
    let versions: Vec<_> = file
        .export
        .signature_infos
        .iter()
        .filter_map(|i| i.verification_key_version.clone())
        .collect();
    assert_eq!(versions, ["v3", "v2"]);
    assert!(file.verifies(0, keys[2].verifying_key()));
    assert!(file.verifies(1, keys[1].verifying_key()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_workers_export_every_batch_exactly_once() {
    let f = Fixture::new(settings(1, 0, 100)).await;
    f.write_key(
        "k.pem",
        &p256::ecdsa::SigningKey::from(p256::SecretKey::random(&mut rand::rngs::OsRng)),
    );
    let db = f.env.db().await;
    let t = t0();
    let mut rows = Vec::new();
    for h in 0..6 {
        rows.push(row(h as u8, &["US"], t + hours(h)));
        rows.push(row(100 + h as u8, &["CA"], t + hours(h)));
    }
    insert(&db, &rows).await;
    let us = config(1, "us", "US", 3600, &[1]);
    let ca = config(2, "ca", "CA", 3600, &[1]);
    let windows: Vec<_> = (0..6).map(|h| (t + hours(h), t + hours(h + 1))).collect();
    cut(&f, &us, &windows).await;
    cut(&f, &ca, &windows).await;
    let snap = snapshot(&[us, ca], &[info(1, "k.pem", None)]);
    let now = t + hours(8);
    let worker = move |ctx: ExportContext, snap: ConfigSnapshot| async move {
        let mut done = Vec::new();
        // Batches postponed on a busy region lock are retried 5 s later.
        for at in [now, now + chrono::Duration::seconds(10)] {
            loop {
                match export_next(&ctx, &snap, at).await.unwrap() {
                    Some(BatchOutcome::Completed { batch_id, .. }) => done.push(batch_id),
                    Some(BatchOutcome::Postponed { .. }) => {}
                    Some(other) => panic!("{other:?}"),
                    None => break,
                }
            }
        }
        done
    };
    let (a, b) = tokio::join!(
        worker(f.ctx.clone(), snap.clone()),
        worker(f.ctx.clone(), snap.clone())
    );
    // Whatever was postponed last is picked up once the workers are done.
    let mut rest = Vec::new();
    while let Some(outcome) = export_next(&f.ctx, &snap, now + hours(1)).await.unwrap() {
        if let BatchOutcome::Completed { batch_id, .. } = outcome {
            rest.push(batch_id);
        }
    }
    let mut all: Vec<i64> = a.iter().chain(&b).chain(&rest).copied().collect();
    all.sort_unstable();
    let before = all.len();
    all.dedup();
    assert_eq!(before, all.len(), "no batch exported twice");
    assert_eq!(all.len(), 12);
    for root in ["us", "ca"] {
        let index = String::from_utf8(f.blob(&format!("{root}/index.txt")).await.unwrap()).unwrap();
        assert_eq!(index.lines().count(), 6, "{root}: {index}");
        for line in index.lines() {
            assert_eq!(f.file(line).await.export.keys.len(), 1);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c40_cleanup_deletes_expired_files_of_ended_configs_too() {
    let f = Fixture::new(ExportSettings {
        cleanup_ttl: Duration::from_secs(240 * 3600),
        ..settings(1, 0, 100)
    })
    .await;
    let empty = exporter::cleanup::cleanup(&f.ctx, &ConfigSnapshot::default(), Utc::now())
        .await
        .unwrap();
    assert_eq!(
        empty,
        exporter::cleanup::CleanupReport::default(),
        "C40: empty stores"
    );
    f.write_key(
        "k.pem",
        &p256::ecdsa::SigningKey::from(p256::SecretKey::random(&mut rand::rngs::OsRng)),
    );
    let db = f.env.db().await;
    let now = Utc::now();
    let old = (now - hours(24 * 12), now - hours(24 * 12) + hours(1));
    let new = (now - hours(3), now - hours(2));
    insert(&db, &[row(1, &["US"], old.0), row(2, &["US"], new.0)]).await;
    let mut c = config(1, "us", "US", 3600, &[1]);
    c.from = now - hours(24 * 20);
    let snap = snapshot(std::slice::from_ref(&c), &[info(1, "k.pem", None)]);
    cut(&f, &c, &[old, new]).await;
    let mut names = Vec::new();
    while let Some(BatchOutcome::Completed { files, .. }) =
        export_next(&f.ctx, &snap, now).await.unwrap()
    {
        names.extend(files);
    }
    assert_eq!(names.len(), 2);
    // The config ends and disappears from the configuration: its files are still cleaned.
    let report = exporter::cleanup::cleanup(&f.ctx, &ConfigSnapshot::default(), now)
        .await
        .unwrap();
    // (The old file was already marked when its batch's index was written.)
    assert_eq!((report.files_deleted, report.batches_deleted), (1, 1));
    assert!(f.blob(&names[0]).await.is_none());
    assert!(f.blob(&names[1]).await.is_some());
    let index = String::from_utf8(f.blob("us/index.txt").await.unwrap()).unwrap();
    assert_eq!(index, names[1]);
}
