//! Where the photos live: one [`object_store::ObjectStore`] (S3/COS, local filesystem or memory)
//! plus the folder, the public URL prefix of images, and the direct-upload signer.
//!
//! The album's routes speak only to [`Storage`]; which backend sits behind it is configuration
//! (`storage.backend`, [`crate::settings::Backend`]).

mod backend;
pub mod direct;
pub mod writer;

use std::{sync::Arc, time::SystemTime};

use futures_util::TryStreamExt;
use object_store::{ObjectStore, ObjectStoreExt, path::Path};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::{image::ImageKind, keys::Folder, settings::Settings};

pub use direct::{DirectSigner, DirectUpload};

/// Characters escaped in the path of an image URL: everything but RFC 3986 unreserved
/// characters; `/` between segments is kept by encoding segment by segment.
const URL_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Where a client reaches the album, for the URLs of files the album serves itself.
#[derive(Debug, Clone)]
pub struct Origin {
    /// `http` or `https`, as the client used (nginx sets `X-Forwarded-Proto`).
    pub scheme: String,
    /// `host[:port]` as the client used (nginx passes `Host`).
    pub host: String,
}

/// The public URL prefix of images (the original `cosDomain`).
#[derive(Debug, Clone)]
pub enum PublicBase {
    /// A fixed prefix ending in `/`: the COS/CDN domain or the S3 bucket URL.
    Fixed(String),
    /// The album serves the files itself under `{route_base_path}/album/files/`; the host is the
    /// one the client used.
    Served {
        /// `{route_base_path}/album/files/`.
        path: String,
    },
}

/// The album's object storage.
#[derive(Debug, Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    folder: Folder,
    public: PublicBase,
    /// S3-like stores keep the `Content-Type` of each object; the local filesystem cannot.
    content_type_attribute: bool,
    max_file_size: u64,
    multipart_threshold: u64,
}

impl Storage {
    /// Build the configured backend and its direct-upload signer.
    ///
    /// # Errors
    /// When the backend cannot be built (bad endpoint URL, data directory not creatable).
    pub fn from_settings(settings: &Settings) -> anyhow::Result<(Self, DirectSigner)> {
        let built = backend::build(settings)?;
        let public = if !settings.cos.domain.is_empty() {
            PublicBase::Fixed(with_trailing_slash(&settings.cos.domain))
        } else if let Some(prefix) = built.public_prefix {
            PublicBase::Fixed(prefix)
        } else {
            PublicBase::Served {
                path: format!("{}/album/files/", settings.route_base_path),
            }
        };
        let storage = Self {
            store: built.store,
            folder: Folder::new(&settings.cos.folder),
            public,
            content_type_attribute: built.content_type_attribute,
            max_file_size: settings.upload.max_file_size,
            multipart_threshold: settings.upload.multipart_threshold,
        };
        Ok((storage, built.signer))
    }

    /// The upload folder.
    pub fn folder(&self) -> &Folder {
        &self.folder
    }

    /// Whether the album must serve the files itself (no public URL prefix configured or known).
    pub fn serves_files(&self) -> bool {
        matches!(self.public, PublicBase::Served { .. })
    }

    /// Largest accepted image in bytes.
    pub fn max_file_size(&self) -> u64 {
        self.max_file_size
    }

    /// The public URL of `key` (the original `cosDomain + key`, with each path segment
    /// percent-encoded so keys with spaces or Chinese characters make valid URLs).
    pub fn image_url(&self, key: &str, origin: &Origin) -> String {
        let encoded = key
            .split('/')
            .map(|segment| utf8_percent_encode(segment, URL_SEGMENT).to_string())
            .collect::<Vec<_>>()
            .join("/");
        match &self.public {
            PublicBase::Fixed(prefix) => format!("{prefix}{encoded}"),
            PublicBase::Served { path } => {
                format!("{}://{}{path}{encoded}", origin.scheme, origin.host)
            }
        }
    }

    /// The path part of the public URL prefix (`/album/` for a path-style bucket URL), which
    /// the original client leaves in the `filepath` it sends to delete.
    pub fn url_path_prefix(&self) -> String {
        match &self.public {
            PublicBase::Fixed(prefix) => url::Url::parse(prefix)
                .map(|url| url.path().to_owned())
                .unwrap_or_default(),
            PublicBase::Served { path } => path.clone(),
        }
    }

    /// Keys of the images (`.jpg`/`.png`) directly inside the folder, newest first, at most
    /// `max_keys` of them. Newest = latest modification, ties broken by key (keys start with
    /// the upload time in ms), since the original client prepends uploads (§1.2).
    ///
    /// # Errors
    /// The store's error.
    pub async fn list_newest(&self, max_keys: usize) -> object_store::Result<Vec<String>> {
        let prefix = Path::from(self.folder.prefix().trim_end_matches('/'));
        let prefix = (!self.folder.prefix().is_empty()).then_some(&prefix);
        let listing = self.store.list_with_delimiter(prefix).await?;
        // (milliseconds since the epoch, key)
        let mut images: Vec<(i64, String)> = listing
            .objects
            .into_iter()
            .filter(|meta| ImageKind::from_key(meta.location.as_ref()).is_some())
            .map(|meta| {
                (
                    meta.last_modified.timestamp_millis(),
                    meta.location.to_string(),
                )
            })
            .collect();
        images.sort_unstable_by(|a, b| b.cmp(a));
        images.truncate(max_keys);
        Ok(images.into_iter().map(|(_, key)| key).collect())
    }

    /// Delete `key`; deleting a missing key succeeds, as on COS (§1.2).
    ///
    /// # Errors
    /// The store's error, or an invalid key.
    pub async fn delete(&self, key: &str) -> object_store::Result<()> {
        match self.store.delete(&Path::parse(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// Read `key` for serving.
    ///
    /// # Errors
    /// `NotFound` for a missing key, or the store's error.
    pub async fn get(&self, key: &str) -> object_store::Result<object_store::GetResult> {
        self.store.get(&Path::parse(key)?).await
    }

    /// Readiness: a HEAD of a key that should not exist. An answer (found or not) means the
    /// store is reachable and our credentials work.
    ///
    /// # Errors
    /// The store's error, as text for the log.
    pub async fn probe(&self) -> Result<(), String> {
        let path = Path::from(format!("{}.readyz-probe", self.folder.prefix()));
        match self.store.head(&path).await {
            Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error.to_string()),
        }
    }

    /// A new unique key in the folder.
    pub fn new_key(&self, kind: ImageKind) -> String {
        self.folder.new_key(kind, SystemTime::now())
    }

    /// Every key under `prefix` (tests and benchmarks clean up with it).
    ///
    /// # Errors
    /// The store's error.
    pub async fn keys_under(&self, prefix: &str) -> object_store::Result<Vec<String>> {
        let prefix = Path::from(prefix.trim_end_matches('/'));
        self.store
            .list(Some(&prefix))
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await
    }
}

fn with_trailing_slash(prefix: &str) -> String {
    if prefix.ends_with('/') {
        prefix.to_owned()
    } else {
        format!("{prefix}/")
    }
}

#[cfg(test)]
mod tests;
