//! Certificates and keys as the edge applies them (reference cases D19, D21, E1, E15): a failing certificate and the bypass, whole-batch rejection by default and partial failure when allowed, no keys.

use super::*;

#[test]
fn certificate_failure_and_bypass() {
    let mut f = Fixture::new();
    let mut req = f.request(f.keys(&[1]), "confirmed");
    req.verification_payload = "totally not a JWT".into();
    let r = f.refused_as(
        req.clone(),
        StatusCode::UNAUTHORIZED,
        ErrorCode::VerificationCertificateInvalid,
    );
    assert_eq!(
        r.error,
        "unable to validate diagnosis verification: token contains an invalid number of segments"
    );
    assert_eq!(r.result, ResultLabel::BadVerification);

    f.set_app(|a| a.bypass_health_authority_verification = true);
    let checked = f.check(req);
    assert!(checked.notes.verification_bypassed);
    let a = checked.decision.unwrap();
    assert_eq!(a.claims, None);
    assert_eq!(
        a.transformed.exposures[0].report_type,
        ReportType::Unspecified
    );
    // A valid certificate is applied even when bypass is on.
    let a = f.accepted(f.request(f.keys(&[1]), "likely"));
    assert_eq!(a.claims.unwrap().report_type, ReportType::Likely);
}

#[test]
fn old_keys_are_listed_in_key_string_order() {
    let f = Fixture::new();
    let r = f.refused_as(
        f.request(testkit::conformance_d19(), "confirmed"),
        StatusCode::BAD_REQUEST,
        ErrorCode::BadRequest,
    );
    assert!(r.error.starts_with("unable to read request data: 3 errors occurred:\n\t* key 0 cannot be imported: key expires before minimum window; 2650320 + 144"), "{}", r.error);
    assert_eq!(r.result, ResultLabel::TransformFailed);
}

/// Reference case E1: five keys of which four are bad, sent by an app that bypasses the
/// certificate check.
fn e1_request(f: &mut Fixture) -> PublishRequestData {
    f.set_app(|a| a.bypass_health_authority_verification = true);
    let mut keys = f.keys(&[1, 2, 3, 4, 5]);
    keys[1].key = base64::engine::general_purpose::STANDARD.encode([0u8; 18]);
    keys[2].rolling_start_number = 100;
    keys[3].rolling_period = 200;
    keys[4].rolling_start_number += 100_000;
    PublishRequestData {
        keys,
        health_authority_id: APP.into(),
        ..Default::default()
    }
}

#[test]
fn a_bad_key_rejects_the_whole_batch_by_default() {
    let mut f = Fixture::new();
    let req = e1_request(&mut f);
    let r = f.refused_as(req, StatusCode::BAD_REQUEST, ErrorCode::BadRequest);
    assert!(r.error.starts_with("unable to read request data: 4 errors occurred:\n\t* key 1 cannot be imported: invalid key length, 18, must be 16"), "{}", r.error);
    assert!(r
        .error
        .contains("key 3 cannot be imported: invalid interval count, 200, must be >= 1 && <= 144"));
}

#[test]
fn partial_failure_keeps_the_valid_keys_when_allowed() {
    let mut f = Fixture::new();
    f.rules = rules(PublishPolicy {
        allow_partial_failure: true,
        ..PublishPolicy::default()
    });
    let req = e1_request(&mut f);
    let a = f.accepted(req);
    let answer = a.degraded_answer(&f.rules);
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.code.as_deref(), Some("partial_failure"));
    assert!(answer.error.starts_with("4 errors occurred:"));
    assert_eq!(answer.inserted, 1);
    assert_eq!(answer.token_entries.len(), 1);
    assert!(a.event(&f.rules, "me").settings.allow_partial_failure);
}

#[test]
fn a_publish_without_keys_is_refused() {
    let mut f = Fixture::new();
    let r = f.refusal(f.request(vec![], "confirmed"));
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r
        .error
        .ends_with("calculating expected HMAC: cannot calculate hmac on empty exposure keys"));
    f.set_app(|a| a.bypass_health_authority_verification = true);
    let r = f.refusal(PublishRequestData {
        health_authority_id: APP.into(),
        ..Default::default()
    });
    assert_eq!(
        r.error,
        "unable to read request data: no exposure keys in publish request"
    );
}
