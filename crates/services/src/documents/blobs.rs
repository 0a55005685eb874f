//! Where the bytes of document versions live: behind [`BlobStore`], content-addressed by
//! SHA-256, so a file uploaded twice is kept once and a key never changes meaning. The one
//! implementation goes through the `object_store` crate; local files by default.

use std::io::Read;
use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{GetOptions, ObjectStore, ObjectStoreExt, WriteMultipart};

/// Why the blob store failed. Its text is for the log only.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The bytes are not there.
    #[error("blob not found")]
    NotFound,
    /// The store or the file system failed.
    #[error("blob store: {0}")]
    Store(String),
}

impl From<object_store::Error> for BlobError {
    fn from(error: object_store::Error) -> Self {
        match error {
            object_store::Error::NotFound { .. } => BlobError::NotFound,
            other => BlobError::Store(other.to_string()),
        }
    }
}

/// A stream of a blob's bytes.
pub type BlobStream = BoxStream<'static, Result<Bytes, BlobError>>;

/// Content-addressed storage of version bytes.
#[async_trait::async_trait]
pub trait BlobStore: Send + Sync {
    /// Keeps the bytes of `file` (whose SHA-256 is `sha256`) unless they are kept already.
    /// Readers never see half a blob: it appears whole or not at all.
    async fn put_file(&self, sha256: &str, file: std::fs::File) -> Result<(), BlobError>;

    /// Streams the bytes of `sha256`, or those in `range` of them.
    async fn get(&self, sha256: &str, range: Option<Range<u64>>) -> Result<BlobStream, BlobError>;

    /// Removes the bytes of `sha256`; removing what is not there is no error.
    async fn delete(&self, sha256: &str) -> Result<(), BlobError>;
}

/// A [`BlobStore`] over any `object_store` backend.
pub struct ObjectBlobStore {
    store: Arc<dyn ObjectStore>,
}

impl std::fmt::Debug for ObjectBlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ObjectBlobStore({})", self.store)
    }
}

/// How much of a file is read per part sent to the store.
const CHUNK: usize = 256 * 1024;

impl ObjectBlobStore {
    /// Files under `dir` (created if missing). `object_store` writes each to a staging name
    /// beside its final one and renames it when complete.
    pub fn local(dir: &std::path::Path) -> Result<Self, BlobError> {
        std::fs::create_dir_all(dir).map_err(|error| BlobError::Store(error.to_string()))?;
        let store = LocalFileSystem::new_with_prefix(dir)?.with_automatic_cleanup(true);
        Ok(Self {
            store: Arc::new(store),
        })
    }

    /// Over an already built `object_store` backend.
    pub fn new(store: Arc<dyn ObjectStore>) -> Self {
        Self { store }
    }

    fn path(sha256: &str) -> Path {
        // Two levels of fan-out keep directories small on file systems.
        let prefix = sha256.get(..2).unwrap_or("00");
        Path::from(format!("sha256/{prefix}/{sha256}"))
    }
}

#[async_trait::async_trait]
impl BlobStore for ObjectBlobStore {
    async fn put_file(&self, sha256: &str, mut file: std::fs::File) -> Result<(), BlobError> {
        let path = Self::path(sha256);
        if self.store.head(&path).await.is_ok() {
            return Ok(());
        }
        let upload = self.store.put_multipart(&path).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, CHUNK);
        loop {
            let (chunk, returned) = tokio::task::spawn_blocking(move || {
                let mut buffer = vec![0; CHUNK];
                let read = file.read(&mut buffer);
                (read.map(|n| buffer[..n].to_vec()), file)
            })
            .await
            .map_err(|error| BlobError::Store(error.to_string()))?;
            file = returned;
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(error) => {
                    // Dropping the staged upload would leave its parts; remove them.
                    let _ = writer.abort().await;
                    return Err(BlobError::Store(error.to_string()));
                }
            };
            if chunk.is_empty() {
                break;
            }
            writer.wait_for_capacity(4).await?;
            writer.write(&chunk);
        }
        writer.finish().await?;
        Ok(())
    }

    async fn get(&self, sha256: &str, range: Option<Range<u64>>) -> Result<BlobStream, BlobError> {
        let options = GetOptions::new().with_range(range);
        let result = self.store.get_opts(&Self::path(sha256), options).await?;
        Ok(result
            .into_stream()
            .map(|chunk| chunk.map_err(BlobError::from))
            .boxed())
    }

    async fn delete(&self, sha256: &str) -> Result<(), BlobError> {
        match self.store.delete(&Self::path(sha256)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Seek, Write};

    async fn read_all(stream: BlobStream) -> Vec<u8> {
        let chunks: Vec<Result<Bytes, BlobError>> = stream.collect().await;
        chunks
            .into_iter()
            .flat_map(|chunk| chunk.map(|bytes| bytes.to_vec()).unwrap_or_default())
            .collect()
    }

    #[tokio::test]
    async fn local_blobs_round_trip_by_range_and_leave_no_staging_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        let blobs = ObjectBlobStore::local(dir.path()).expect("store");
        let mut file = tempfile::tempfile().expect("temp file");
        let content: Vec<u8> = (0..(CHUNK * 2 + 10)).map(|i| (i % 251) as u8).collect();
        file.write_all(&content).expect("write");
        file.rewind().expect("rewind");
        let key = "ab".repeat(32);
        blobs.put_file(&key, file).await.expect("put");
        let whole = read_all(blobs.get(&key, None).await.expect("get")).await;
        assert_eq!(whole, content);
        let part = read_all(blobs.get(&key, Some(3..9)).await.expect("range")).await;
        assert_eq!(part, content[3..9]);
        let files: Vec<_> = walk(dir.path());
        assert_eq!(files.len(), 1, "{files:?}");
        blobs.delete(&key).await.expect("delete");
        blobs.delete(&key).await.expect("delete again");
        assert!(matches!(
            blobs.get(&key, None).await,
            Err(BlobError::NotFound)
        ));
    }

    fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(walk(&path));
            } else {
                found.push(path);
            }
        }
        found
    }
}
