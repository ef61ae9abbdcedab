//! Verification certificates as a health authority's verification server issues them: ES256
//! JWTs whose `tekmac` claim is the HMAC of the uploaded keys with the device's secret.

use anyhow::Context as _;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::ecdsa::SigningKey;
use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use schemas::api::ExposureKey;
use serde::Serialize;
use sha2::Sha256;

/// A health authority's signing key: the private key signs, the PEM public key is what the key
/// server is told.
#[derive(Clone)]
pub struct Issuer {
    /// `iss` of the certificates.
    pub issuer: String,
    /// `aud` of the certificates.
    pub audience: String,
    /// The JWT `kid`.
    pub key_version: String,
    /// PEM (SPKI) of the public key.
    pub public_key_pem: String,
    key: EncodingKey,
}

impl std::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issuer")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("key_version", &self.key_version)
            .finish_non_exhaustive()
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

impl Issuer {
    /// A fresh random P-256 key.
    pub fn generate(issuer: &str, audience: &str, key_version: &str) -> anyhow::Result<Self> {
        let signing = SigningKey::random(&mut rand::rngs::OsRng);
        let private_pem = signing
            .to_pkcs8_pem(LineEnding::LF)
            .context("cannot encode the private key")?;
        let public_key_pem = signing
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .context("cannot encode the public key")?;
        Self::from_pem(
            issuer,
            audience,
            key_version,
            private_pem.as_bytes(),
            public_key_pem,
        )
    }

    /// An issuer from a PKCS#8 PEM private key (the public key PEM is only informative here).
    pub fn from_pem(
        issuer: &str,
        audience: &str,
        key_version: &str,
        private_pem: &[u8],
        public_key_pem: String,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            key_version: key_version.to_owned(),
            public_key_pem,
            key: EncodingKey::from_ec_pem(private_pem).context("not a P-256 private key (PEM)")?,
        })
    }

    /// Claims for `keys`, issued now and valid for 15 minutes.
    pub fn claims(
        &self,
        report_type: &str,
        keys: &[ExposureKey],
        hmac_secret: &[u8],
    ) -> CertClaims {
        let now = chrono::Utc::now().timestamp();
        CertClaims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            exp: now + 900,
            nbf: None,
            report_type: report_type.to_owned(),
            symptom_onset_interval: None,
            tekmac: tekmac(keys, hmac_secret),
        }
    }

    /// Signs `claims` as an ES256 JWT with this key's `kid` (or the given one, or none).
    pub fn sign_with_kid<C: Serialize>(
        &self,
        claims: &C,
        kid: Option<&str>,
    ) -> anyhow::Result<String> {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, claims, &self.key).context("cannot sign the certificate")
    }

    /// Signs `claims` with this key's `kid`.
    pub fn sign<C: Serialize>(&self, claims: &C) -> anyhow::Result<String> {
        self.sign_with_kid(claims, Some(&self.key_version))
    }
}

/// The certificate HMAC over `keys`, from the protocol description: keys sorted by their base64
/// text, each `key.rollingStartNumber.rollingPeriod.transmissionRisk`, joined by `,`,
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
    // HMAC takes keys of any length, so this cannot fail; an empty MAC would be refused anyway.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(text.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tekmac_sorts_keys_and_is_the_hmac_of_the_canonical_text() {
        let a = ExposureKey {
            key: "BBBBBBBBBBBBBBBBBBBBBB==".into(),
            rolling_start_number: 2,
            rolling_period: 144,
            transmission_risk: 0,
        };
        let b = ExposureKey {
            key: "AAAAAAAAAAAAAAAAAAAAAA==".into(),
            rolling_start_number: 1,
            rolling_period: 144,
            transmission_risk: 5,
        };
        let secret = b"secret";
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
        mac.update(b"AAAAAAAAAAAAAAAAAAAAAA==.1.144.5,BBBBBBBBBBBBBBBBBBBBBB==.2.144.0");
        let expected =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        assert_eq!(tekmac(&[a.clone(), b.clone()], secret), expected);
        assert_eq!(tekmac(&[b, a], secret), expected);
    }

    #[test]
    fn signed_certificates_carry_the_kid() {
        let issuer = Issuer::generate("iss", "aud", "v1").unwrap();
        let jwt = issuer.sign(&issuer.claims("confirmed", &[], b"x")).unwrap();
        let header = jsonwebtoken::decode_header(&jwt).unwrap();
        assert_eq!(header.kid.as_deref(), Some("v1"));
        assert_eq!(header.alg, Algorithm::ES256);
    }
}
