//! Reading an export file back: unzip, check the header, decode both messages, and verify the
//! signatures. Used by the tests and the benchmark; phones have their own reader.

use std::io::Read as _;

use p256::ecdsa::signature::hazmat::PrehashVerifier;
use p256::ecdsa::{Signature, VerifyingKey};
use prost::Message as _;
use sha2::Digest as _;

use super::proto::{TekSignatureList, TemporaryExposureKeyExport};
use super::{EXPORT_BIN, EXPORT_SIG, HEADER};

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("not a zip: {0}")]
    Zip(String),
    #[error("entry {0} is missing")]
    MissingEntry(&'static str),
    #[error("export.bin does not start with the export header")]
    BadHeader,
    #[error("cannot decode {entry}: {source}")]
    Decode {
        entry: &'static str,
        #[source]
        source: prost::DecodeError,
    },
}

/// A decoded export file.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportFile {
    /// The raw `export.bin` (header included), which the signatures cover.
    pub export_bin: Vec<u8>,
    pub export: TemporaryExposureKeyExport,
    pub signatures: TekSignatureList,
    /// Entry names in zip order.
    pub entry_names: Vec<String>,
}

fn entry(
    archive: &mut zip::ZipArchive<std::io::Cursor<&[u8]>>,
    name: &'static str,
) -> Result<Vec<u8>, ReadError> {
    let mut file = archive
        .by_name(name)
        .map_err(|_| ReadError::MissingEntry(name))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(|e| ReadError::Zip(e.to_string()))?;
    Ok(bytes)
}

/// Parses a zip export file.
pub fn read_file(zip_bytes: &[u8]) -> Result<ExportFile, ReadError> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes))
        .map_err(|e| ReadError::Zip(e.to_string()))?;
    let entry_names = archive.file_names().map(str::to_owned).collect();
    let export_bin = entry(&mut archive, EXPORT_BIN)?;
    let sig = entry(&mut archive, EXPORT_SIG)?;
    let body = export_bin
        .strip_prefix(&HEADER[..])
        .ok_or(ReadError::BadHeader)?;
    let export = TemporaryExposureKeyExport::decode(body).map_err(|source| ReadError::Decode {
        entry: EXPORT_BIN,
        source,
    })?;
    let signatures =
        TekSignatureList::decode(sig.as_slice()).map_err(|source| ReadError::Decode {
            entry: EXPORT_SIG,
            source,
        })?;
    Ok(ExportFile {
        export_bin,
        export,
        signatures,
        entry_names,
    })
}

impl ExportFile {
    /// Whether signature `index` verifies over `export.bin` with `key`.
    pub fn verifies(&self, index: usize, key: &VerifyingKey) -> bool {
        let Some(der) = self
            .signatures
            .signatures
            .get(index)
            .and_then(|s| s.signature.as_deref())
        else {
            return false;
        };
        let Ok(signature) = Signature::from_der(der) else {
            return false;
        };
        let digest = sha2::Sha256::digest(&self.export_bin);
        key.verify_prehash(&digest, &signature).is_ok()
    }
}
