//! Verification certificates as a health authority's verification server issues them:
//! ES256 JWTs over the TEK HMAC, signed with a P-256 key generated per test.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::ecdsa::SigningKey;
use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use serde::Serialize;

/// A P-256 signing key and its PEM public key.
#[derive(Debug, Clone)]
pub struct SigningAuthority {
    pub key_version: String,
    pub public_key_pem: String,
    private_pem: String,
}

impl SigningAuthority {
    /// A fresh random key with version `key_version` (the JWT `kid`).
    pub fn generate(key_version: &str) -> Self {
        let signing = SigningKey::random(&mut rand::rngs::OsRng);
        let private_pem = signing
            .to_pkcs8_pem(LineEnding::LF)
            .expect("encode private key")
            .to_string();
        let public_key_pem = signing
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .expect("encode public key");
        Self {
            key_version: key_version.to_owned(),
            public_key_pem,
            private_pem,
        }
    }

    /// Signs `claims` as an ES256 JWT with this key's `kid`.
    pub fn sign<C: Serialize>(&self, claims: &C) -> String {
        self.sign_with_header(claims, Some(&self.key_version))
    }

    /// Signs with an explicit `kid` (or none).
    pub fn sign_with_header<C: Serialize>(&self, claims: &C, kid: Option<&str>) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = kid.map(str::to_owned);
        let key = EncodingKey::from_ec_pem(self.private_pem.as_bytes()).expect("EC key");
        jsonwebtoken::encode(&header, claims, &key).expect("sign JWT")
    }
}

/// Claims of a verification certificate and the certificate HMAC, as the load generator builds
/// them (one implementation for tools and tests).
pub use loadgen::certificate::{tekmac, CertClaims};
