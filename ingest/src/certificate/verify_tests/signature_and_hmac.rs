//! The signature, the allowed authorities and the HMAC (reference cases D13–D19), the lenient base64 of the HMAC and Go durations.

use super::*;

#[test]
fn signature_problems() {
    let f = Fixture::new();
    // Signed by another key.
    assert_eq!(
        f.reason(&f.other.sign_raw(f.header(), &f.claims(""))),
        "crypto/ecdsa: verification error"
    );
    // Tampered claims.
    let cert = f.signer.sign_raw(f.header(), &f.claims(""));
    let mut parts: Vec<String> = cert.split('.').map(str::to_owned).collect();
    parts[1] = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(f.claims("").replace("confirmed", "likely"));
    assert_eq!(
        f.reason(&parts.join(".")),
        "crypto/ecdsa: verification error"
    );
    // Truncated signature.
    let short = &cert[..cert.len() - 3];
    assert_eq!(f.reason(short), "crypto/ecdsa: verification error");
    // Bad signature plus expiry: the signature wins; plus not-yet-valid: that wins.
    let t = f.now.timestamp();
    let expired = f.claims("").replace(
        &format!(r#""exp":{}"#, t + 300),
        &format!(r#""exp":{}"#, t - 5),
    );
    assert_eq!(
        f.reason(&f.other.sign_raw(f.header(), &expired)),
        "crypto/ecdsa: verification error"
    );
    let early = f.claims(&format!(r#","nbf":{}"#, t + 60));
    assert_eq!(
        f.reason(&f.other.sign_raw(f.header(), &early)),
        NOT_VALID_YET
    );
}

#[test]
fn an_authority_the_app_does_not_allow_is_refused_after_the_signature() {
    let f = Fixture::new();
    let claims = f.claims("").replace("iss1", "iss2").replace("aud1", "aud2");
    assert_eq!(
        f.reason(&f.other.sign_raw(f.header(), &claims)),
        "app com.example.app has not authorized health authority issuer: iss2"
    );
    // With a bad signature, the signature is reported instead (checked first).
    assert_eq!(
        f.reason(&f.signer.sign_raw(f.header(), &claims)),
        "crypto/ecdsa: verification error"
    );
}

#[test]
fn report_type_and_hmac_inputs() {
    let f = Fixture::new();
    let claims = f.claims("").replace("confirmed", "positive");
    assert_eq!(
        f.reason(&f.signer.sign_raw(f.header(), &claims)),
        r#"invalid report type: "positive""#
    );
    let claims = f.claims("").replace("\"reportType\":\"confirmed\",", "");
    assert_eq!(
        f.reason(&f.signer.sign_raw(f.header(), &claims)),
        r#"invalid report type: """#
    );
    let claims = f
        .claims("")
        .replace(&testkit::tekmac(&f.secret, &f.keys), "!!");
    assert_eq!(
        f.reason(&f.signer.sign_raw(f.header(), &claims)),
        "error decoding HMAC from claims: illegal base64 data at input byte 0"
    );
    let cert = f.signer.sign_raw(f.header(), &f.claims(""));
    let input = CertificateInput {
        payload: &cert,
        hmac_key: "a!",
        keys: &f.keys,
    };
    let v = verify(input, &testkit::app(), &f.config, &f.cache, f.now);
    assert_eq!(
        v.result.unwrap_err(),
        "error decoding HMAC secret from publish request: illegal base64 data at input byte 1"
    );
    assert!(!v.keys_sorted);
}

#[test]
fn a_tampered_tekmac_or_no_keys_fail_the_hmac() {
    let f = Fixture::new();
    let good = testkit::tekmac(&f.secret, &f.keys);
    let claims = f.claims("").replace(&good, &format!("iruinedit{good}"));
    let v = f.run(&f.signer.sign_raw(f.header(), &claims));
    assert_eq!(
        v.result.unwrap_err(),
        "HMAC mismatch, publish request does not match disgnosis verification certificate"
    );
    assert!(
        v.keys_sorted,
        "the reference sorted the keys before comparing"
    );
    let cert = f.signer.sign_raw(f.header(), &f.claims(""));
    assert_eq!(
        f.run_keys(&cert, &[]).result.unwrap_err(),
        "calculating expected HMAC: cannot calculate hmac on empty exposure keys"
    );
}

#[test]
fn the_hmac_covers_short_forms_and_literal_key_strings() {
    let f = Fixture::new();
    // D17: every TR is 0, HMAC over `key.rsn.rp`.
    let mut sorted = f.keys.clone();
    domain::hmac::sort_keys(&mut sorted);
    let text: Vec<String> = sorted
        .iter()
        .map(|k| format!("{}.{}.{}", k.key, k.rolling_start_number, k.rolling_period))
        .collect();
    let mac = {
        use hmac_sha256::mac;
        mac(&f.secret, text.join(",").as_bytes())
    };
    let claims = f.claims("").replace(
        &testkit::tekmac(&f.secret, &f.keys),
        &base64::engine::general_purpose::STANDARD.encode(mac),
    );
    assert!(f
        .run(&f.signer.sign_raw(f.header(), &claims))
        .result
        .is_ok());

    // D19: over-padded key strings are hashed verbatim.
    let d19 = testkit::conformance_d19();
    let claims = format!(
        r#"{{"iss":"iss1","aud":"aud1","iat":{},"reportType":"confirmed","tekmac":"{}"}}"#,
        f.now.timestamp(),
        testkit::tekmac(&f.secret, &d19)
    );
    let v = f.run_keys(&f.signer.sign_raw(f.header(), &claims), &d19);
    assert!(v.result.is_ok());
    assert!(v.keys_sorted);
}

/// Minimal HMAC-SHA256 for the D17 test (independent of the code under test's canonical form).
mod hmac_sha256 {
    pub fn mac(key: &[u8], data: &[u8]) -> Vec<u8> {
        // HMAC(K, m) = H((K ^ opad) || H((K ^ ipad) || m)), block size 64.
        use sha2::Digest as _;
        let mut k = [0u8; 64];
        if key.len() > 64 {
            k[..32].copy_from_slice(&sha2::Sha256::digest(key));
        } else {
            k[..key.len()].copy_from_slice(key);
        }
        let inner: Vec<u8> = k
            .iter()
            .map(|b| b ^ 0x36)
            .chain(data.iter().copied())
            .collect();
        let inner = sha2::Sha256::digest(inner);
        let outer: Vec<u8> = k
            .iter()
            .map(|b| b ^ 0x5c)
            .chain(inner.iter().copied())
            .collect();
        sha2::Sha256::digest(outer).to_vec()
    }
}

proptest::proptest! {
    /// The strict fast path of the lenient decoder never changes a result.
    #[test]
    fn lenient_fast_path_agrees(s in "[A-Za-z0-9+/=_\\-]{0,48}") {
        let fast = lenient_base64(&s);
        proptest::prop_assert_eq!(fast, domain::base64::decode_lenient(&s));
    }
}

#[test]
fn go_durations() {
    for (seconds, go) in [(60, "1m0s"), (59, "59s"), (3605, "1h0m5s"), (0, "0s")] {
        assert_eq!(go_duration(seconds), go, "{seconds}s");
    }
}
