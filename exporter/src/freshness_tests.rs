//! The freshness rules: lateness per period, the stalest config wins, inactive configs are
//! ignored, and signing validity is the earliest moment a config runs out of signers.

#![allow(clippy::unwrap_used)] // test code

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use config::ConfigSnapshot;
use schemas::config::{ConfigChange, ExportConfig, SignatureInfo};

use super::assess;

fn t(h: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).single().unwrap() + Duration::hours(h)
}

fn config(id: i64, period_hours: i64, signers: Vec<i64>) -> ExportConfig {
    ExportConfig {
        id,
        filename_root: format!("c{id}"),
        period_seconds: period_hours * 3600,
        output_region: "US".into(),
        input_regions: vec![],
        exclude_regions: vec![],
        include_travelers: false,
        only_non_travelers: false,
        from: t(0),
        thru: None,
        max_records_override: None,
        signature_info_ids: signers,
    }
}

fn info(id: i64, thru: Option<DateTime<Utc>>) -> SignatureInfo {
    SignatureInfo {
        id,
        signing_key: format!("k{id}.pem"),
        signing_key_id: "310".into(),
        signing_key_version: "v1".into(),
        app_package_name: None,
        bundle_id: None,
        thru,
    }
}

fn snapshot(configs: Vec<ExportConfig>, infos: Vec<SignatureInfo>) -> ConfigSnapshot {
    let mut s = ConfigSnapshot::default();
    for entity in infos {
        s.apply(&ConfigChange::SignatureInfoSaved { entity });
    }
    for entity in configs {
        s.apply(&ConfigChange::ExportConfigSaved { entity });
    }
    s
}

#[allow(clippy::cast_precision_loss)]
fn secs(t: DateTime<Utc>) -> f64 {
    t.timestamp() as f64
}

#[test]
fn the_stalest_config_sets_the_lateness_in_excess_of_its_period() {
    let s = snapshot(vec![config(1, 1, vec![]), config(2, 4, vec![])], vec![]);
    // Config 1 completed up to 09:00, config 2 up to 02:00; now is 10:30.
    let newest = BTreeMap::from([(1, t(9)), (2, t(2))]);
    let f = assess(&s, &newest, t(10) + Duration::minutes(30));
    // Config 2: 8.5 h behind, minus its 4 h period.
    assert!((f.late_seconds - 4.5 * 3600.0).abs() < 1e-6, "{f:?}");
    assert_eq!(f.newest_batch_end, Some(secs(t(9))));
}

#[test]
fn a_config_on_time_is_not_late_and_one_without_batches_counts_from_its_start() {
    let s = snapshot(vec![config(1, 1, vec![])], vec![]);
    let on_time = assess(
        &s,
        &BTreeMap::from([(1, t(9))]),
        t(9) + Duration::minutes(50),
    );
    assert!(on_time.late_seconds.abs() < 1e-6, "{on_time:?}");
    let never = assess(&s, &BTreeMap::new(), t(3));
    assert!(
        (never.late_seconds - 2.0 * 3600.0).abs() < 1e-6,
        "{never:?}"
    );
    assert_eq!(never.newest_batch_end, None);
}

#[test]
fn ended_and_future_configs_are_ignored() {
    let mut ended = config(1, 1, vec![]);
    ended.thru = Some(t(2));
    let mut future = config(2, 1, vec![]);
    future.from = t(100);
    let f = assess(
        &snapshot(vec![ended, future], vec![]),
        &BTreeMap::new(),
        t(50),
    );
    assert!(f.late_seconds.abs() < 1e-6, "{f:?}");
    assert!(f.signers_valid_until.is_infinite());
}

#[test]
fn signers_are_valid_until_the_last_active_info_of_the_worst_config_ends() {
    let infos = vec![
        info(1, Some(t(10))),
        info(2, Some(t(30))),
        info(3, None),
        info(4, Some(t(1))),
    ];
    // Config 1 keeps a signer until 30 h (the later of 1 and 2); config 2 forever.
    let s = snapshot(
        vec![config(1, 1, vec![1, 2, 4]), config(2, 1, vec![3])],
        infos.clone(),
    );
    let f = assess(&s, &BTreeMap::new(), t(5));
    assert_eq!(f.signers_valid_until, secs(t(30)));
    // A config whose every info ended has no signer: valid until now, at the latest.
    let s = snapshot(vec![config(1, 1, vec![4])], infos);
    let f = assess(&s, &BTreeMap::new(), t(5));
    assert_eq!(f.signers_valid_until, secs(t(5)));
}
