//! Verification of a publish request's certificate, in the reference order:
//! parse → `alg` is ES256 → `kid` present → issuer known → audience → a currently valid key with
//! that version → time claims → signature → the app allows this health authority → report type
//! → `tekmac` against the keys as sent.
//!
//! Time claims and the signature are both evaluated before either is reported, as the reference
//! library does: a not-yet-valid certificate reports that; otherwise a bad signature wins over
//! expiry. There is no clock-skew leeway.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use config::ConfigSnapshot;
use domain::{Claims, RawKey, ReportType};
use jsonwebtoken::Algorithm;
use schemas::config::AuthorizedApp;

use super::jwt::{self, Kid};
use super::keys::KeyCache;

/// The reason text of the reference for a not-yet-valid certificate.
pub const NOT_VALID_YET: &str = "not valid yet (NBF or IAT) in the future";

/// What verification concluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Claims of a valid certificate, or the reason (reference text) it is not valid.
    pub result: Result<Claims, String>,
    /// Whether the check reached the HMAC step, where the reference sorts the request's keys by
    /// key string (later `key N` messages use that order).
    pub keys_sorted: bool,
    /// The certificate was rejected for a future `iat`/`nbf` (counted in a metric).
    pub not_yet_valid: bool,
}

impl Verification {
    fn fail(reason: impl Into<String>) -> Self {
        Self {
            result: Err(reason.into()),
            keys_sorted: false,
            not_yet_valid: false,
        }
    }
}

/// What a certificate is checked against.
#[derive(Debug, Clone, Copy)]
pub struct CertificateInput<'a> {
    /// `verificationPayload`.
    pub payload: &'a str,
    /// `hmacKey` of the request (base64).
    pub hmac_key: &'a str,
    /// The request's keys as sent.
    pub keys: &'a [RawKey],
}

/// Verifies a certificate for `app` at `now`.
pub fn verify(
    input: CertificateInput<'_>,
    app: &AuthorizedApp,
    config: &ConfigSnapshot,
    key_cache: &KeyCache,
    now: DateTime<Utc>,
) -> Verification {
    let parsed = match jwt::parse(input.payload) {
        Ok(p) => p,
        Err(reason) => return Verification::fail(reason),
    };
    if parsed.alg != "ES256" {
        return Verification::fail("unsupported signing method, must be ES256");
    }
    if parsed.kid == Kid::Missing {
        return Verification::fail("missing required header field, 'kid' indicating key id");
    }
    let claims = &parsed.claims;
    let Some(ha) = config.health_authority_by_issuer(&claims.iss) else {
        return Verification::fail(format!("issuer not found: {}", claims.iss));
    };
    if claims.aud != ha.audience {
        return Verification::fail(format!(
            "audience mismatch for issuer: {} (+{}, -{})",
            ha.issuer, claims.aud, ha.audience
        ));
    }
    let key = match &parsed.kid {
        Kid::String(version) => config.key(ha.id, version).filter(|k| k.is_valid_at(now)),
        Kid::Missing | Kid::Other => None,
    };
    let Some(key) = key else {
        return Verification::fail("no active public keys for health authority");
    };
    let decoding_key = match key_cache.get(&key.public_key_pem) {
        Ok(k) => k,
        Err(reason) => return Verification::fail(reason),
    };

    let now_secs = now.timestamp();
    let expired = claims.exp != 0 && now_secs > claims.exp;
    let not_yet_valid =
        (claims.iat != 0 && now_secs < claims.iat) || (claims.nbf != 0 && now_secs < claims.nbf);
    let signature = check_signature(parsed.signing_input, parsed.signature, &decoding_key);
    if not_yet_valid {
        return Verification {
            result: Err(NOT_VALID_YET.to_owned()),
            keys_sorted: false,
            not_yet_valid: true,
        };
    }
    if let Err(reason) = signature {
        return Verification::fail(reason);
    }
    if expired {
        let by = u64::try_from(now_secs.saturating_sub(claims.exp)).unwrap_or(0);
        return Verification::fail(format!("token is expired by {}", go_duration(by)));
    }

    // After the signature on purpose (reference: avoids leaking which issuers an app trusts).
    if !app.allowed_health_authority_ids.contains(&ha.id) {
        return Verification::fail(format!(
            "app {} has not authorized health authority issuer: {}",
            app.health_authority_id, claims.iss
        ));
    }
    let report_type = match ReportType::parse_claim(&claims.report_type) {
        Ok(t) => t,
        Err(e) => return Verification::fail(e.to_string()),
    };
    let mac = match lenient_base64(&claims.tekmac) {
        Ok(m) => m,
        Err(e) => return Verification::fail(format!("error decoding HMAC from claims: {e}")),
    };
    let secret = match lenient_base64(input.hmac_key) {
        Ok(s) => s,
        Err(e) => {
            return Verification::fail(format!(
                "error decoding HMAC secret from publish request: {e}"
            ))
        }
    };
    let result = match domain::hmac::verify(&secret, &mac, input.keys) {
        Ok(()) => Ok(Claims {
            health_authority_id: ha.id,
            report_type,
            symptom_onset_interval: claims.symptom_onset_interval,
        }),
        Err(domain::hmac::HmacError::EmptyKeys) => Err(format!(
            "calculating expected HMAC: {}",
            domain::hmac::HmacError::EmptyKeys
        )),
        Err(e) => Err(e.to_string()),
    };
    Verification {
        result,
        keys_sorted: true,
        not_yet_valid: false,
    }
}

/// ES256 over `signing_input`: the signature must be unpadded base64url of exactly 64 bytes
/// (`R || S`) and verify under `key`.
fn check_signature(
    signing_input: &str,
    signature: &str,
    key: &jsonwebtoken::DecodingKey,
) -> Result<(), String> {
    const VERIFICATION_ERROR: &str = "crypto/ecdsa: verification error";
    let raw = jwt::decode_segment(signature)?;
    if raw.len() != 64 {
        return Err(VERIFICATION_ERROR.to_owned());
    }
    // Canonical re-encoding: the reference tolerates non-zero trailing bits, the library not.
    let canonical = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&raw);
    match jsonwebtoken::crypto::verify(&canonical, signing_input.as_bytes(), key, Algorithm::ES256)
    {
        Ok(true) => Ok(()),
        Ok(false) | Err(_) => Err(VERIFICATION_ERROR.to_owned()),
    }
}

/// The reference's lenient base64, with a fast path: whatever strict standard base64
/// accepts, the lenient decoder decodes to the same bytes.
fn lenient_base64(text: &str) -> Result<Vec<u8>, domain::base64::Base64Error> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .or_else(|_| domain::base64::decode_lenient(text))
}

/// Go's `time.Duration.String()` for a whole number of seconds (`1m0s`, `1h0m5s`, `59s`).
pub fn go_duration(seconds: u64) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if h > 0 {
        format!("{h}h{m}m{s}s")
    } else if m > 0 {
        format!("{m}m{s}s")
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
#[path = "verify_tests/mod.rs"]
mod tests;
