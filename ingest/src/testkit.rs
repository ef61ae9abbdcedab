//! Test helpers: ES256 certificates minted with a key generated in the test, and a configuration
//! snapshot with the conformance fixture (HA1 `iss1`/`aud1` key `v1`, app `com.example.app`).
//!
//! Shared by the unit tests and the benchmark (which includes this file by path).

#![allow(dead_code)]

use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use config::ConfigSnapshot;
use domain::RawKey;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::{EncodePublicKey as _, LineEnding};
use schemas::config::{AuthorizedApp, ConfigChange, HealthAuthority, HealthAuthorityKey};

/// The conformance fixture's app name.
pub const APP: &str = "com.example.app";

/// A health authority signing key.
pub struct Signer {
    key: SigningKey,
}

impl Signer {
    /// A fresh random P-256 key.
    pub fn generate() -> Self {
        Self {
            key: SigningKey::random(&mut rand::rngs::OsRng),
        }
    }

    /// PEM `PUBLIC KEY` of the verifying key.
    pub fn public_pem(&self) -> String {
        self.key
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap_or_default()
    }

    /// A compact JWS over the given header and claims JSON.
    pub fn sign(&self, header: &str, claims: &str) -> String {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let input = format!("{}.{}", b64.encode(header), b64.encode(claims));
        let signature: Signature = self.key.sign(input.as_bytes());
        format!("{input}.{}", b64.encode(signature.to_bytes()))
    }
}

/// `tekmac` for `keys` under `secret` (standard base64).
pub fn tekmac(secret: &[u8], keys: &[RawKey]) -> String {
    let mac = domain::hmac::compute(secret, keys).unwrap_or_default();
    base64::engine::general_purpose::STANDARD.encode(mac)
}

/// A valid certificate for `keys` under `secret`, issued `now` by `iss1` for `aud1`, kid `v1`.
pub fn certificate(
    signer: &Signer,
    keys: &[RawKey],
    secret: &[u8],
    report_type: &str,
    now: DateTime<Utc>,
) -> String {
    let claims = format!(
        r#"{{"iss":"iss1","aud":"aud1","iat":{},"exp":{},"reportType":"{report_type}","tekmac":"{}"}}"#,
        now.timestamp(),
        (now + Duration::minutes(5)).timestamp(),
        tekmac(secret, keys)
    );
    signer.sign(r#"{"alg":"ES256","kid":"v1","typ":"JWT"}"#, &claims)
}

/// The fixture configuration: HA1 (`iss1`, `aud1`, key `v1` valid from `now - 1m`), HA2 (`iss2`,
/// `aud2`, key `v1` signed by `other`), and the app `com.example.app` (regions `US`, allows HA1).
pub fn fixture(signer: &Signer, other: &Signer, now: DateTime<Utc>) -> ConfigSnapshot {
    let mut snapshot = ConfigSnapshot::default();
    for (id, iss, aud, key) in [(1, "iss1", "aud1", signer), (2, "iss2", "aud2", other)] {
        snapshot.apply(&ConfigChange::HealthAuthoritySaved {
            entity: HealthAuthority {
                id,
                issuer: iss.into(),
                audience: aud.into(),
                name: format!("HA{id}"),
                jwks_uri: None,
                enable_stats: true,
            },
        });
        snapshot.apply(&ConfigChange::HealthAuthorityKeySaved {
            entity: HealthAuthorityKey {
                health_authority_id: id,
                version: "v1".into(),
                public_key_pem: key.public_pem(),
                from: now - Duration::minutes(1),
                thru: None,
            },
        });
    }
    snapshot.apply(&ConfigChange::AuthorizedAppSaved { entity: app() });
    snapshot
}

/// The fixture app.
pub fn app() -> AuthorizedApp {
    AuthorizedApp {
        health_authority_id: APP.into(),
        regions: vec!["US".into()],
        allowed_health_authority_ids: vec![1],
        bypass_health_authority_verification: false,
        bypass_revision_token: false,
    }
}

/// `K(n)` of the conformance fixture: a random key starting `n` days before today's midnight.
pub fn key_days_ago(n: i32, now: DateTime<Utc>) -> RawKey {
    let today = domain::interval::midnight(domain::interval::interval_of(now));
    let bytes: [u8; 16] = rand::random();
    RawKey {
        key: base64::engine::general_purpose::STANDARD.encode(bytes),
        rolling_start_number: today - 144 * n,
        rolling_period: 144,
        transmission_risk: 0,
    }
}
