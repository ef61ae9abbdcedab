//! Reading a JWKS document as verification servers publish it: a **bare JSON array** of JWKs
//! (not the RFC 7517 `{"keys": [...]}` object). Each usable entry is an EC P-256 key with `x`
//! and `y` (base64url) and a `kid`, which becomes the key version. Other entries (RSA, other
//! curves, no `kid`, broken points) are skipped with a reason; they do not fail the document.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use p256::elliptic_curve::sec1::FromEncodedPoint as _;
use p256::{EncodedPoint, PublicKey};
use serde::Deserialize;

use crate::validation::pem::EcPublicKey;

/// A key published in a JWKS document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedKey {
    /// The JWK `kid`: the key version.
    pub version: String,
    /// The key, with its PEM as it will be stored.
    pub key: EcPublicKey,
}

/// A parsed document: the usable keys and why the others were skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JwksDocument {
    pub keys: Vec<PublishedKey>,
    pub skipped: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Jwk {
    #[serde(default)]
    kty: String,
    #[serde(default)]
    crv: String,
    #[serde(default)]
    x: String,
    #[serde(default)]
    y: String,
    #[serde(default)]
    kid: Option<String>,
}

/// Parses the body of a JWKS response.
pub fn parse_jwks(body: &[u8]) -> Result<JwksDocument, String> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("the JWKS document is not JSON: {e}"))?;
    let entries = match value {
        serde_json::Value::Array(entries) => entries,
        serde_json::Value::Object(ref object) if object.contains_key("keys") => {
            return Err("the JWKS document is a {\"keys\": [...]} object; a bare JSON array of JWKs is expected".into())
        }
        _ => return Err("the JWKS document is not a JSON array of JWKs".into()),
    };
    let mut document = JwksDocument::default();
    for (index, entry) in entries.into_iter().enumerate() {
        let jwk: Jwk = match serde_json::from_value(entry) {
            Ok(jwk) => jwk,
            Err(e) => {
                document
                    .skipped
                    .push(format!("entry {index}: not a JWK: {e}"));
                continue;
            }
        };
        match published_key(&jwk) {
            Ok(key) if document.keys.iter().any(|k| k.version == key.version) => {
                document.skipped.push(format!(
                    "entry {index}: kid {:?} appears more than once",
                    key.version
                ));
            }
            Ok(key) => document.keys.push(key),
            Err(reason) => document.skipped.push(format!("entry {index}: {reason}")),
        }
    }
    Ok(document)
}

fn published_key(jwk: &Jwk) -> Result<PublishedKey, String> {
    if jwk.kty != "EC" {
        return Err(format!(
            "key type {:?} is not supported (only EC P-256)",
            jwk.kty
        ));
    }
    if jwk.crv != "P-256" {
        return Err(format!("curve {:?} is not supported (only P-256)", jwk.crv));
    }
    let version = jwk
        .kid
        .as_deref()
        .map(str::trim)
        .filter(|kid| !kid.is_empty())
        .ok_or("no kid")?
        .to_owned();
    let x = coordinate(&jwk.x).map_err(|e| format!("kid {version:?}: x {e}"))?;
    let y = coordinate(&jwk.y).map_err(|e| format!("kid {version:?}: y {e}"))?;
    let point = EncodedPoint::from_affine_coordinates(&x.into(), &y.into(), false);
    let key: PublicKey = Option::from(PublicKey::from_encoded_point(&point))
        .ok_or_else(|| format!("kid {version:?}: the point is not on P-256"))?;
    let key = EcPublicKey::from_key(key).map_err(|e| format!("kid {version:?}: {e}"))?;
    Ok(PublishedKey { version, key })
}

fn coordinate(text: &str) -> Result<[u8; 32], String> {
    let bytes = URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|e| format!("is not base64url: {e}"))?;
    <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| format!("has {} bytes, expected 32", bytes.len()))
}

/// A JWK (as JSON) for a P-256 public key: what a verification server publishes (tests).
pub fn jwk_json(kid: &str, key: &PublicKey) -> serde_json::Value {
    use p256::elliptic_curve::sec1::ToEncodedPoint as _;
    let point = key.to_encoded_point(false);
    let x = point
        .x()
        .map(|x| URL_SAFE_NO_PAD.encode(x))
        .unwrap_or_default();
    let y = point
        .y()
        .map(|y| URL_SAFE_NO_PAD.encode(y))
        .unwrap_or_default();
    serde_json::json!({"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": kid, "x": x, "y": y})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> PublicKey {
        match p256::SecretKey::from_slice(&[seed; 32]) {
            Ok(secret) => secret.public_key(),
            Err(e) => panic!("test key: {e}"),
        }
    }

    #[test]
    fn ec_p256_keys_are_read_and_others_skipped() {
        let body = serde_json::json!([
            jwk_json("v1", &key(1)),
            {"kty": "RSA", "kid": "rsa", "n": "AQAB", "e": "AQAB"},
            {"kty": "EC", "crv": "P-384", "kid": "p384", "x": "", "y": ""},
            {"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"},
            jwk_json("v2", &key(2)),
            jwk_json("v2", &key(3)),
            "not an object",
        ]);
        let document = parse_jwks(body.to_string().as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        let versions: Vec<_> = document.keys.iter().map(|k| k.version.as_str()).collect();
        assert_eq!(versions, ["v1", "v2"]);
        assert_eq!(document.skipped.len(), 5, "{:?}", document.skipped);
        assert_eq!(document.keys[0].key.key, key(1));
        assert!(document.keys[0]
            .key
            .pem
            .starts_with("-----BEGIN PUBLIC KEY-----"));
    }

    #[test]
    fn rfc7517_object_and_non_json_are_refused() {
        let object = serde_json::json!({"keys": [jwk_json("v1", &key(1))]});
        let Err(e) = parse_jwks(object.to_string().as_bytes()) else {
            panic!("accepted")
        };
        assert!(e.contains("bare JSON array"), "{e}");
        assert!(parse_jwks(b"<html>").is_err());
        assert!(parse_jwks(b"42").is_err());
    }

    #[test]
    fn a_point_off_the_curve_is_skipped() {
        let mut jwk = jwk_json("v1", &key(1));
        jwk["y"] = serde_json::Value::String(URL_SAFE_NO_PAD.encode([7u8; 32]));
        let document = parse_jwks(serde_json::json!([jwk]).to_string().as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(document.keys.is_empty());
        assert!(
            document.skipped[0].contains("not on P-256"),
            "{:?}",
            document.skipped
        );
    }
}
