//! The publish request path without I/O, next to one bare ES256 verification, in the same run:
//! decode the JSON body (Go rules) → app, regions, certificate (ES256 + HMAC), revision token →
//! transform (validation) → degraded answer → mint the new revision token. `request_path` is an
//! upload that carries a revision token (opened on the way); `request_path_first_upload` one that
//! does not. The `part_*` functions measure single steps alone.
//!
//! Run: `cargo bench -p ingest --bench publish_path`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_debug_implementations
)]

#[path = "../src/kit.rs"]
#[allow(unused_imports)] // the bench uses part of the unit tests' kit
mod kit;

use base64::Engine as _;
use criterion::{criterion_group, criterion_main, Criterion};
use domain::{PublishPolicy, RevisableKey};
use ingest::api::decode_v1;
use ingest::certificate::KeyCache;
use ingest::publish::EdgeRules;
use ingest::revision_token::{KeyRing, TokenCodec};
use schemas::publish::Platform;

// The service binary's allocator, so the path is measured as it runs in `ingest`.
#[global_allocator]
static ALLOCATOR: platform::allocator::Allocator = platform::allocator::ALLOCATOR;

/// Rounds of the interleaved ratio measurement.
const INTERLEAVED_ROUNDS: usize = 3000;

fn bench(c: &mut Criterion) {
    let (signer, _, now, config) = kit::generated_fixture();
    let ring = format!(
        "k1:{}",
        base64::engine::general_purpose::STANDARD.encode([3u8; 64])
    );
    let rules = EdgeRules {
        policy: PublishPolicy::default(),
        allow_partial_revisions: false,
        default_region: None,
        tokens: TokenCodec::new(KeyRing::parse(&ring).unwrap(), 28),
        certificate_keys: KeyCache::default(),
    };

    // A realistic upload: 14 daily keys, a valid certificate, a revision token from an earlier
    // upload, and 1 KB of padding.
    let keys: Vec<_> = (1..=14).map(|d| kit::key_days_ago(d, now)).collect();
    let secret = b"0123456789abcdef0123456789abcdef";
    let cert = signer.certificate(&keys, secret, "confirmed", now);
    let earlier: Vec<RevisableKey> = keys[..3]
        .iter()
        .map(|k| RevisableKey {
            key_bytes: domain::base64::decode_lenient(&k.key)
                .unwrap()
                .try_into()
                .unwrap(),
            interval_number: k.rolling_start_number,
            interval_count: k.rolling_period,
        })
        .collect();
    let token = rules.tokens.mint(kit::APP, &earlier).unwrap();
    let body = serde_json::json!({
        "temporaryExposureKeys": keys.iter().map(|k| serde_json::json!({
            "key": k.key, "rollingStartNumber": k.rolling_start_number,
            "rollingPeriod": k.rolling_period, "transmissionRisk": k.transmission_risk,
        })).collect::<Vec<_>>(),
        "healthAuthorityID": kit::APP,
        "verificationPayload": cert,
        "hmacKey": base64::engine::general_purpose::STANDARD.encode(secret),
        "revisionToken": token,
        "padding": base64::engine::general_purpose::STANDARD.encode([7u8; 768]),
    })
    .to_string()
    .into_bytes();

    // Sanity: the path accepts this request and mints a token.
    let request = decode_v1(&body, false).unwrap();
    let accepted = rules
        .check(request, Platform::Android, &config, true, &move || now)
        .decision
        .unwrap();
    assert_eq!(accepted.degraded_answer(&rules).inserted, 14);

    let (signing_input, signature) = cert.rsplit_once('.').unwrap();
    let pem = config.key(1, "v1").unwrap().public_key_pem.clone();
    let key = jsonwebtoken::DecodingKey::from_ec_pem(pem.as_bytes()).unwrap();

    // Load-robust ratio: alternate one bare verification and one whole request path, many
    // times, and compare medians (a build on the other core slows both sides alike).
    let verify_once = || {
        assert!(jsonwebtoken::crypto::verify(
            std::hint::black_box(signature),
            std::hint::black_box(signing_input.as_bytes()),
            &key,
            jsonwebtoken::Algorithm::ES256
        )
        .unwrap());
    };
    let path_once = |body: &[u8]| {
        let request = decode_v1(body, false).unwrap();
        let accepted = rules
            .check(request, Platform::Android, &config, true, &move || now)
            .decision
            .unwrap();
        let answer = accepted.degraded_answer(&rules);
        std::hint::black_box(
            rules
                .tokens
                .mint(&accepted.app, &answer.token_entries)
                .unwrap(),
        );
    };
    let mut first_upload: serde_json::Value = serde_json::from_slice(&body).unwrap();
    first_upload
        .as_object_mut()
        .unwrap()
        .remove("revisionToken");
    let first_upload = first_upload.to_string().into_bytes();
    let (mut v, mut p, mut f) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..INTERLEAVED_ROUNDS {
        let t0 = std::time::Instant::now();
        verify_once();
        let t1 = std::time::Instant::now();
        path_once(&body);
        let t2 = std::time::Instant::now();
        path_once(&first_upload);
        let t3 = std::time::Instant::now();
        v.push(t1 - t0);
        p.push(t2 - t1);
        f.push(t3 - t2);
    }
    let median = |mut xs: Vec<std::time::Duration>| {
        xs.sort_unstable();
        xs[xs.len() / 2]
    };
    let (v, p, f) = (median(v), median(p), median(f));
    println!(
        "interleaved medians over {INTERLEAVED_ROUNDS} rounds: es256_verify {v:?}, request_path {p:?} ({:.2}x), request_path_first_upload {f:?} ({:.2}x)",
        p.as_secs_f64() / v.as_secs_f64(),
        f.as_secs_f64() / v.as_secs_f64(),
    );

    let mut group = c.benchmark_group("publish");
    group.bench_function("es256_verify", |b| b.iter(verify_once));
    group.bench_function("request_path", |b| {
        b.iter(|| path_once(std::hint::black_box(&body)));
    });
    group.bench_function("request_path_first_upload", |b| {
        b.iter(|| path_once(std::hint::black_box(&first_upload)));
    });

    // Where the time goes (each part measured alone).
    group.bench_function("part_decode_json", |b| {
        b.iter(|| decode_v1(std::hint::black_box(&body), false).unwrap());
    });
    group.bench_function("part_certificate", |b| {
        let app = config.app(kit::APP).unwrap().clone();
        let hmac_key = base64::engine::general_purpose::STANDARD.encode(secret);
        b.iter(|| {
            let input = ingest::certificate::CertificateInput {
                payload: &cert,
                hmac_key: &hmac_key,
                keys: &keys,
            };
            let v = ingest::certificate::verify(input, &app, &config, &rules.certificate_keys, now);
            std::hint::black_box(v.result.unwrap());
        });
    });
    group.bench_function("part_tekmac_hmac", |b| {
        let mac = domain::base64::decode_lenient(&kit::tekmac(secret, &keys)).unwrap();
        b.iter(|| domain::hmac::verify(secret, std::hint::black_box(&mac), &keys).unwrap());
    });
    group.bench_function("part_transform", |b| {
        let request = domain::TransformRequest {
            keys: accepted.keys.clone(),
            claims: accepted.claims,
            symptom_onset_interval: 0,
            batch_time: now,
            regions: vec!["US".into()],
            traveler: false,
            app_package_name: kit::APP.into(),
        };
        b.iter(|| std::hint::black_box(domain::transform(&request, &rules.policy)));
    });
    group.bench_function("part_token_open", |b| {
        b.iter(|| std::hint::black_box(rules.tokens.open(kit::APP, std::hint::black_box(&token))));
    });
    group.bench_function("part_token_mint", |b| {
        let entries = accepted.degraded_answer(&rules).token_entries;
        b.iter(|| {
            std::hint::black_box(
                rules
                    .tokens
                    .mint(kit::APP, std::hint::black_box(&entries))
                    .unwrap(),
            )
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
