//! The v1alpha1 regions and key validity as time passes.

use super::*;

#[test]
fn v1alpha1_regions() {
    let mut f = Fixture::new();
    f.set_app(|a| a.regions = vec!["US".into(), "CA".into()]);
    let mut req = f.request(f.keys(&[1]), "confirmed");
    req.regions = Some(vec!["US".into(), "CA".into()]);
    req.traveler = true;
    let a = f.accepted(req.clone());
    assert_eq!(a.regions, ["US", "CA"]);
    assert!(a.transformed.exposures[0].traveler);
    req.regions = Some(vec!["US".into(), "MX".into()]);
    let r = f.refusal(req.clone());
    assert_eq!((r.status, r.code), (StatusCode::UNAUTHORIZED, None));
    assert_eq!(
        r.error,
        format!("verifying allowed regions: app {APP} tried to write to unauthorized region MX")
    );
    // Case-sensitive match.
    req.regions = Some(vec!["us".into()]);
    assert!(f.check(req.clone()).decision.is_err());
    // Empty: the app's regions.
    req.regions = Some(vec![]);
    assert_eq!(f.accepted(req.clone()).regions, ["US", "CA"]);
    // An app without regions allows any.
    f.set_app(|a| a.regions.clear());
    req.regions = Some(vec!["ZZ".into()]);
    assert_eq!(f.accepted(req).regions, ["ZZ"]);
}

#[test]
fn key_validity_follows_time() {
    let f = Fixture::new();
    let mut req = f.request(f.keys(&[1]), "confirmed");
    let later = f.now + Duration::days(1);
    let config = f.config.clone();
    let a = f
        .rules
        .check(req.clone(), Platform::Unknown, &config, true, &move || {
            later
        });
    // The certificate has expired by then.
    assert!(a
        .decision
        .unwrap_err()
        .error
        .contains("token is expired by"));
    req.verification_payload.clear();
    assert_eq!(
        f.refusal(req).code,
        Some(ErrorCode::VerificationCertificateInvalid)
    );
}
