//! The file-based key manager: private keys in files under one directory.
//!
//! A signature info's `signingKey` is a path relative to the key directory (`EXPORT_KEY_DIR`);
//! absolute paths and `..` are refused so configuration on the log cannot point the exporter at
//! arbitrary files. Accepted encodings: PEM `PRIVATE KEY` (PKCS#8, what `openssl genpkey`
//! writes), PEM `EC PRIVATE KEY` (SEC1), and raw DER SEC1 (the reference's filesystem format).
//! Files are read on every lookup, so replacing a key file takes effect at the next batch.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use futures::future::BoxFuture;
use p256::ecdsa::signature::hazmat::PrehashSigner;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::DecodePrivateKey;

use super::{KeyManager, Signer, SigningError};

/// Keys in PEM or DER files below one directory.
#[derive(Debug, Clone)]
pub struct FileKeyManager {
    root: PathBuf,
}

impl FileKeyManager {
    /// A manager reading keys below `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The file a reference names, if it stays inside the key directory.
    fn path_of(&self, reference: &str) -> Result<PathBuf, SigningError> {
        let invalid = |reason| SigningError::InvalidReference {
            reference: reference.to_owned(),
            reason,
        };
        let relative = Path::new(reference);
        if reference.is_empty() {
            return Err(invalid("empty"));
        }
        if !relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
        {
            return Err(invalid(
                "must be a relative path inside the key directory, without `..`",
            ));
        }
        Ok(self.root.join(relative))
    }

    /// Loads the key `reference` names.
    pub async fn load(&self, reference: &str) -> Result<LocalSigner, SigningError> {
        let path = self.path_of(reference)?;
        let bytes = tokio::fs::read(&path)
            .await
            .map_err(|source| SigningError::Unreadable {
                reference: reference.to_owned(),
                source,
            })?;
        LocalSigner::from_bytes(&bytes).ok_or_else(|| SigningError::NotP256 {
            reference: reference.to_owned(),
        })
    }
}

impl KeyManager for FileKeyManager {
    fn signer<'a>(
        &'a self,
        reference: &'a str,
    ) -> BoxFuture<'a, Result<Arc<dyn Signer>, SigningError>> {
        Box::pin(async move {
            let signer: Arc<dyn Signer> = Arc::new(self.load(reference).await?);
            Ok(signer)
        })
    }
}

/// An in-process ECDSA P-256 key. Signatures are deterministic (RFC 6979), so rebuilding a
/// batch yields byte-identical files.
#[derive(Clone)]
pub struct LocalSigner {
    key: SigningKey,
}

impl std::fmt::Debug for LocalSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LocalSigner(<redacted>)")
    }
}

impl LocalSigner {
    /// Wraps a key.
    pub fn new(key: SigningKey) -> Self {
        Self { key }
    }

    /// Parses PEM PKCS#8, PEM SEC1 or DER SEC1 / PKCS#8 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let secret =
            match std::str::from_utf8(bytes) {
                Ok(text) if text.contains("-----BEGIN") => p256::SecretKey::from_pkcs8_pem(text)
                    .ok()
                    .or_else(|| p256::SecretKey::from_sec1_pem(text).ok())?,
                _ => p256::SecretKey::from_sec1_der(bytes)
                    .ok()
                    .or_else(|| p256::SecretKey::from_pkcs8_der(bytes).ok())?,
            };
        Some(Self::new(SigningKey::from(secret)))
    }

    /// The public key as PEM `PUBLIC KEY` (PKIX), as registered with Apple and Google.
    pub fn public_key_pem(&self) -> Result<String, SigningError> {
        use p256::pkcs8::EncodePublicKey;
        self.key
            .verifying_key()
            .to_public_key_pem(p256::pkcs8::LineEnding::LF)
            .map_err(|e| SigningError::Sign(e.to_string()))
    }

    /// The verifying half.
    pub fn verifying_key(&self) -> p256::ecdsa::VerifyingKey {
        *self.key.verifying_key()
    }

    /// Signs a digest synchronously.
    pub fn sign_digest_now(&self, digest: &[u8; 32]) -> Result<Vec<u8>, SigningError> {
        let signature: Signature = self
            .key
            .sign_prehash(digest)
            .map_err(|e| SigningError::Sign(e.to_string()))?;
        Ok(signature.to_der().as_bytes().to_vec())
    }
}

impl Signer for LocalSigner {
    fn sign_digest(&self, digest: [u8; 32]) -> BoxFuture<'_, Result<Vec<u8>, SigningError>> {
        Box::pin(async move { self.sign_digest_now(&digest) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    use p256::pkcs8::EncodePrivateKey;
    use sha2::Digest as _;

    fn random_key() -> SigningKey {
        SigningKey::random(&mut rand::rngs::OsRng)
    }

    #[tokio::test]
    async fn keys_load_from_pkcs8_pem_sec1_pem_and_sec1_der() {
        let dir = std::env::temp_dir().join(format!("keys-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let key = random_key();
        let secret = p256::SecretKey::from(&key);
        let pkcs8 = secret
            .to_pkcs8_pem(p256::pkcs8::LineEnding::LF)
            .unwrap_or_else(|e| panic!("{e}"));
        let sec1 = secret
            .to_sec1_pem(p256::pkcs8::LineEnding::LF)
            .unwrap_or_else(|e| panic!("{e}"));
        let der = secret.to_sec1_der().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.join("a.pem"), pkcs8.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.join("b.pem"), sec1.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.join("c.der"), der.as_slice()).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.join("junk"), b"not a key").unwrap_or_else(|e| panic!("{e}"));
        let manager = FileKeyManager::new(&dir);
        let digest: [u8; 32] = sha2::Sha256::digest(b"export.bin").into();
        for name in ["a.pem", "b.pem", "c.der"] {
            let signer = manager.signer(name).await.unwrap_or_else(|e| panic!("{e}"));
            let der = signer
                .sign_digest(digest)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let signature = Signature::from_der(&der).unwrap_or_else(|e| panic!("{e}"));
            assert!(key
                .verifying_key()
                .verify_prehash(&digest, &signature)
                .is_ok());
        }
        assert!(matches!(
            manager.signer("junk").await,
            Err(SigningError::NotP256 { .. })
        ));
        assert!(matches!(
            manager.signer("missing.pem").await,
            Err(SigningError::Unreadable { .. })
        ));
        for bad in ["", "../a.pem", "/etc/passwd", "x/../../a.pem"] {
            assert!(
                matches!(
                    manager.signer(bad).await,
                    Err(SigningError::InvalidReference { .. })
                ),
                "{bad}"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
