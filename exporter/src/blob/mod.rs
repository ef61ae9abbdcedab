//! Where export files and indexes are stored, behind a small trait so a cloud bucket (S3, GCS)
//! can replace the local directory without touching the worker or the download handler.
//!
//! Object names are relative paths (`us/index.txt`, `us/1-2-00001.zip`). The kind of object
//! decides its HTTP headers: zips are immutable and cacheable for a day, the index must never be
//! cached (it names the newest files). A cloud implementation sets them as object metadata; the
//! directory store derives them from the name when serving.

mod dir;

use std::fmt;
use std::time::SystemTime;

use bytes::Bytes;
use futures::future::BoxFuture;

pub use dir::DirectoryStore;

/// Content type of export files.
pub const CONTENT_TYPE_ZIP: &str = "application/zip";
/// Content type of `index.txt`.
pub const CONTENT_TYPE_INDEX: &str = "text/plain";
/// Cache policy of export files.
pub const CACHE_ZIP: &str = "public, max-age=86400";
/// Cache policy of `index.txt`.
pub const CACHE_INDEX: &str = "no-cache, max-age=0";

/// What an object is, which decides its headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlobKind {
    /// A signed export zip.
    ExportFile,
    /// A config's `index.txt`.
    Index,
}

impl BlobKind {
    /// The kind of an object, from its name.
    pub fn of(name: &str) -> Self {
        if name.rsplit('/').next() == Some("index.txt") {
            BlobKind::Index
        } else {
            BlobKind::ExportFile
        }
    }

    /// `Content-Type`.
    pub fn content_type(self) -> &'static str {
        match self {
            BlobKind::ExportFile => CONTENT_TYPE_ZIP,
            BlobKind::Index => CONTENT_TYPE_INDEX,
        }
    }

    /// `Cache-Control`.
    pub fn cache_control(self) -> &'static str {
        match self {
            BlobKind::ExportFile => CACHE_ZIP,
            BlobKind::Index => CACHE_INDEX,
        }
    }
}

/// A stored object.
#[derive(Debug, Clone)]
pub struct Blob {
    pub bytes: Bytes,
    /// Strong validator of this version of the object (quoted, as sent in `ETag`).
    pub etag: String,
    pub modified: SystemTime,
}

/// Why a blob operation failed.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The name is not an acceptable object name.
    #[error("invalid object name {0:?}")]
    InvalidName(String),
    #[error("blob store I/O on {name:?} failed")]
    Io {
        name: String,
        #[source]
        source: std::io::Error,
    },
}

/// An object store.
pub trait BlobStore: Send + Sync + fmt::Debug {
    /// Writes (or replaces) an object atomically: readers see the old or the new version whole.
    fn put<'a>(
        &'a self,
        name: &'a str,
        bytes: Bytes,
        kind: BlobKind,
    ) -> BoxFuture<'a, Result<(), BlobError>>;

    /// Reads an object; `None` when it does not exist.
    fn get<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Option<Blob>, BlobError>>;

    /// Deletes an object; deleting a missing object succeeds.
    fn delete<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<(), BlobError>>;
}

/// Longest name segment: a file system's `NAME_MAX`; longer names cannot exist.
pub const MAX_SEGMENT_BYTES: usize = 255;
/// Longest whole name (export names are a few dozen bytes; this leaves room for any root).
pub const MAX_NAME_BYTES: usize = 1024;

/// Whether `name` is an acceptable object name: non-empty `/`-separated segments of
/// `[A-Za-z0-9._-]` of at most [`MAX_SEGMENT_BYTES`], none of them `.` or `..`, at most
/// [`MAX_NAME_BYTES`] in all. Anything else is answered 404 without touching the store.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_BYTES
        && name.split('/').all(|segment| {
            !segment.is_empty()
                && segment.len() <= MAX_SEGMENT_BYTES
                && segment != "."
                && segment != ".."
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_escape_and_kinds_follow_the_name() {
        assert!(is_valid_name("us/index.txt"));
        assert!(is_valid_name("v1/1-2-00001.zip"));
        assert!(is_valid_name(&"a".repeat(MAX_SEGMENT_BYTES)));
        assert!(!is_valid_name(&"a".repeat(MAX_SEGMENT_BYTES + 1)));
        assert!(!is_valid_name(&["a"; MAX_NAME_BYTES].join("/")));
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a//b",
            "a/./b",
            "a/b/",
            "a b",
            "a\\b",
        ] {
            assert!(!is_valid_name(bad), "{bad:?}");
        }
        assert_eq!(BlobKind::of("us/index.txt"), BlobKind::Index);
        assert_eq!(BlobKind::of("index.txt"), BlobKind::Index);
        assert_eq!(BlobKind::of("us/1-2-00001.zip"), BlobKind::ExportFile);
        assert_eq!(BlobKind::Index.cache_control(), "no-cache, max-age=0");
        assert_eq!(
            BlobKind::ExportFile.cache_control(),
            "public, max-age=86400"
        );
    }
}
