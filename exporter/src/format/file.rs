//! Building one export file: `export.bin`, its signatures, and the zip around them.
//!
//! Keys are sorted by their raw bytes (unsigned lexicographic), primaries and revised keys
//! independently, so the order of the input never shows in a file (fake padding keys end up
//! mixed in among the real ones). `batch_num` and `batch_size` are always 1, in `export.bin` and
//! in every signature (each file stands alone). A file without a signer is refused: phones
//! reject it, and writing it would hide a configuration mistake.

use std::io::Write as _;
use std::sync::Arc;

use prost::Message as _;
use sha2::Digest as _;
use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

use super::key::ExportKey;
use super::proto;
use super::{EXPORT_BIN, EXPORT_SIG, HEADER, SIGNATURE_ALGORITHM};
use crate::signing::{Signer, SigningError};

/// Why a file could not be built.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// No active signature info: the reference would write an unsigned file; we refuse.
    #[error("refusing to build an unsigned export file: no active signature info")]
    Unsigned,
    /// A signer failed.
    #[error(transparent)]
    Signing(#[from] SigningError),
    /// The zip could not be written.
    #[error("cannot write the zip: {0}")]
    Zip(String),
    /// The protobuf could not be encoded.
    #[error("cannot encode the protobuf: {0}")]
    Encode(#[from] prost::EncodeError),
}

/// How devices identify a signing key (written in `export.bin` and `export.sig`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerIdentity {
    /// `verification_key_version` (omitted when empty).
    pub key_version: String,
    /// `verification_key_id` (omitted when empty).
    pub key_id: String,
}

impl SignerIdentity {
    fn to_proto(&self) -> proto::SignatureInfo {
        let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        proto::SignatureInfo {
            verification_key_version: non_empty(&self.key_version),
            verification_key_id: non_empty(&self.key_id),
            signature_algorithm: Some(SIGNATURE_ALGORITHM.to_owned()),
        }
    }
}

/// A signer and the identity it signs as.
#[derive(Debug, Clone)]
pub struct FileSigner {
    pub identity: SignerIdentity,
    pub signer: Arc<dyn Signer>,
}

/// What goes into one file's `export.bin`.
#[derive(Debug, Clone, Copy)]
pub struct FileSpec<'a> {
    /// Batch start, unix seconds.
    pub start_timestamp: i64,
    /// Batch end plus the split-file offset, unix seconds.
    pub end_timestamp: i64,
    /// Output region, exactly as configured.
    pub region: &'a str,
}

fn to_teks<'k>(keys: impl IntoIterator<Item = &'k ExportKey>) -> Vec<proto::TemporaryExposureKey> {
    let mut teks: Vec<proto::TemporaryExposureKey> =
        keys.into_iter().map(ExportKey::to_proto).collect();
    teks.sort_unstable_by(|a, b| a.key_data.cmp(&b.key_data));
    teks
}

/// `export.bin`: the header followed by the serialized export, keys sorted.
pub fn export_bin<'k>(
    spec: FileSpec<'_>,
    signers: &[SignerIdentity],
    keys: impl IntoIterator<Item = &'k ExportKey>,
    revised_keys: impl IntoIterator<Item = &'k ExportKey>,
) -> Result<Vec<u8>, FileError> {
    let export = proto::TemporaryExposureKeyExport {
        start_timestamp: Some(spec.start_timestamp.max(0).unsigned_abs()),
        end_timestamp: Some(spec.end_timestamp.max(0).unsigned_abs()),
        region: Some(spec.region.to_owned()),
        batch_num: Some(1),
        batch_size: Some(1),
        signature_infos: signers.iter().map(SignerIdentity::to_proto).collect(),
        keys: to_teks(keys),
        revised_keys: to_teks(revised_keys),
    };
    let mut out = Vec::with_capacity(HEADER.len() + export.encoded_len());
    out.extend_from_slice(&HEADER);
    export.encode(&mut out)?;
    Ok(out)
}

/// `export.sig`: one signature over `export_bin` per signer, in signer order.
pub async fn export_sig(export_bin: &[u8], signers: &[FileSigner]) -> Result<Vec<u8>, FileError> {
    if signers.is_empty() {
        return Err(FileError::Unsigned);
    }
    let digest: [u8; 32] = sha2::Sha256::digest(export_bin).into();
    let mut signatures = Vec::with_capacity(signers.len());
    for signer in signers {
        let signature = signer.signer.sign_digest(digest).await?;
        signatures.push(proto::TekSignature {
            signature_info: Some(signer.identity.to_proto()),
            batch_num: Some(1),
            batch_size: Some(1),
            signature: Some(signature),
        });
    }
    Ok(proto::TekSignatureList { signatures }.encode_to_vec())
}

/// The zip: `export.bin` then `export.sig`, both Deflate, with a fixed timestamp so the same
/// content always gives the same bytes.
pub fn zip_entries(export_bin: &[u8], export_sig: &[u8]) -> Result<Vec<u8>, FileError> {
    let zip_error = |e: &dyn std::fmt::Display| FileError::Zip(e.to_string());
    let capacity = export_bin.len() + export_sig.len() + 512;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::with_capacity(capacity)));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for (name, bytes) in [(EXPORT_BIN, export_bin), (EXPORT_SIG, export_sig)] {
        writer
            .start_file(name, options)
            .map_err(|e| zip_error(&e))?;
        writer.write_all(bytes).map_err(|e| zip_error(&e))?;
    }
    let cursor = writer.finish().map_err(|e| zip_error(&e))?;
    Ok(cursor.into_inner())
}

/// A complete signed file (zip bytes). Refuses to build an unsigned file.
pub async fn build_file<'k>(
    spec: FileSpec<'_>,
    signers: &[FileSigner],
    keys: impl IntoIterator<Item = &'k ExportKey>,
    revised_keys: impl IntoIterator<Item = &'k ExportKey>,
) -> Result<Vec<u8>, FileError> {
    if signers.is_empty() {
        return Err(FileError::Unsigned);
    }
    let identities: Vec<SignerIdentity> = signers.iter().map(|s| s.identity.clone()).collect();
    let bin = export_bin(spec, &identities, keys, revised_keys)?;
    let sig = export_sig(&bin, signers).await?;
    zip_entries(&bin, &sig)
}
