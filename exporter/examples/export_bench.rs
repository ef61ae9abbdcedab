//! Timed benchmark: build and sign export files for N keys (default 1,000,000) with the
//! production code path (`format::build_file`), and report time and peak memory.
//!
//! ```text
//! cargo run --release -p exporter --example export_bench -- [keys] [max_records] [out_dir]
//! ```
//!
//! With `out_dir`, the files and the signer's `public.pem` are written there so they can be
//! checked with `tests/python/verify_export.py` or openssl.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark tool: fail loudly

use std::sync::Arc;
use std::time::Instant;

use exporter::batching::group::plan_files;
use exporter::format::{
    build_file, proto::ReportType, ExportKey, FileSigner, FileSpec, SignerIdentity,
};
use exporter::signing::LocalSigner;
use rand::{Rng, RngCore};

/// Peak resident memory of this process, from `/proc/self/status` (`VmHWM`), in MiB.
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let max_records: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(500_000);
    let out_dir = args.get(3).map(std::path::PathBuf::from);

    let started = Instant::now();
    let mut rng = rand::thread_rng();
    let now_interval = 2_900_000;
    let mut keys: Vec<ExportKey> = (0..n)
        .map(|_| {
            let mut key_data = vec![0u8; 16];
            rng.fill_bytes(&mut key_data);
            ExportKey {
                key_data,
                transmission_risk: rng.gen_range(0..=8),
                interval_number: now_interval - 144 * rng.gen_range(1..14),
                interval_count: 144,
                report_type: Some(ReportType::ConfirmedTest),
                days_since_onset: Some(rng.gen_range(-14..=14)),
            }
        })
        .collect();
    let generated = started.elapsed();
    let baseline = peak_rss_mib();

    let signer = LocalSigner::new(p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng));
    let signers = [FileSigner {
        identity: SignerIdentity {
            key_version: "v1".into(),
            key_id: "310".into(),
        },
        signer: Arc::new(signer.clone()),
    }];

    let build_started = Instant::now();
    // The worker sorts the batch before grouping; do the same so the benchmark covers it.
    keys.sort_unstable_by(|a, b| a.key_data.cmp(&b.key_data));
    let plans = plan_files(keys.len(), 0, max_records);
    let mut total_bytes = 0usize;
    let start = 1_700_000_000;
    for (i, plan) in plans.iter().enumerate() {
        let zip = build_file(
            FileSpec {
                start_timestamp: start,
                end_timestamp: start + 86_400 + if plans.len() > 1 { i as i64 + 1 } else { 0 },
                region: "US",
            },
            &signers,
            &keys[plan.primaries.clone()],
            &[],
        )
        .await
        .expect("file builds");
        total_bytes += zip.len();
        if let Some(dir) = &out_dir {
            std::fs::create_dir_all(dir).expect("out dir");
            std::fs::write(
                dir.join(format!("{start}-{}-{:05}.zip", start + 86_400, i + 1)),
                &zip,
            )
            .expect("write file");
        }
    }
    let built = build_started.elapsed();
    if let Some(dir) = &out_dir {
        std::fs::write(
            dir.join("public.pem"),
            signer.public_key_pem().expect("pem"),
        )
        .expect("pem");
    }
    let peak = peak_rss_mib();
    println!(
        "keys={n} files={} max_records={max_records} build_and_sign_s={:.3} keys_per_s={:.0} \
         output_mib={:.1} generate_inputs_s={:.3} peak_rss_mib={peak:.1} \
         rss_with_inputs_only_mib={baseline:.1} cores={}",
        plans.len(),
        built.as_secs_f64(),
        n as f64 / built.as_secs_f64(),
        total_bytes as f64 / 1_048_576.0,
        generated.as_secs_f64(),
        std::thread::available_parallelism().map_or(0, |p| p.get()),
    );
}
