//! The content-addressed file store: uploaded and generated files, kept under the SM3 hash of
//! their content (PRODUCT.md §5; QUALITY.md SEC-21).
//!
//! A file is stored at `sm3/<first 2 hex digits>/<64 hex digits>`, never under a name a user
//! chose, so no upload can name its own path. Storing the same bytes twice stores them once.
//! Reading verifies the hash: a file that was damaged at rest is reported as
//! [`FileStoreError::Corrupt`] and never served.
//!
//! Two back ends, both through the `object_store` crate:
//!
//! - [`FileStore::local`]: a directory on this machine (outside the web root). Writes are
//!   durable before `put` returns: `LocalFileSystem` writes a staging file next to the target
//!   (`<key>#<n>`), and — with `with_fsync(true)`, which is *off* by default and switched on
//!   here — `sync_all`s it, publishes it atomically (a hard link for `PutMode::Create`, a rename
//!   for `PutMode::Overwrite`) and fsyncs the parent directory (object_store 0.14.2,
//!   `LocalFileSystem::with_fsync` and `put_opts`). A crash therefore leaves either no object or
//!   the whole object, never a partial one; at worst a stray staging file.
//! - [`FileStore::s3`] (cargo feature `s3`): an S3-compatible bucket (MinIO, a cloud provider's
//!   object storage), for several instances sharing one database. The bucket must support
//!   conditional writes (`If-None-Match: *`; MinIO and AWS S3 do). The feature is off by default
//!   because `object_store/aws` builds aws-lc-sys (C) and a TLS/HTTP client stack: measured at
//!   +6 min 37 s for `cargo build -p skillbase-app` on a warm 2-core machine.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use skillbase_domain::attachment::{ContentHash, content_address};

/// Why the file store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum FileStoreError {
    /// No file is stored under this hash.
    #[error("no stored file {0}")]
    NotFound(ContentHash),
    /// The stored bytes no longer hash to their name: damaged at rest, not served.
    #[error("stored file {hash} is corrupt (its content hashes to {actual})")]
    Corrupt { hash: ContentHash, actual: ContentHash },
    /// The store could not be set up (a directory that cannot be created, an invalid S3 setting).
    #[error("file store configuration: {0}")]
    Config(String),
    /// The storage itself failed (disk, network, permissions).
    #[error("file store: {0}")]
    Storage(#[source] object_store::Error),
}

impl FileStoreError {
    /// A stable machine-readable code (logs; the web layer's problem codes).
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            FileStoreError::NotFound(_) => "not_found",
            FileStoreError::Corrupt { .. } => "corrupt",
            FileStoreError::Config(_) => "config",
            FileStoreError::Storage(_) => "storage",
        }
    }
}

/// Where to find an S3-compatible bucket.
#[cfg(feature = "s3")]
#[derive(Debug, Clone)]
pub struct S3Config {
    /// e.g. `http://127.0.0.1:9000` for a local MinIO, `https://s3.cn-north-1.amazonaws.com.cn`.
    pub endpoint: String,
    pub bucket: String,
    /// MinIO accepts any; `us-east-1` is its default.
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: secrecy::SecretString,
    /// Allow a plain-HTTP endpoint (a MinIO on the same host or private network).
    pub allow_http: bool,
}

/// A content-addressed store of files. Cheap to clone (shares one connection/handle).
#[derive(Clone)]
pub struct FileStore {
    inner: Arc<dyn ObjectStore>,
}

/// Only the back end and where it points (`LocalFileSystem(file:///…)`, `AmazonS3(bucket)`):
/// never its configuration, which for S3 holds credentials.
impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FileStore({})", self.inner)
    }
}

impl FileStore {
    /// A store in the directory `dir`, created if missing.
    ///
    /// # Errors
    ///
    /// [`FileStoreError::Config`] if the directory cannot be created or opened.
    pub fn local(dir: &Path) -> Result<FileStore, FileStoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| FileStoreError::Config(format!("cannot create {}: {e}", dir.display())))?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| FileStoreError::Config(format!("cannot open {}: {e}", dir.display())))?
            .with_fsync(true);
        Ok(FileStore { inner: Arc::new(store) })
    }

    /// A store in an S3-compatible bucket. Nothing is contacted until the first call.
    ///
    /// # Errors
    ///
    /// [`FileStoreError::Config`] if the settings are invalid (e.g. a malformed endpoint).
    #[cfg(feature = "s3")]
    pub fn s3(config: S3Config) -> Result<FileStore, FileStoreError> {
        use secrecy::ExposeSecret;
        let store = object_store::aws::AmazonS3Builder::new()
            .with_endpoint(config.endpoint)
            .with_bucket_name(config.bucket)
            .with_region(config.region)
            .with_access_key_id(config.access_key_id)
            .with_secret_access_key(config.secret_access_key.expose_secret())
            .with_allow_http(config.allow_http)
            // Path-style requests (`endpoint/bucket/key`), which MinIO and most others accept.
            .with_virtual_hosted_style_request(false)
            .build()
            .map_err(|e| FileStoreError::Config(e.to_string()))?;
        Ok(FileStore { inner: Arc::new(store) })
    }

    /// Stores `bytes` and returns their hash. Storing bytes that are already stored does nothing.
    ///
    /// A stored object of the wrong size under this hash (a truncated file) is replaced: the
    /// bytes given hash to the name, so they are the right content by definition.
    ///
    /// # Errors
    ///
    /// [`FileStoreError::Storage`] if the storage fails.
    pub async fn put(&self, bytes: impl Into<Bytes>) -> Result<ContentHash, FileStoreError> {
        let bytes: Bytes = bytes.into();
        let hash = hash_of(bytes.clone()).await;
        let location = location(&hash);
        let len = bytes.len() as u64;
        let mode = match self.inner.head(&location).await {
            Ok(meta) if meta.size == len => return Ok(hash),
            Ok(_) => {
                tracing::warn!(hash = hash.as_str(), "stored file has the wrong size; replacing it");
                PutMode::Overwrite
            }
            Err(object_store::Error::NotFound { .. }) => PutMode::Create,
            Err(e) => return Err(FileStoreError::Storage(e)),
        };
        let options = PutOptions { mode, ..PutOptions::default() };
        match self.inner.put_opts(&location, PutPayload::from_bytes(bytes), options).await {
            // Someone stored the same content at the same moment: same bytes, nothing to do.
            Ok(_) | Err(object_store::Error::AlreadyExists { .. }) => Ok(hash),
            Err(e) => Err(FileStoreError::Storage(e)),
        }
    }

    /// The bytes stored under `hash`, verified against it.
    ///
    /// # Errors
    ///
    /// [`FileStoreError::NotFound`], [`FileStoreError::Corrupt`] if the stored bytes no longer
    /// hash to `hash`, [`FileStoreError::Storage`] if the storage fails.
    pub async fn get(&self, hash: &ContentHash) -> Result<Vec<u8>, FileStoreError> {
        let result = self.inner.get(&location(hash)).await.map_err(|e| not_found_or(e, hash))?;
        let bytes = result.bytes().await.map_err(|e| not_found_or(e, hash))?;
        let actual = hash_of(bytes.clone()).await;
        if &actual != hash {
            tracing::error!(hash = hash.as_str(), actual = actual.as_str(), "stored file is corrupt");
            return Err(FileStoreError::Corrupt { hash: hash.clone(), actual });
        }
        Ok(bytes.into())
    }

    /// Whether something is stored under `hash` (not verified: use [`FileStore::get`] to read).
    ///
    /// # Errors
    ///
    /// [`FileStoreError::Storage`] if the storage fails.
    pub async fn exists(&self, hash: &ContentHash) -> Result<bool, FileStoreError> {
        match self.inner.head(&location(hash)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(FileStoreError::Storage(e)),
        }
    }
}

/// `sm3/<first 2 hex>/<full hex>`: 256 directories keep any one directory small.
fn location(hash: &ContentHash) -> ObjectPath {
    let hex = hash.as_str();
    ObjectPath::from(format!("sm3/{}/{hex}", &hex[..2]))
}

fn not_found_or(error: object_store::Error, hash: &ContentHash) -> FileStoreError {
    match error {
        object_store::Error::NotFound { .. } => FileStoreError::NotFound(hash.clone()),
        e => FileStoreError::Storage(e),
    }
}

/// Hashing a file of several MB takes milliseconds of CPU: off the async worker threads.
pub(crate) async fn hash_of(bytes: Bytes) -> ContentHash {
    match tokio::task::spawn_blocking(move || content_address(&bytes)).await {
        Ok(hash) => hash,
        Err(join_error) => std::panic::resume_unwind(join_error.into_panic()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    /// A fresh directory under the system's temporary directory, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> TempDir {
            TempDir(std::env::temp_dir().join(format!("skillbase-files-{}", random_suffix())))
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn random_suffix() -> String {
        crate::random_bytes(16).iter().map(|b| format!("{b:02x}")).collect()
    }

    fn on_disk(dir: &TempDir, hash: &ContentHash) -> PathBuf {
        dir.0.join("sm3").join(&hash.as_str()[..2]).join(hash.as_str())
    }

    #[tokio::test]
    async fn put_then_get_round_trips() {
        let dir = TempDir::new();
        let store = FileStore::local(&dir.0).unwrap();
        let content = "申报书 %PDF-1.7".as_bytes().to_vec();
        let hash = store.put(content.clone()).await.unwrap();
        assert_eq!(hash, content_address(&content));
        assert!(on_disk(&dir, &hash).is_file());
        assert!(store.exists(&hash).await.unwrap());
        assert_eq!(store.get(&hash).await.unwrap(), content);
        // No staging file is left behind.
        let entries: Vec<_> = std::fs::read_dir(on_disk(&dir, &hash).parent().unwrap()).unwrap().collect();
        assert_eq!(entries.len(), 1);
    }

    #[tokio::test]
    async fn the_same_bytes_are_stored_once() {
        let dir = TempDir::new();
        let store = FileStore::local(&dir.0).unwrap();
        let first = store.put(Bytes::from_static(b"same")).await.unwrap();
        let modified = std::fs::metadata(on_disk(&dir, &first)).unwrap().modified().unwrap();
        let second = store.clone().put(b"same".to_vec()).await.unwrap();
        assert_eq!(first, second);
        assert_eq!(std::fs::metadata(on_disk(&dir, &first)).unwrap().modified().unwrap(), modified);
        let other = store.put(b"other".to_vec()).await.unwrap();
        assert_ne!(first, other);
        assert_eq!(store.get(&other).await.unwrap(), b"other");
    }

    #[tokio::test]
    async fn concurrent_puts_of_the_same_bytes_all_succeed() {
        let dir = TempDir::new();
        let store = FileStore::local(&dir.0).unwrap();
        let puts = (0..8).map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.put(vec![7u8; 64 * 1024]).await })
        });
        let mut hashes = Vec::new();
        for put in puts {
            hashes.push(put.await.unwrap().unwrap());
        }
        hashes.dedup();
        assert_eq!(hashes.len(), 1);
        assert_eq!(store.get(&hashes[0]).await.unwrap(), vec![7u8; 64 * 1024]);
    }

    #[tokio::test]
    async fn a_corrupted_file_is_detected_not_served() {
        let dir = TempDir::new();
        let store = FileStore::local(&dir.0).unwrap();
        let hash = store.put(b"original content".to_vec()).await.unwrap();
        // Same length, one byte changed: only the hash can tell.
        std::fs::write(on_disk(&dir, &hash), b"original CONTENT").unwrap();
        let err = store.get(&hash).await.unwrap_err();
        assert_eq!(err.code(), "corrupt", "{err}");
        assert!(matches!(&err, FileStoreError::Corrupt { hash: h, actual } if h == &hash && actual != &hash));
        // Same length: a later put of the right bytes cannot tell, and keeps the damaged file …
        store.put(b"original content".to_vec()).await.unwrap();
        assert_eq!(store.get(&hash).await.unwrap_err().code(), "corrupt");
        // … but a truncated file is replaced by the next put of its content.
        std::fs::write(on_disk(&dir, &hash), b"orig").unwrap();
        store.put(b"original content".to_vec()).await.unwrap();
        assert_eq!(store.get(&hash).await.unwrap(), b"original content");
    }

    #[tokio::test]
    async fn a_missing_file_is_not_found() {
        let dir = TempDir::new();
        let store = FileStore::local(&dir.0).unwrap();
        let hash = content_address(b"never stored");
        assert!(!store.exists(&hash).await.unwrap());
        let err = store.get(&hash).await.unwrap_err();
        assert!(matches!(&err, FileStoreError::NotFound(h) if h == &hash), "{err}");
        assert_eq!(err.code(), "not_found");
        assert!(format!("{store:?}").starts_with("FileStore(LocalFileSystem(file://"), "{store:?}");
    }

    #[test]
    fn keys_are_fanned_out_by_the_first_two_digits() {
        let hash = content_address(b"abc");
        assert_eq!(location(&hash).as_ref(), "sm3/66/66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    }

    #[test]
    fn an_unusable_directory_is_a_config_error() {
        let dir = TempDir::new();
        std::fs::create_dir_all(&dir.0).unwrap();
        let file = dir.0.join("a-file");
        std::fs::write(&file, b"x").unwrap();
        let err = FileStore::local(&file.join("sub")).unwrap_err();
        assert_eq!(err.code(), "config");
    }
}
