//! The export jobs: cutting batches ([`create`]), turning a leased batch into signed files
//! ([`export`]), rewriting a config's `index.txt` ([`index`]), and the error type they share.
//!
//! Every job takes the configuration snapshot and the current time as arguments, so tests drive
//! them deterministically and several exporter instances can run them concurrently against one
//! database (see [`crate::repository`] for how they stay out of each other's way).

pub mod create;
pub mod export;
pub mod index;

use std::sync::Arc;

use crate::blob::{BlobError, BlobStore};
use crate::format::FileError;
use crate::metrics::ExportMetrics;
use crate::repository::RepoError;
use crate::settings::ExportSettings;
use crate::signing::{KeyManager, SigningError};

/// What the jobs work with.
#[derive(Debug, Clone)]
pub struct ExportContext {
    pub pool: deadpool_postgres::Pool,
    pub blobs: Arc<dyn BlobStore>,
    pub keys: Arc<dyn KeyManager>,
    pub settings: ExportSettings,
    pub metrics: ExportMetrics,
}

/// Why a job failed. Everything but [`ExportError::NoSigners`] and a bad signing key is
/// transient (the database or the store was unavailable): the batch is retried when its lease
/// expires.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Repository(#[from] RepoError),
    #[error(transparent)]
    Blob(#[from] BlobError),
    #[error(transparent)]
    File(#[from] FileError),
    #[error("cannot load the signing key of signature info {signature_info_id}")]
    Signing {
        signature_info_id: i64,
        #[source]
        source: SigningError,
    },
    /// The batch has no active signature info: refusing to publish unsigned files.
    #[error("batch {batch_id} of export config {config_id} has no active signature info; refusing to write unsigned files")]
    NoSigners { batch_id: i64, config_id: i64 },
    /// Another worker holds the index lock for longer than we may wait.
    #[error("the index of export config {config_id} stayed locked")]
    IndexBusy { config_id: i64 },
    /// A file-building task panicked or was cancelled.
    #[error("building a file failed: {0}")]
    Build(String),
}

impl ExportError {
    /// The metric label of the failure.
    pub fn reason(&self) -> &'static str {
        match self {
            ExportError::Repository(_) => "database",
            ExportError::Blob(_) => "blob_store",
            ExportError::File(FileError::Unsigned) | ExportError::NoSigners { .. } => "no_signers",
            ExportError::File(_) | ExportError::Build(_) => "build",
            ExportError::Signing { .. } => "signing_key",
            ExportError::IndexBusy { .. } => "index_busy",
        }
    }
}
