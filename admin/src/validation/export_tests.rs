//! Tests of `export`.

use super::*;
use crate::validation::test_support::{at, refused};
use crate::validation::Rejection;
use schemas::config::ConfigChange;

fn now() -> DateTime<Utc> {
    at(0)
}

fn config_form(root: &str, period: i64) -> ExportConfigForm {
    ExportConfigForm {
        filename_root: root.into(),
        period_seconds: Some(period),
        output_region: "US".into(),
        ..Default::default()
    }
}

fn fields(e: &ValidationError) -> Vec<&'static str> {
    e.problems.iter().filter_map(|p| p.field).collect()
}

/// Conformance case C45.
#[test]
fn periods_must_divide_a_day() {
    let snapshot = ConfigSnapshot::default();
    for bad in [25 * 3600, 0, 7 * 3600, -60, 86_401] {
        let Err(e) = create_export_config(&config_form("r", bad), &snapshot, now()) else {
            panic!("{bad} accepted")
        };
        assert_eq!(fields(&e), ["periodSeconds"]);
    }
    for good in [15 * 60, 2 * 3600, 24 * 3600, 1] {
        assert!(create_export_config(&config_form("r", good), &snapshot, now()).is_ok());
    }
    let mut form = config_form("r", 3600);
    form.period_seconds = None;
    let config = create_export_config(&form, &snapshot, now()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((config.period_seconds, config.from), (86_400, now()));
}

#[test]
fn regions_are_normalized_and_traveler_flags_are_exclusive() {
    let snapshot = ConfigSnapshot::default();
    let mut form = config_form("us/v1", 3600);
    form.input_regions = vec![" WA".into(), "".into(), "OR".into(), "WA".into()];
    form.max_records_override = Some(0);
    let config = create_export_config(&form, &snapshot, now()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.input_regions, ["OR", "WA"]);
    assert_eq!(config.max_records_override, None);
    form.include_travelers = true;
    form.only_non_travelers = true;
    form.filename_root = "../x".into();
    form.thru = Some(now() - chrono::Duration::hours(1));
    let e = refused(create_export_config(&form, &snapshot, now()));
    assert_eq!(fields(&e), ["filenameRoot", "onlyNonTravelers", "thru"]);
}

#[test]
fn signature_infos_must_exist_be_few_and_roots_unique() {
    let mut snapshot = ConfigSnapshot::default();
    let info = create_signature_info(
        &SignatureInfoForm {
            signing_key: "export-signing-key.pem".into(),
            signing_key_id: "310".into(),
            signing_key_version: "v1".into(),
            ..Default::default()
        },
        &snapshot,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(info.id, 1);
    snapshot.apply(&ConfigChange::SignatureInfoSaved { entity: info });
    let mut form = config_form("US", 3600);
    form.signature_info_ids = vec![1, 1];
    let config = create_export_config(&form, &snapshot, now()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.signature_info_ids, [1]);
    snapshot.apply(&ConfigChange::ExportConfigSaved { entity: config });
    form.filename_root = "us".into();
    let e = refused(create_export_config(&form, &snapshot, now()));
    assert_eq!(e.rejection, Rejection::Conflict);
    assert!(
        update_export_config(1, &form, &snapshot, now()).is_ok(),
        "its own root"
    );
    form.filename_root = "other".into();
    form.signature_info_ids = vec![1, 9];
    let e = refused(create_export_config(&form, &snapshot, now()));
    assert_eq!(
        (e.rejection, fields(&e)),
        (Rejection::Invalid, vec!["signatureInfoIds"])
    );
    form.signature_info_ids = (1..=11).collect();
    assert!(create_export_config(&form, &snapshot, now()).is_err());
    assert_eq!(
        update_export_config(5, &form, &snapshot, now()).map_err(|e| e.rejection),
        Err(Rejection::NotFound)
    );
}

#[test]
fn signature_info_fields_are_checked() {
    let snapshot = ConfigSnapshot::default();
    let e = refused(create_signature_info(
        &SignatureInfoForm {
            signing_key: "/etc/key.pem".into(),
            signing_key_id: "3 10".into(),
            signing_key_version: "v-1".into(),
            ..Default::default()
        },
        &snapshot,
    ));
    assert_eq!(
        fields(&e),
        ["signingKey", "signingKeyId", "signingKeyVersion"]
    );
    let e = refused(create_signature_info(
        &SignatureInfoForm::default(),
        &snapshot,
    ));
    assert_eq!(fields(&e), ["signingKey"]);
    assert_eq!(
        update_signature_info(1, &SignatureInfoForm::default(), &snapshot).map_err(|e| e.rejection),
        Err(Rejection::NotFound)
    );
}
