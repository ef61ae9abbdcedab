//! Criterion benchmark of the publish transform over a full batch of 30 keys.

use chrono::{DateTime, TimeZone, Utc};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use domain::interval::{interval_of, midnight};
use domain::{
    base64::encode_std, hmac, transform, Claims, PublishPolicy, RawKey, ReportType,
    TransformRequest,
};

fn batch_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 6, 15, 15, 37, 0)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

/// 30 keys: 14 full days, then 16 same-day-sized keys spread over the last day's slots, so that
/// the overlap and same-start scans see realistic input.
fn request() -> TransformRequest {
    let today = midnight(interval_of(batch_time()));
    let mut keys = Vec::with_capacity(30);
    for i in 0..14u8 {
        keys.push(RawKey {
            key: encode_std(&[i; 16]),
            rolling_start_number: today - 144 * (i32::from(i) + 1),
            rolling_period: 144,
            transmission_risk: 0,
        });
    }
    for i in 0..16u8 {
        keys.push(RawKey {
            key: encode_std(&[100 + i; 16]),
            rolling_start_number: today + 6 * i32::from(i),
            rolling_period: 6,
            transmission_risk: i64::from(i % 9),
        });
    }
    hmac::sort_keys(&mut keys);
    TransformRequest {
        keys,
        claims: Some(Claims {
            health_authority_id: 1,
            report_type: ReportType::Confirmed,
            symptom_onset_interval: 0,
        }),
        symptom_onset_interval: today - 3 * 144,
        batch_time: batch_time(),
        regions: vec!["us".into(), "ca".into()],
        traveler: false,
        app_package_name: "com.Example.App".into(),
    }
}

fn bench_transform(c: &mut Criterion) {
    let req = request();
    let policy = PublishPolicy::default();
    // Measure the success path: every key must survive.
    assert!(matches!(
        transform(&req, &policy),
        domain::TransformOutcome::Transformed(ref t) if t.exposures.len() == 30
    ));
    c.bench_function("transform_30_keys", |b| {
        b.iter(|| transform(black_box(&req), black_box(&policy)))
    });
    c.bench_function("hmac_verify_30_keys", |b| {
        let mac = hmac::compute(b"secret", &req.keys).unwrap_or([0; 32]);
        b.iter(|| hmac::verify(black_box(b"secret"), black_box(&mac), black_box(&req.keys)))
    });
}

criterion_group!(benches, bench_transform);
criterion_main!(benches);
