//! Signing keys behind a small trait, so a cloud KMS can stand in for the file-based manager.
//!
//! A [`KeyManager`] resolves the `signingKey` of a signature info (a key *reference*, never the
//! key) to a [`Signer`]. A signer signs the SHA-256 digest of `export.bin` with ECDSA P-256 and
//! returns the ASN.1 DER signature — exactly what cloud KMS "asymmetric sign" calls take and
//! return, so an adapter for one is a few lines. Keys never leave the manager, and neither keys
//! nor digests are logged.

mod file;

use std::fmt;
use std::sync::Arc;

use futures::future::BoxFuture;

pub use file::{FileKeyManager, LocalSigner};

/// Why a key could not be found or used.
#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    /// The key reference is not acceptable to this manager (e.g. escapes its directory).
    #[error("invalid signing key reference {reference:?}: {reason}")]
    InvalidReference {
        reference: String,
        reason: &'static str,
    },
    /// The key could not be read.
    #[error("cannot read signing key {reference:?}")]
    Unreadable {
        reference: String,
        #[source]
        source: std::io::Error,
    },
    /// The key was read but is not an ECDSA P-256 private key.
    #[error("signing key {reference:?} is not an ECDSA P-256 private key (PEM PKCS#8, PEM SEC1 or DER SEC1)")]
    NotP256 { reference: String },
    /// The signing operation failed.
    #[error("signing failed: {0}")]
    Sign(String),
}

/// Signs SHA-256 digests with one ECDSA P-256 key.
pub trait Signer: Send + Sync + fmt::Debug {
    /// The DER-encoded (`SEQUENCE { r, s }`) ECDSA signature of `digest`.
    fn sign_digest(&self, digest: [u8; 32]) -> BoxFuture<'_, Result<Vec<u8>, SigningError>>;
}

/// Finds the signer a signature info names.
pub trait KeyManager: Send + Sync + fmt::Debug {
    /// The signer for `reference` (a signature info's `signingKey`).
    fn signer<'a>(
        &'a self,
        reference: &'a str,
    ) -> BoxFuture<'a, Result<Arc<dyn Signer>, SigningError>>;
}
