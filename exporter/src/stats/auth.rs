//! Authenticating a `/v1/stats` request: an ES256 bearer JWT with a
//! `kid`, issued by a configured health authority that has statistics enabled, signed with one of
//! its keys valid right now, for the audience `STATS_AUDIENCE`. Every failure is one
//! [`AuthError`], answered 401 `unauthorized` with its text.

use std::collections::HashSet;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use config::ConfigSnapshot;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

/// Why a stats request is not authenticated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("Authorization header is not in `Bearer <token>` format")]
    Header,
    #[error("unauthorized, unable to parse token: {0}")]
    Malformed(String),
    #[error("unauthorized, unsupported signing method, must be ES256")]
    Algorithm,
    #[error("unauthorized, missing 'kid' header")]
    MissingKid,
    #[error("unauthorized, issuer not found")]
    UnknownIssuer,
    #[error("unauthorized, API access forbidden")]
    StatsDisabled,
    #[error("unauthorized, no valid public key for kid")]
    NoKey,
    #[error("unauthorized, invalid token: {0}")]
    Invalid(String),
    #[error("unauthorized, audience mismatch")]
    Audience,
}

#[derive(Deserialize)]
struct Unverified {
    #[serde(default)]
    iss: String,
}

#[derive(Deserialize)]
struct Verified {
    #[serde(default)]
    aud: Option<Audience>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

/// The bearer token of an `Authorization` header value (prefix exactly `Bearer `).
pub fn bearer(header: Option<&str>) -> Result<&str, AuthError> {
    header
        .and_then(|h| h.strip_prefix("Bearer "))
        .filter(|t| !t.is_empty())
        .ok_or(AuthError::Header)
}

/// Authenticates `token` at `now` against the configuration; returns the health authority id.
pub fn authenticate(
    token: &str,
    config: &ConfigSnapshot,
    audience: &str,
    now: DateTime<Utc>,
) -> Result<i64, AuthError> {
    let header =
        jsonwebtoken::decode_header(token).map_err(|e| AuthError::Malformed(e.to_string()))?;
    if header.alg != Algorithm::ES256 {
        return Err(AuthError::Algorithm);
    }
    let kid = header
        .kid
        .filter(|k| !k.is_empty())
        .ok_or(AuthError::MissingKid)?;
    let payload = token.split('.').nth(1).ok_or_else(|| {
        AuthError::Malformed("token contains an invalid number of segments".into())
    })?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|e| AuthError::Malformed(e.to_string()))?;
    let claims: Unverified =
        serde_json::from_slice(&bytes).map_err(|e| AuthError::Malformed(e.to_string()))?;
    let authority = config
        .health_authority_by_issuer(&claims.iss)
        .ok_or(AuthError::UnknownIssuer)?;
    if !authority.enable_stats {
        return Err(AuthError::StatsDisabled);
    }
    let key = config
        .keys_of(authority.id)
        .find(|k| k.version == kid && k.is_valid_at(now))
        .ok_or(AuthError::NoKey)?;
    let decoding =
        DecodingKey::from_ec_pem(key.public_key_pem.as_bytes()).map_err(|_| AuthError::NoKey)?;
    let mut validation = Validation::new(Algorithm::ES256);
    // Time claims are checked when present (none is required); the audience is checked below
    // with its own error.
    validation.required_spec_claims = HashSet::new();
    validation.validate_nbf = true;
    validation.validate_aud = false;
    validation.leeway = 0;
    let verified = jsonwebtoken::decode::<Verified>(token, &decoding, &validation)
        .map_err(|e| AuthError::Invalid(e.to_string()))?;
    let matches = match verified.claims.aud {
        Some(Audience::One(aud)) => aud == audience,
        Some(Audience::Many(auds)) => auds.iter().any(|a| a == audience),
        None => false,
    };
    if !matches {
        return Err(AuthError::Audience);
    }
    Ok(authority.id)
}
