//! Verification certificates as a health authority's verification server issues them:
//! ES256 JWTs over the TEK HMAC, signed with a P-256 key generated per test.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::ecdsa::SigningKey;
use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use serde::Serialize;
use sha2::Sha256;

use schemas::api::ExposureKey;

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

/// Claims of a verification certificate.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CertClaims {
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    pub report_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symptom_onset_interval: Option<u32>,
    pub tekmac: String,
}

impl CertClaims {
    /// Valid claims for `keys` with `hmac_secret`: issued now, expiring in 5 minutes.
    pub fn for_keys(
        iss: &str,
        aud: &str,
        report_type: &str,
        keys: &[ExposureKey],
        hmac_secret: &[u8],
    ) -> Self {
        let now = chrono::Utc::now().timestamp();
        Self {
            iss: iss.to_owned(),
            aud: aud.to_owned(),
            iat: now,
            exp: now + 300,
            nbf: None,
            report_type: report_type.to_owned(),
            symptom_onset_interval: None,
            tekmac: tekmac(keys, hmac_secret),
        }
    }
}

/// The certificate HMAC over `keys`, written from the protocol description: keys sorted by their
/// base64 text, each `key.rollingStartNumber.rollingPeriod.transmissionRisk`, joined by `,`,
/// HMAC-SHA256 with the device's secret, standard base64.
pub fn tekmac(keys: &[ExposureKey], secret: &[u8]) -> String {
    let mut sorted: Vec<&ExposureKey> = keys.iter().collect();
    sorted.sort_by(|a, b| a.key.cmp(&b.key));
    let text = sorted
        .iter()
        .map(|k| {
            format!(
                "{}.{}.{}.{}",
                k.key, k.rolling_start_number, k.rolling_period, k.transmission_risk
            )
        })
        .collect::<Vec<_>>()
        .join(",");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("any key length");
    mac.update(text.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}
