//! Where the bytes of document versions live: behind [`BlobStore`], content-addressed by
//! SHA-256, so a file uploaded twice is kept once and a key never changes meaning. The one
//! implementation goes through the `object_store` crate: local files by default, any
//! S3-compatible store when configured.

use std::io::{Read, Seek};
use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{GetOptions, ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};

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

/// How much of a file is read at a time.
const CHUNK: usize = 256 * 1024;

/// The size of each part of a multipart upload: S3 refuses parts under 5 MiB (but the
/// last). A file no larger goes in one request.
const PART: usize = 5 * 1024 * 1024;

/// Where an S3-compatible bucket is and how to sign in to it. Empty fields are taken from
/// the standard AWS environment variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
/// `AWS_SESSION_TOKEN`, `AWS_REGION`/`AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL`), then from
/// the instance's role where one is attached.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct S3Options {
    /// `s3://BUCKET` or `s3://BUCKET/PREFIX`.
    pub url: String,
    /// The service's address for S3-compatible stores other than AWS (MinIO, Garage,
    /// Ceph…), e.g. `http://127.0.0.1:9000`; requests then name the bucket in the path.
    pub endpoint: String,
    /// The region.
    pub region: String,
    /// The access key.
    pub access_key_id: String,
    /// The secret key.
    pub secret_access_key: String,
}

impl std::fmt::Debug for S3Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret key is never printed.
        f.debug_struct("S3Options")
            .field("url", &self.url)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"…")
            .finish()
    }
}

impl S3Options {
    /// The bucket and the key prefix (maybe empty) named by `url`.
    fn bucket_and_prefix(&self) -> Result<(&str, &str), BlobError> {
        let rest = self
            .url
            .strip_prefix("s3://")
            .or_else(|| self.url.strip_prefix("s3a://"))
            .ok_or_else(|| BlobError::Store("the URL must start with s3://".to_owned()))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(BlobError::Store("the URL names no bucket".to_owned()));
        }
        Ok((bucket, prefix.trim_matches('/')))
    }
}

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

    /// A bucket of an S3-compatible store. Nothing is contacted yet: a wrong address or
    /// key shows at the first upload or download.
    pub fn s3(options: &S3Options) -> Result<Self, BlobError> {
        // reqwest's rustls needs a process-wide crypto provider; ring is linked already.
        // When another part of the process installed one first, that one serves.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let (bucket, prefix) = options.bucket_and_prefix()?;
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        if !options.endpoint.is_empty() {
            builder = builder
                .with_endpoint(&options.endpoint)
                .with_allow_http(options.endpoint.starts_with("http://"))
                // Custom endpoints rarely resolve BUCKET.host names: the bucket goes in
                // the path.
                .with_virtual_hosted_style_request(false);
        }
        if !options.region.is_empty() {
            builder = builder.with_region(&options.region);
        }
        if !options.access_key_id.is_empty() {
            builder = builder.with_access_key_id(&options.access_key_id);
        }
        if !options.secret_access_key.is_empty() {
            builder = builder.with_secret_access_key(&options.secret_access_key);
        }
        let store = builder.build()?;
        let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(store)
        } else {
            Arc::new(PrefixStore::new(store, prefix))
        };
        Ok(Self { store })
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
    async fn put_file(&self, sha256: &str, file: std::fs::File) -> Result<(), BlobError> {
        let path = Self::path(sha256);
        if self.store.head(&path).await.is_ok() {
            return Ok(());
        }
        // The file may have been read before (hashing, an earlier keeping).
        let mut file = file;
        file.rewind()
            .map_err(|error| BlobError::Store(error.to_string()))?;
        let (first, mut file) = read_chunk(file, PART + 1).await?;
        if first.len() <= PART {
            // Small enough for one request, which is all-or-nothing by itself.
            self.store
                .put(&path, PutPayload::from(first))
                .await
                .map_err(write_error)?;
            return Ok(());
        }
        // A multipart upload shows nothing until it completes; on failure it is aborted,
        // so no parts linger.
        let upload = self.store.put_multipart(&path).await.map_err(write_error)?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART);
        writer.write(&first);
        loop {
            let (chunk, returned) = match read_chunk(file, CHUNK).await {
                Ok(read) => read,
                Err(error) => {
                    let _ = writer.abort().await;
                    return Err(error);
                }
            };
            file = returned;
            if chunk.is_empty() {
                break;
            }
            if let Err(error) = writer.wait_for_capacity(2).await {
                let _ = writer.abort().await;
                return Err(write_error(error));
            }
            writer.write(&chunk);
        }
        writer.finish().await.map_err(write_error)?;
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

/// A failed write: "not found" there means a missing bucket or folder, the store's fault.
fn write_error(error: object_store::Error) -> BlobError {
    BlobError::Store(error.to_string())
}

/// Reads up to `limit` bytes of `file` off the async runtime; fewer only at its end.
async fn read_chunk(
    mut file: std::fs::File,
    limit: usize,
) -> Result<(Vec<u8>, std::fs::File), BlobError> {
    let (read, file) = tokio::task::spawn_blocking(move || {
        let mut buffer = Vec::with_capacity(limit.min(PART + 1));
        let read = (&mut file)
            .take(limit as u64)
            .read_to_end(&mut buffer)
            .map(|_| buffer);
        (read, file)
    })
    .await
    .map_err(|error| BlobError::Store(error.to_string()))?;
    Ok((
        read.map_err(|error| BlobError::Store(error.to_string()))?,
        file,
    ))
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
        let content: Vec<u8> = (0..(PART + CHUNK + 10)).map(|i| (i % 251) as u8).collect();
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
