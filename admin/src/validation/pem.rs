//! Health-authority public keys: PEM text in, a checked ECDSA P-256 key out.
//!
//! Verification certificates are ES256 JWTs, so the only key a health authority may register is a
//! PKIX `PUBLIC KEY` on the P-256 curve. Anything else (RSA, other curves, Ed25519, private keys,
//! certificates) is refused with a message that says what was pasted and what is expected,
//! because the usual mistake is pasting the wrong file, not a typo.

use p256::pkcs8::der::{pem, Decode as _};
use p256::pkcs8::spki::SubjectPublicKeyInfoRef;
use p256::pkcs8::{DecodePublicKey as _, EncodePublicKey as _, LineEnding, ObjectIdentifier};
use p256::PublicKey;

/// `id-ecPublicKey` (RFC 5480).
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// `prime256v1` / `secp256r1`, the curve of ES256.
const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// `rsaEncryption`.
const RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// `id-RSASSA-PSS`.
const RSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
/// `id-Ed25519`.
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");

/// A public key accepted for ES256 verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcPublicKey {
    /// The text as stored: the operator's PEM, trimmed, with `\r` removed.
    pub pem: String,
    /// The key itself.
    pub key: PublicKey,
}

impl EcPublicKey {
    /// The key as an uncompressed SEC1 point: equal for equal keys whatever their PEM layout.
    pub fn fingerprint(&self) -> Vec<u8> {
        fingerprint(&self.key)
    }

    /// Builds the stored form from a key (JWKS import): canonical PKIX PEM with `\n` line ends.
    pub fn from_key(key: PublicKey) -> Result<Self, String> {
        let pem = key
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| format!("cannot encode the key as PEM: {e}"))?;
        Ok(Self {
            pem: pem.trim().to_owned(),
            key,
        })
    }
}

/// The uncompressed SEC1 encoding of `key`.
pub fn fingerprint(key: &PublicKey) -> Vec<u8> {
    use p256::elliptic_curve::sec1::ToEncodedPoint as _;
    key.to_encoded_point(false).as_bytes().to_vec()
}

/// Parses the PEM an operator pasted: trims it, removes `\r`, and requires exactly one
/// `PUBLIC KEY` block holding an ECDSA P-256 key. The error is a sentence for the operator.
pub fn parse_public_key_pem(text: &str) -> Result<EcPublicKey, String> {
    let normalized = text.replace('\r', "");
    let normalized = normalized.trim();
    if normalized.is_empty() {
        return Err(
            "a public key is required (PEM, starting with -----BEGIN PUBLIC KEY-----)".into(),
        );
    }
    let (label, der) = pem::decode_vec(normalized.as_bytes()).map_err(|e| {
        format!("not a PEM block ({e}); expected -----BEGIN PUBLIC KEY----- ... -----END PUBLIC KEY-----")
    })?;
    match label {
        "PUBLIC KEY" => {}
        "EC PRIVATE KEY" | "PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" | "RSA PRIVATE KEY" => {
            return Err(format!(
                "this is a private key ({label}); paste only the PUBLIC KEY of the verification server, \
                 and treat the private key as compromised"
            ))
        }
        "RSA PUBLIC KEY" => {
            return Err("RSA keys are not supported: certificates are ES256, so the key must be ECDSA P-256".into())
        }
        "CERTIFICATE" => {
            return Err("this is a certificate; paste the PUBLIC KEY (PKIX) of the verification server".into())
        }
        other => return Err(format!("unexpected PEM type {other:?}; expected PUBLIC KEY")),
    }
    let spki = SubjectPublicKeyInfoRef::from_der(&der)
        .map_err(|e| format!("the PUBLIC KEY block is not a valid PKIX key: {e}"))?;
    let algorithm = spki.algorithm.oid;
    if algorithm == RSA || algorithm == RSA_PSS {
        return Err(
            "RSA keys are not supported: certificates are ES256, so the key must be ECDSA P-256"
                .into(),
        );
    }
    if algorithm == ED25519 {
        return Err("Ed25519 keys are not supported: certificates are ES256, so the key must be ECDSA P-256".into());
    }
    if algorithm != EC_PUBLIC_KEY {
        return Err(format!(
            "unsupported key algorithm {algorithm}; the key must be ECDSA P-256 (ES256)"
        ));
    }
    match spki.algorithm.parameters_oid() {
        Ok(curve) if curve == P256 => {}
        Ok(curve) => {
            return Err(format!(
                "the key is on curve {}, but ES256 needs P-256 (prime256v1)",
                curve_name(curve)
            ))
        }
        Err(_) => return Err("the EC key names no curve; ES256 needs P-256 (prime256v1)".into()),
    }
    let key = PublicKey::from_public_key_der(&der)
        .map_err(|e| format!("the P-256 public key is invalid: {e}"))?;
    Ok(EcPublicKey {
        pem: normalized.to_owned(),
        key,
    })
}

fn curve_name(oid: ObjectIdentifier) -> String {
    match oid.to_string().as_str() {
        "1.3.132.0.34" => "P-384 (secp384r1)".into(),
        "1.3.132.0.35" => "P-521 (secp521r1)".into(),
        "1.3.132.0.10" => "secp256k1".into(),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::test_support::{P256_PEM, RSA_PEM};

    /// The same key, as a compressed point.
    const P256_COMPRESSED_PEM: &str = "-----BEGIN PUBLIC KEY-----
MDkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDIgADbCTK7Dw5HWGQDBjtXwotLR+l7eyH
w48qljsTvfnzAR4=
-----END PUBLIC KEY-----";
    const P384_PEM: &str = "-----BEGIN PUBLIC KEY-----
MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEd1gdzm9Xh9+zhTmoH9sDrUonnAnq8BiJ
uXhrnmVvzDSeVU7CqKGXMT/x05Ln4E4Ou3DPWcd3wEN5l0fZSdvdWkftvPEjmIlj
DqYqSrCuWjUKR8MsKPeCKhZUG71b174V
-----END PUBLIC KEY-----";
    const ED25519_PEM: &str = "-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAhr7bXDGaClaXco+i49NsNaCf+D5bHpDlq+OBXNMEzUk=
-----END PUBLIC KEY-----";

    fn err(text: &str) -> String {
        match parse_public_key_pem(text) {
            Ok(_) => panic!("expected {text:?} to be refused"),
            Err(e) => e,
        }
    }

    #[test]
    fn p256_key_is_accepted_trimmed_and_without_carriage_returns() {
        let pasted = format!("\n  {}\n\n", P256_PEM.replace('\n', "\r\n"));
        let key = parse_public_key_pem(&pasted).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(key.pem, P256_PEM);
    }

    #[test]
    fn compressed_and_uncompressed_forms_have_the_same_fingerprint() {
        let a = parse_public_key_pem(P256_PEM).unwrap_or_else(|e| panic!("{e}"));
        let b = parse_public_key_pem(P256_COMPRESSED_PEM).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_ne!(a.pem, b.pem);
    }

    #[test]
    fn rsa_key_is_refused_with_a_clear_message() {
        assert!(
            err(RSA_PEM).contains("RSA keys are not supported"),
            "{}",
            err(RSA_PEM)
        );
    }

    #[test]
    fn other_curves_and_algorithms_are_refused() {
        assert!(err(P384_PEM).contains("P-384"), "{}", err(P384_PEM));
        assert!(err(ED25519_PEM).contains("Ed25519"), "{}", err(ED25519_PEM));
    }

    #[test]
    fn garbage_empty_and_private_keys_are_refused() {
        assert!(err("").contains("required"));
        assert!(err("   \r\n").contains("required"));
        assert!(err("hello").contains("not a PEM block"));
        let broken = P256_PEM.replace("MFkw", "MFkx");
        assert!(
            err(&broken).contains("not a valid PKIX key"),
            "{}",
            err(&broken)
        );
        let private = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIA==\n-----END EC PRIVATE KEY-----";
        assert!(err(private).contains("private key"), "{}", err(private));
    }

    #[test]
    fn keys_built_for_jwks_round_trip() {
        let parsed = parse_public_key_pem(P256_PEM).unwrap_or_else(|e| panic!("{e}"));
        let rebuilt = EcPublicKey::from_key(parsed.key).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rebuilt.pem, P256_PEM);
        assert_eq!(
            parse_public_key_pem(&rebuilt.pem).map(|k| k.fingerprint()),
            Ok(parsed.fingerprint())
        );
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
            let _ = parse_public_key_pem(&text);
        }

        #[test]
        fn arbitrary_base64_in_a_pem_frame_never_panics(body in "[A-Za-z0-9+/=\n]{0,200}") {
            let _ = parse_public_key_pem(&format!("-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----"));
        }
    }
}
