//! Certificate verification: every reason of the reference, in its order, with keys generated
//! here.

use super::*;
use crate::testkit::{self, Signer};
use chrono::Duration;
use schemas::config::{ConfigChange, HealthAuthorityKey};

struct Fixture {
    signer: Signer,
    other: Signer,
    now: DateTime<Utc>,
    config: ConfigSnapshot,
    keys: Vec<RawKey>,
    secret: Vec<u8>,
    cache: KeyCache,
}

impl Fixture {
    fn new() -> Self {
        let signer = Signer::generate();
        let other = Signer::generate();
        let now = Utc::now();
        let config = testkit::fixture(&signer, &other, now);
        let keys = vec![testkit::key_days_ago(1, now), testkit::key_days_ago(2, now)];
        Self {
            signer,
            other,
            now,
            config,
            keys,
            secret: b"device secret".to_vec(),
            cache: KeyCache::default(),
        }
    }

    fn claims(&self, extra: &str) -> String {
        format!(
            r#"{{"iss":"iss1","aud":"aud1","iat":{},"exp":{},"reportType":"confirmed","tekmac":"{}"{extra}}}"#,
            self.now.timestamp(),
            (self.now + Duration::minutes(5)).timestamp(),
            testkit::tekmac(&self.secret, &self.keys),
        )
    }

    fn run(&self, payload: &str) -> Verification {
        self.run_keys(payload, &self.keys)
    }

    fn run_keys(&self, payload: &str, keys: &[RawKey]) -> Verification {
        let hmac_key = base64::engine::general_purpose::STANDARD.encode(&self.secret);
        let input = CertificateInput {
            payload,
            hmac_key: &hmac_key,
            keys,
        };
        verify(input, &testkit::app(), &self.config, &self.cache, self.now)
    }

    fn reason(&self, payload: &str) -> String {
        self.run(payload).result.unwrap_err()
    }

    fn header(&self) -> &'static str {
        r#"{"alg":"ES256","kid":"v1"}"#
    }
}

#[test]
fn valid_certificate_yields_claims() {
    let f = Fixture::new();
    let v = f.run(
        &f.signer
            .sign(f.header(), &f.claims(r#","symptomOnsetInterval":123"#)),
    );
    let claims = v.result.unwrap();
    assert_eq!(claims.health_authority_id, 1);
    assert_eq!(claims.report_type, ReportType::Confirmed);
    assert_eq!(claims.symptom_onset_interval, 123);
    assert!(v.keys_sorted);
}

#[test]
fn d1_not_a_jwt() {
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
                .sign(r#"{"alg":"HS256","kid":"v1"}"#, &f.claims(""))
        ),
        "unsupported signing method, must be ES256"
    );
    assert_eq!(
        f.reason(&f.signer.sign(r#"{"alg":"none","kid":"v1"}"#, &f.claims(""))),
        "unsupported signing method, must be ES256"
    );
    // D3.
    assert_eq!(
        f.reason(&f.signer.sign(r#"{"alg":"ES256"}"#, &f.claims(""))),
        "missing required header field, 'kid' indicating key id"
    );
    // A numeric kid never matches a key version.
    assert_eq!(
        f.reason(&f.signer.sign(r#"{"alg":"ES256","kid":1}"#, &f.claims(""))),
        "no active public keys for health authority"
    );
    assert_eq!(
        f.reason(
            &f.signer
                .sign(r#"{"alg":"ES256","kid":"v2"}"#, &f.claims(""))
        ),
        "no active public keys for health authority"
    );
}

#[test]
fn d7_issuer_and_audience() {
    let f = Fixture::new();
    let claims = f.claims("").replace(r#""iss":"iss1""#, r#""iss":"foo""#);
    assert_eq!(
        f.reason(&f.signer.sign(f.header(), &claims)),
        "issuer not found: foo"
    );
    let claims = f.claims("").replace(r#""aud":"aud1""#, r#""aud":"other""#);
    assert_eq!(
        f.reason(&f.signer.sign(f.header(), &claims)),
        "audience mismatch for issuer: iss1 (+other, -aud1)"
    );
    let claims = f.claims("").replace(r#""aud":"aud1""#, r#""aud":["aud1"]"#);
    assert_eq!(
        f.reason(&f.signer.sign(f.header(), &claims)),
        "json: cannot unmarshal array into Go struct field VerificationClaims.aud of type string"
    );
}

#[test]
fn d5_key_validity_window() {
    let mut f = Fixture::new();
    let mut future = f.config.key(1, "v1").cloned().unwrap();
    future.from = f.now + Duration::hours(1);
    f.config.apply(&ConfigChange::HealthAuthorityKeySaved {
        entity: future.clone(),
    });
    let cert = f.signer.sign(f.header(), &f.claims(""));
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
fn d9_expired_and_d11_not_yet_valid() {
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
        f.reason(&f.signer.sign(f.header(), &claims)),
        "token is expired by 1m0s"
    );
    // exp == now is still valid; iat == now too.
    let claims = f
        .claims("")
        .replace(&format!(r#""exp":{}"#, t + 300), &format!(r#""exp":{t}"#));
    assert!(f.run(&f.signer.sign(f.header(), &claims)).result.is_ok());
    let claims = f.claims(&format!(r#","nbf":{}"#, t + 600));
    let v = f.run(&f.signer.sign(f.header(), &claims));
    assert_eq!(v.result.unwrap_err(), NOT_VALID_YET);
    assert!(v.not_yet_valid);
    let claims = f
        .claims("")
        .replace(&format!(r#""iat":{t}"#), &format!(r#""iat":{}"#, t + 1));
    assert_eq!(f.reason(&f.signer.sign(f.header(), &claims)), NOT_VALID_YET);
    // Missing exp never expires.
    let claims = format!(
        r#"{{"iss":"iss1","aud":"aud1","reportType":"likely","tekmac":"{}"}}"#,
        testkit::tekmac(&f.secret, &f.keys)
    );
    assert!(f.run(&f.signer.sign(f.header(), &claims)).result.is_ok());
}

#[test]
fn signature_problems() {
    let f = Fixture::new();
    // Signed by another key.
    assert_eq!(
        f.reason(&f.other.sign(f.header(), &f.claims(""))),
        "crypto/ecdsa: verification error"
    );
    // Tampered claims.
    let cert = f.signer.sign(f.header(), &f.claims(""));
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
        f.reason(&f.other.sign(f.header(), &expired)),
        "crypto/ecdsa: verification error"
    );
    let early = f.claims(&format!(r#","nbf":{}"#, t + 60));
    assert_eq!(f.reason(&f.other.sign(f.header(), &early)), NOT_VALID_YET);
}

#[test]
fn d13_health_authority_not_allowed_after_signature() {
    let f = Fixture::new();
    let claims = f.claims("").replace("iss1", "iss2").replace("aud1", "aud2");
    assert_eq!(
        f.reason(&f.other.sign(f.header(), &claims)),
        "app com.example.app has not authorized health authority issuer: iss2"
    );
    // With a bad signature, the signature is reported instead (checked first).
    assert_eq!(
        f.reason(&f.signer.sign(f.header(), &claims)),
        "crypto/ecdsa: verification error"
    );
}

#[test]
fn report_type_and_hmac_inputs() {
    let f = Fixture::new();
    let claims = f.claims("").replace("confirmed", "positive");
    assert_eq!(
        f.reason(&f.signer.sign(f.header(), &claims)),
        r#"invalid report type: "positive""#
    );
    let claims = f.claims("").replace("\"reportType\":\"confirmed\",", "");
    assert_eq!(
        f.reason(&f.signer.sign(f.header(), &claims)),
        r#"invalid report type: """#
    );
    let claims = f
        .claims("")
        .replace(&testkit::tekmac(&f.secret, &f.keys), "!!");
    assert_eq!(
        f.reason(&f.signer.sign(f.header(), &claims)),
        "error decoding HMAC from claims: illegal base64 data at input byte 0"
    );
    let cert = f.signer.sign(f.header(), &f.claims(""));
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
fn d15_tampered_tekmac_and_d21_no_keys() {
    let f = Fixture::new();
    let good = testkit::tekmac(&f.secret, &f.keys);
    let claims = f.claims("").replace(&good, &format!("iruinedit{good}"));
    let v = f.run(&f.signer.sign(f.header(), &claims));
    assert_eq!(
        v.result.unwrap_err(),
        "HMAC mismatch, publish request does not match disgnosis verification certificate"
    );
    assert!(
        v.keys_sorted,
        "the reference sorted the keys before comparing"
    );
    let cert = f.signer.sign(f.header(), &f.claims(""));
    assert_eq!(
        f.run_keys(&cert, &[]).result.unwrap_err(),
        "calculating expected HMAC: cannot calculate hmac on empty exposure keys"
    );
}

#[test]
fn d17_short_form_and_d19_literal_keys() {
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
    assert!(f.run(&f.signer.sign(f.header(), &claims)).result.is_ok());

    // D19: over-padded key strings are hashed verbatim.
    let d19 = [
        ("IRgYIhYiy4WMl9z68bMk6w==", 2_650_032),
        ("dPCphLzfG4uzXneNimkPRQ====", 2_650_176),
        ("5AUyPfJKcg5cr3OgKdR8Sw==", 2_650_320),
    ]
    .map(|(k, s)| RawKey {
        key: k.into(),
        rolling_start_number: s,
        rolling_period: 144,
        transmission_risk: 4,
    });
    let claims = format!(
        r#"{{"iss":"iss1","aud":"aud1","iat":{},"reportType":"confirmed","tekmac":"{}"}}"#,
        f.now.timestamp(),
        testkit::tekmac(&f.secret, &d19)
    );
    let v = f.run_keys(&f.signer.sign(f.header(), &claims), &d19);
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
    assert_eq!(go_duration(60), "1m0s");
    assert_eq!(go_duration(59), "59s");
    assert_eq!(go_duration(3605), "1h0m5s");
    assert_eq!(go_duration(0), "0s");
}
