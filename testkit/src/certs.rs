//! Verification certificates as a health authority's verification server issues them: ES256
//! JWTs over the TEK HMAC, signed with a P-256 key generated per test.

use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use domain::RawKey;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::{EncodePublicKey as _, LineEnding};
use serde::Serialize;

/// A health authority's P-256 signing key, its key version (the JWT `kid`) and PEM public key.
#[derive(Debug, Clone)]
pub struct SigningAuthority {
    /// The JWT `kid` its certificates carry.
    pub key_version: String,
    /// PEM (SPKI) of the public key, as the key server is told it.
    pub public_key_pem: String,
    key: SigningKey,
}

impl SigningAuthority {
    /// A fresh random key with version `key_version`.
    pub fn generate(key_version: &str) -> Self {
        let key = SigningKey::random(&mut rand::rngs::OsRng);
        let public_key_pem = key
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap_or_default();
        Self {
            key_version: key_version.to_owned(),
            public_key_pem,
            key,
        }
    }

    /// A compact JWS over exactly the given header and claims JSON (for certificates that are
    /// wrong on purpose: another algorithm, a `kid` that is a number, …).
    pub fn sign_raw(&self, header: &str, claims: &str) -> String {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let input = format!("{}.{}", b64.encode(header), b64.encode(claims));
        let signature: Signature = self.key.sign(input.as_bytes());
        format!("{input}.{}", b64.encode(signature.to_bytes()))
    }

    /// Signs `claims` as an ES256 JWT with this key's `kid`.
    pub fn sign<C: Serialize>(&self, claims: &C) -> String {
        self.sign_with_header(claims, Some(&self.key_version))
    }

    /// Signs `claims` as an ES256 JWT with an explicit `kid` (or none).
    pub fn sign_with_header<C: Serialize>(&self, claims: &C, kid: Option<&str>) -> String {
        let header = match kid {
            Some(kid) => serde_json::json!({"typ": "JWT", "alg": "ES256", "kid": kid}),
            None => serde_json::json!({"typ": "JWT", "alg": "ES256"}),
        };
        let claims = serde_json::to_string(claims).unwrap_or_default();
        self.sign_raw(&header.to_string(), &claims)
    }

    /// A valid certificate for `keys` under `secret`, issued `now` by `iss1` for `aud1` (the
    /// fixture's first health authority), valid for five minutes.
    pub fn certificate(
        &self,
        keys: &[RawKey],
        secret: &[u8],
        report_type: &str,
        now: DateTime<Utc>,
    ) -> String {
        let claims = serde_json::json!({
            "iss": "iss1",
            "aud": "aud1",
            "iat": now.timestamp(),
            "exp": (now + Duration::minutes(5)).timestamp(),
            "reportType": report_type,
            "tekmac": tekmac(secret, keys),
        });
        self.sign(&claims)
    }
}

/// `tekmac` for `keys` under `secret` (standard base64): the HMAC-SHA256 of the keys as the
/// phone computes it.
pub fn tekmac(secret: &[u8], keys: &[RawKey]) -> String {
    let mac = domain::hmac::compute(secret, keys).unwrap_or_default();
    base64::engine::general_purpose::STANDARD.encode(mac)
}
