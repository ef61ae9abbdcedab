//! The exporter against the real PostgreSQL: batch leases, finalizing, the index listing, key
//! selection, splitting, padding, signing refusal, concurrent workers and cleanup, driven through
//! the exporter's jobs with an explicit clock. This module holds the fixture (a database with the
//! query store and the exporter's tables, a blob directory and a signing key); each submodule one
//! capability.

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
    /// Generates a signing key and writes it (PKCS#8 PEM) as `keys/<name>`; returns it.
    pub fn write_new_key(&self, name: &str) -> p256::ecdsa::SigningKey {
        use p256::pkcs8::EncodePrivateKey as _;
        let secret = p256::SecretKey::random(&mut rand::rngs::OsRng);
        let pem = secret.to_pkcs8_pem(p256::pkcs8::LineEnding::LF).unwrap();
        std::fs::write(self.dir.join("keys").join(name), pem.as_bytes()).unwrap();
        p256::ecdsa::SigningKey::from(secret)
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

mod batch_files;
mod leases;
mod selection;
mod signing_and_workers;
