//! The authorized app and its regions (reference cases C1–C5): unknown apps, case-insensitive lookup, the default region, regions as configured; a configuration not loaded yet.

use super::*;

#[test]
fn valid_publish_is_accepted() {
    let f = Fixture::new();
    let keys = f.keys(&[1, 2]);
    let a = f.accepted(f.request(keys.clone(), "confirmed"));
    assert_eq!(a.app, APP);
    assert_eq!(a.regions, ["US"]);
    assert_eq!(a.claims.unwrap().report_type, ReportType::Confirmed);
    assert_eq!(a.transformed.exposures.len(), 2);
    assert!(a.require_token);
    assert_eq!(a.platform, Platform::Android);
    // Keys are in key-string order once the HMAC step ran.
    let mut sorted = keys;
    domain::hmac::sort_keys(&mut sorted);
    assert_eq!(a.keys, sorted);
}

#[test]
fn configuration_not_loaded() {
    let f = Fixture::new();
    let now = f.now;
    let r = f.rules.check(
        f.request(f.keys(&[1]), "confirmed"),
        Platform::Unknown,
        &f.config,
        false,
        &move || now,
    );
    let r = r.decision.unwrap_err();
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(r.code, Some(ErrorCode::UnableToLoadHealthAuthority));
    assert!(r
        .error
        .starts_with("error loading health authority config: "));
}

#[test]
fn unknown_apps_are_refused_and_the_lookup_ignores_case() {
    let f = Fixture::new();
    let mut req = f.request(f.keys(&[1]), "confirmed");
    req.health_authority_id = "com.example.appWRONG".into();
    let r = f.refused_as(
        req.clone(),
        StatusCode::UNAUTHORIZED,
        ErrorCode::UnknownHealthAuthorityId,
    );
    assert_eq!(
        r.error,
        "unauthorized health authority: com.example.appWRONG"
    );
    assert_eq!(r.result, ResultLabel::UnauthorizedHealthAuthority);
    // A huge id comes back clipped, never whole.
    let mut huge = req.clone();
    huge.health_authority_id = "x".repeat(60_000);
    let r = f.refusal(huge);
    assert!(r.error.len() < 300, "{} bytes", r.error.len());
    req.health_authority_id = "COM.Example.APP".into();
    assert_eq!(f.accepted(req).app, APP);
}

#[test]
fn an_app_without_regions_takes_the_default_region_or_is_refused() {
    let mut f = Fixture::new();
    f.set_app(|a| a.regions.clear());
    let r = f.refused_as(
        f.request(f.keys(&[1]), "confirmed"),
        StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::HealthAuthorityMissingRegionConfig,
    );
    assert_eq!(
        r.error,
        format!("unknown health authority regions for {APP}")
    );
    // Regions are checked before the certificate.
    let mut bad_cert = f.request(f.keys(&[1]), "confirmed");
    bad_cert.verification_payload = "garbage".into();
    assert_eq!(
        f.refusal(bad_cert).code,
        Some(ErrorCode::HealthAuthorityMissingRegionConfig)
    );
    f.rules.default_region = Some("CA".into());
    assert_eq!(
        f.accepted(f.request(f.keys(&[1]), "confirmed")).regions,
        ["CA"]
    );
}

#[test]
fn regions_are_passed_as_configured_and_deduplicated() {
    let mut f = Fixture::new();
    f.set_app(|a| a.regions = vec!["us".into(), "ca".into(), "us".into()]);
    let a = f.accepted(f.request(f.keys(&[1]), "confirmed"));
    assert_eq!(a.regions, ["us", "ca"]);
    // The transform upper-cases them for storage.
    assert_eq!(a.transformed.exposures[0].regions, ["CA", "US"]);
}
