//! The certificate's form, header and claims (reference cases D1–D11): not a JWT, algorithm and kid, issuer and audience, the key's validity window, expiry and not-before.

use super::*;

#[test]
fn valid_certificate_yields_claims() {
    let f = Fixture::new();
    let v = f.run(
        &f.signer
            .sign_raw(f.header(), &f.claims(r#","symptomOnsetInterval":123"#)),
    );
    let claims = v.result.unwrap();
    assert_eq!(claims.health_authority_id, 1);
    assert_eq!(claims.report_type, ReportType::Confirmed);
    assert_eq!(claims.symptom_onset_interval, 123);
    assert!(v.keys_sorted);
}

#[test]
fn a_payload_that_is_not_a_jwt_is_refused() {
    let f = Fixture::new();
    assert_eq!(
        f.reason("totally not a JWT"),
        "token contains an invalid number of segments"
    );
    assert_eq!(f.reason(""), "token contains an invalid number of segments");
    assert!(!f.run("").keys_sorted);
}

#[test]
fn algorithm_and_kid() {
    let f = Fixture::new();
    assert_eq!(
        f.reason(
            &f.signer
                .sign_raw(r#"{"alg":"HS256","kid":"v1"}"#, &f.claims(""))
        ),
        "unsupported signing method, must be ES256"
    );
    assert_eq!(
        f.reason(
            &f.signer
                .sign_raw(r#"{"alg":"none","kid":"v1"}"#, &f.claims(""))
        ),
        "unsupported signing method, must be ES256"
    );
    // D3.
    assert_eq!(
        f.reason(&f.signer.sign_raw(r#"{"alg":"ES256"}"#, &f.claims(""))),
        "missing required header field, 'kid' indicating key id"
    );
    // A numeric kid never matches a key version.
    assert_eq!(
        f.reason(
            &f.signer
                .sign_raw(r#"{"alg":"ES256","kid":1}"#, &f.claims(""))
        ),
        "no active public keys for health authority"
    );
    assert_eq!(
        f.reason(
            &f.signer
                .sign_raw(r#"{"alg":"ES256","kid":"v2"}"#, &f.claims(""))
        ),
        "no active public keys for health authority"
    );
}

#[test]
fn issuer_and_audience_must_match() {
    let f = Fixture::new();
    let claims = f.claims("").replace(r#""iss":"iss1""#, r#""iss":"foo""#);
    assert_eq!(
        f.reason(&f.signer.sign_raw(f.header(), &claims)),
        "issuer not found: foo"
    );
    let claims = f.claims("").replace(r#""aud":"aud1""#, r#""aud":"other""#);
    assert_eq!(
        f.reason(&f.signer.sign_raw(f.header(), &claims)),
        "audience mismatch for issuer: iss1 (+other, -aud1)"
    );
    let claims = f.claims("").replace(r#""aud":"aud1""#, r#""aud":["aud1"]"#);
    assert_eq!(
        f.reason(&f.signer.sign_raw(f.header(), &claims)),
        "json: cannot unmarshal array into Go struct field VerificationClaims.aud of type string"
    );
}

#[test]
fn the_key_must_be_valid_at_issue_time() {
    let mut f = Fixture::new();
    let mut future = f.config.key(1, "v1").cloned().unwrap();
    future.from = f.now + Duration::hours(1);
    f.config.apply(&ConfigChange::HealthAuthorityKeySaved {
        entity: future.clone(),
    });
    let cert = f.signer.sign_raw(f.header(), &f.claims(""));
    assert_eq!(
        f.reason(&cert),
        "no active public keys for health authority"
    );
    // Revoked: `thru` in the past.
    let revoked = HealthAuthorityKey {
        from: f.now - Duration::hours(2),
        thru: Some(f.now - Duration::seconds(1)),
        ..future
    };
    f.config.apply(&ConfigChange::HealthAuthorityKeySaved {
        entity: revoked.clone(),
    });
    assert_eq!(
        f.reason(&cert),
        "no active public keys for health authority"
    );
    let active = HealthAuthorityKey {
        thru: Some(f.now + Duration::seconds(1)),
        ..revoked
    };
    f.config
        .apply(&ConfigChange::HealthAuthorityKeySaved { entity: active });
    assert!(f.run(&cert).result.is_ok());
}

#[test]
fn expired_and_not_yet_valid_certificates_are_refused() {
    let f = Fixture::new();
    let t = f.now.timestamp();
    let claims = f
        .claims("")
        .replace(&format!(r#""iat":{t}"#), &format!(r#""iat":{}"#, t - 360))
        .replace(
            &format!(r#""exp":{}"#, t + 300),
            &format!(r#""exp":{}"#, t - 60),
        );
    assert_eq!(
        f.reason(&f.signer.sign_raw(f.header(), &claims)),
        "token is expired by 1m0s"
    );
    // exp == now is still valid; iat == now too.
    let claims = f
        .claims("")
        .replace(&format!(r#""exp":{}"#, t + 300), &format!(r#""exp":{t}"#));
    assert!(f
        .run(&f.signer.sign_raw(f.header(), &claims))
        .result
        .is_ok());
    let claims = f.claims(&format!(r#","nbf":{}"#, t + 600));
    let v = f.run(&f.signer.sign_raw(f.header(), &claims));
    assert_eq!(v.result.unwrap_err(), NOT_VALID_YET);
    assert!(v.not_yet_valid);
    let claims = f
        .claims("")
        .replace(&format!(r#""iat":{t}"#), &format!(r#""iat":{}"#, t + 1));
    assert_eq!(
        f.reason(&f.signer.sign_raw(f.header(), &claims)),
        NOT_VALID_YET
    );
    // Missing exp never expires.
    let claims = format!(
        r#"{{"iss":"iss1","aud":"aud1","reportType":"likely","tekmac":"{}"}}"#,
        testkit::tekmac(&f.secret, &f.keys)
    );
    assert!(f
        .run(&f.signer.sign_raw(f.header(), &claims))
        .result
        .is_ok());
}
