//! Publish → export → download, end to end: keys published through `POST /v1/publish` (real
//! ingest, processor and projector), an export config and signature info created through the
//! admin API, the exporter service cutting, signing and indexing batches on its timers, and the
//! files downloaded over HTTP from the exporter — then checked by our reader and by the
//! independent Python reader (`tests/python/verify_export.py`), which verifies the signatures
//! with the public key (conformance case C14).

use p256::pkcs8::DecodePublicKey as _;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use exporter::format::{proto::ReportType, read_file};
use harness::keys::{k, today_midnight};
use harness::process::{python, stdout_of};
use harness::stack::Stack;
use harness::{repo_root, spawn, wait_for, wait_ready};
use serde_json::Value;

const ADMIN_TOKEN: &str = "e2e-export-admin-token-0123456789";

/// Runs the independent reader over `files`; returns its JSON line per file.
fn python_verify(public_pem: &Path, files: &[PathBuf]) -> Vec<Value> {
    let mut command = std::process::Command::new(python());
    command
        .arg(repo_root().join("tests/python/verify_export.py"))
        .arg("--public-key")
        .arg(public_pem)
        .args(files);
    String::from_utf8(stdout_of(
        &mut command,
        "verify_export.py rejected the files",
    ))
    .unwrap()
    .lines()
    .map(|l| serde_json::from_str(l).unwrap())
    .collect()
}

/// Downloads `index.txt` and every file it names; `None` until the index names a file.
async fn download_all(
    http: &reqwest::Client,
    base: &str,
    index: &str,
) -> Option<BTreeMap<String, Vec<u8>>> {
    let response = http.get(format!("{base}/{index}")).send().await.ok()?;
    if !response.status().is_success() {
        return None;
    }
    let text = response.text().await.ok()?;
    let mut files = BTreeMap::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        let bytes = http
            .get(format!("{base}/{line}"))
            .send()
            .await
            .ok()?
            .bytes()
            .await
            .ok()?;
        files.insert(line.to_owned(), bytes.to_vec());
    }
    (!files.is_empty()).then_some(files)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_keys_are_exported_signed_and_downloadable() {
    // Publish side: keys get created_at = now truncated to 1 s.
    let stack = Stack::start(&[("TRUNCATE_WINDOW", "1s")]).await;
    let http = reqwest::Client::new();

    // The signing key file, and configuration through the admin API.
    let dir = std::env::temp_dir().join(format!("export-flow-{}", uuid::Uuid::new_v4()));
    let key_file = harness::keys::write_export_signing_key(&dir);
    let public_pem = dir.join("public.pem");
    std::fs::write(
        &public_pem,
        exporter::check_signing_key(&key_file).await.unwrap(),
    )
    .unwrap();

    let admin = spawn::<admin::Admin>(
        &stack.env,
        &[("ADMIN_TOKEN", ADMIN_TOKEN), ("JWKS_SYNC_INTERVAL", "0")],
    )
    .await;
    wait_ready(&admin.ops_url()).await;
    harness::exports::configure(&http, &admin, ADMIN_TOKEN, "e2e/test").await;

    let _export_dir = dir.join("blobs");
    let exporter = harness::exports::spawn_exporter(
        &stack.env,
        &dir,
        &key_file,
        &[("EXPORT_FILE_MAX_RECORDS", "100")],
    )
    .await;
    let base = exporter.url();
    // The first (empty) batch writes an empty index: batches are being cut before we publish.
    harness::wait_ok(
        &format!("{base}/e2e/test/index.txt"),
        Duration::from_secs(30),
    )
    .await;

    // 12 consecutive daily keys, confirmed, onset two days before today's midnight.
    let keys: Vec<_> = (1..=12).map(k).collect();
    let onset = u32::try_from(today_midnight() - 2 * 144).unwrap();
    let request = stack.request_with(&keys, "confirmed", |c| {
        c.symptom_onset_interval = Some(onset)
    });
    let (status, body) = stack.publish(&request).await;
    assert_eq!((status, body.inserted_exposures), (200, 12), "{body:?}");
    let stored = harness::store::exposures_in_store(&stack.env.db().await).await;
    assert_eq!(stored.len(), 12);

    // Download over HTTP until the index names files holding all 12 keys.
    let files = wait_for(Duration::from_secs(60), "files with all 12 keys", || {
        let (http, base) = (http.clone(), base.clone());
        async move {
            let files = download_all(&http, &base, "e2e/test/index.txt").await?;
            let total: usize = files
                .values()
                .map(|z| read_file(z).map_or(0, |f| f.export.keys.len()))
                .sum();
            (total >= 12).then_some(files)
        }
    })
    .await;

    let verifying = p256::ecdsa::VerifyingKey::from_public_key_pem(
        &std::fs::read_to_string(&public_pem).unwrap(),
    )
    .unwrap();
    let mut exported = BTreeMap::new();
    for (name, zip) in &files {
        assert!(
            name.starts_with("e2e/test/") && name.ends_with(".zip"),
            "{name}"
        );
        let file = read_file(zip).unwrap();
        assert_eq!(file.entry_names, ["export.bin", "export.sig"]);
        assert!(file.verifies(0, &verifying), "{name}: signature");
        let x = &file.export;
        assert_eq!(
            (x.batch_num, x.batch_size, x.region.as_deref()),
            (Some(1), Some(1), Some("TEST"))
        );
        assert_eq!(
            x.end_timestamp.unwrap() - x.start_timestamp.unwrap(),
            1,
            "period 1 s, one file per batch"
        );
        let info = &x.signature_infos[0];
        assert_eq!(
            (
                info.verification_key_id.as_deref(),
                info.verification_key_version.as_deref()
            ),
            (Some("310"), Some("v1"))
        );
        for key in &x.keys {
            assert!(key.rolling_start_interval_number.is_some());
            assert_eq!(key.rolling_period, None, "144 is not written");
            assert_eq!(key.report_type, Some(ReportType::ConfirmedTest as i32));
            exported.insert(
                base64::engine::general_purpose::STANDARD.encode(key.key_data.as_deref().unwrap()),
                (
                    key.transmission_risk_level,
                    key.days_since_onset_of_symptoms,
                ),
            );
        }
    }
    assert_eq!(exported.len(), 12, "exactly the published keys");
    for row in &stored {
        let (tr, dsos) = exported[&row.key];
        assert_eq!(tr, Some(i32::try_from(row.transmission_risk).unwrap()));
        assert_eq!(dsos.map(i64::from), row.days_since_symptom_onset);
    }
    let onsets: Vec<i32> = exported.values().filter_map(|(_, d)| *d).collect();
    assert_eq!(
        (onsets.iter().min(), onsets.iter().max()),
        (Some(&-10), Some(&1))
    );

    // Cache headers and ETags over HTTP.
    let (name, _) = files.iter().next().unwrap();
    let zip = http.get(format!("{base}/{name}")).send().await.unwrap();
    assert_eq!(zip.headers()["cache-control"], "public, max-age=86400");
    assert_eq!(zip.headers()["content-type"], "application/zip");
    let etag = zip.headers()["etag"].clone();
    let again = http
        .get(format!("{base}/{name}"))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), reqwest::StatusCode::NOT_MODIFIED);
    let index = http
        .get(format!("{base}/e2e/test/index.txt"))
        .send()
        .await
        .unwrap();
    assert_eq!(index.headers()["cache-control"], "no-cache, max-age=0");

    // The independent reader agrees.
    let mut paths = Vec::new();
    for (i, zip) in files.values().enumerate() {
        let path = dir.join(format!("download-{i}.zip"));
        std::fs::write(&path, zip).unwrap();
        paths.push(path);
    }
    let reports = python_verify(&public_pem, &paths);
    let mut python_keys = BTreeMap::new();
    for report in &reports {
        assert_eq!(report["region"], "TEST");
        assert_eq!(report["verifiedSignatures"], 1);
        for key in report["keys"].as_array().unwrap() {
            let bytes: Vec<u8> = (0..16)
                .map(|i| {
                    u8::from_str_radix(&key["key"].as_str().unwrap()[2 * i..2 * i + 2], 16).unwrap()
                })
                .collect();
            python_keys.insert(
                base64::engine::general_purpose::STANDARD.encode(bytes),
                (
                    key["transmissionRisk"].as_i64(),
                    key["daysSinceOnset"].as_i64(),
                ),
            );
        }
    }
    let ours: BTreeMap<_, _> = exported
        .iter()
        .map(|(k, (tr, d))| (k.clone(), (tr.map(i64::from), d.map(i64::from))))
        .collect();
    assert_eq!(python_keys, ours);
    // A tampered file is rejected by the independent reader.
    let mut tampered = files.values().next().unwrap().clone();
    let file = read_file(&tampered).unwrap();
    let mut bin = file.export_bin.clone();
    let last = bin.len() - 1;
    bin[last] ^= 1;
    let sig = prost::Message::encode_to_vec(&file.signatures);
    tampered = exporter::format::zip_entries(&bin, &sig).unwrap();
    let bad = dir.join("tampered.zip");
    std::fs::write(&bad, tampered).unwrap();
    let output = std::process::Command::new(python())
        .arg(repo_root().join("tests/python/verify_export.py"))
        .arg("--public-key")
        .arg(&public_pem)
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!output.status.success(), "a tampered file must not verify");

    drop(exporter);
    let _ = std::fs::remove_dir_all(&dir);
}
