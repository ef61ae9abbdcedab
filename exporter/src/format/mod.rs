//! The Exposure Notification export file format, free of I/O.
//!
//! A file is a zip holding `export.bin` (the 16-byte header `EK Export v1` + 4 spaces, then a
//! `TemporaryExposureKeyExport`) and `export.sig` (a `TEKSignatureList` with one ECDSA P-256
//! SHA-256 signature over the whole of `export.bin` per signer).
//!
//! - [`proto`]: the protobuf messages;
//! - [`key`]: how one key's fields are set;
//! - [`file`]: building, signing and zipping a file (and refusing to build an unsigned one);
//! - [`read`]: the reverse, used by tests and tools.

pub mod file;
pub mod key;
pub mod proto;
pub mod read;

pub use file::{
    build_file, export_bin, zip_entries, FileError, FileSigner, FileSpec, SignerIdentity,
};
pub use key::{report_type_from_text, report_type_text, ExportKey};
pub use read::{read_file, ExportFile, ReadError};

/// The first 16 bytes of every `export.bin`.
pub const HEADER: [u8; 16] = *b"EK Export v1    ";

/// `signature_algorithm` of every signature: ecdsa-with-SHA256.
pub const SIGNATURE_ALGORITHM: &str = "1.2.840.10045.4.3.2";

/// Entry names inside the zip.
pub const EXPORT_BIN: &str = "export.bin";
/// See [`EXPORT_BIN`].
pub const EXPORT_SIG: &str = "export.sig";

#[cfg(test)]
mod golden;
