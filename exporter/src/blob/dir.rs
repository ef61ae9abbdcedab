//! The directory blob store (`EXPORT_DIR`): one file per object, written to a temporary file
//! and renamed into place so a reader never sees half a file. The `ETag` is derived from the
//! file's size and modification time (nanoseconds), like common static file servers, so serving
//! needs no hashing.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures::future::BoxFuture;

use super::{is_valid_name, Blob, BlobError, BlobKind, BlobStore};

/// Objects as files below a root directory.
#[derive(Debug, Clone)]
pub struct DirectoryStore {
    root: PathBuf,
}

impl DirectoryStore {
    /// A store below `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path_of(&self, name: &str) -> Result<PathBuf, BlobError> {
        if is_valid_name(name) {
            Ok(self.root.join(name))
        } else {
            Err(BlobError::InvalidName(name.to_owned()))
        }
    }
}

fn io_error(name: &str) -> impl FnOnce(std::io::Error) -> BlobError + '_ {
    move |source| BlobError::Io {
        name: name.to_owned(),
        source,
    }
}

/// `"<size hex>-<mtime ns hex>"`.
fn etag_of(len: u64, modified: SystemTime) -> String {
    let nanos = modified
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("\"{len:x}-{nanos:x}\"")
}

impl BlobStore for DirectoryStore {
    fn put<'a>(
        &'a self,
        name: &'a str,
        bytes: Bytes,
        _kind: BlobKind,
    ) -> BoxFuture<'a, Result<(), BlobError>> {
        Box::pin(async move {
            let path = self.path_of(name)?;
            if let Some(parent) = path.parent() {
                tokio::fs::create_dir_all(parent)
                    .await
                    .map_err(io_error(name))?;
            }
            let file_name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let temp = path.with_file_name(format!(".{file_name}.{}.tmp", uuid::Uuid::new_v4()));
            tokio::fs::write(&temp, &bytes)
                .await
                .map_err(io_error(name))?;
            if let Err(e) = tokio::fs::rename(&temp, &path).await {
                let _ = tokio::fs::remove_file(&temp).await;
                return Err(io_error(name)(e));
            }
            Ok(())
        })
    }

    fn get<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Option<Blob>, BlobError>> {
        Box::pin(async move {
            let path = self.path_of(name)?;
            let bytes = match tokio::fs::read(&path).await {
                Ok(bytes) => bytes,
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::NotFound | std::io::ErrorKind::IsADirectory
                    ) =>
                {
                    return Ok(None)
                }
                Err(e) => return Err(io_error(name)(e)),
            };
            let modified = tokio::fs::metadata(&path)
                .await
                .and_then(|m| m.modified())
                .unwrap_or(UNIX_EPOCH);
            Ok(Some(Blob {
                etag: etag_of(bytes.len() as u64, modified),
                bytes: Bytes::from(bytes),
                modified,
            }))
        })
    }

    fn delete<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<(), BlobError>> {
        Box::pin(async move {
            let path = self.path_of(name)?;
            match tokio::fs::remove_file(&path).await {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(io_error(name)(e)),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Puts `bytes` as the index `name`, reads it back and checks it holds them.
    async fn put_and_read_back(store: &DirectoryStore, name: &str, bytes: &'static [u8]) -> Blob {
        store
            .put(name, Bytes::from_static(bytes), BlobKind::Index)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let blob = store.get(name).await.unwrap_or_else(|e| panic!("{e}"));
        let blob = blob.unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(&blob.bytes[..], bytes);
        blob
    }

    #[tokio::test]
    async fn put_get_replace_delete() {
        let root = std::env::temp_dir().join(format!("blobs-{}", uuid::Uuid::new_v4()));
        let store = DirectoryStore::new(&root);
        let name = "us/index.txt";
        assert!(store
            .get(name)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .is_none());
        let first = put_and_read_back(&store, name, b"a").await;
        let second = put_and_read_back(&store, name, b"b").await;
        assert_ne!(first.etag, second.etag, "a new version has a new ETag");
        store.delete(name).await.unwrap_or_else(|e| panic!("{e}"));
        store.delete(name).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(store
            .get(name)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .is_none());
        assert!(store.get("../etc/passwd").await.is_err());
        assert!(store
            .get("us")
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .is_none());
        let _ = std::fs::remove_dir_all(&root);
    }
}
