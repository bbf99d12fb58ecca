//! Where the photos live: one [`object_store::ObjectStore`] (S3/COS, local filesystem, memory or
//! WeChat Cloud Run storage, [`TcbStore`]) plus the folder, the image URLs (public, or signed for a private bucket), the owners of
//! objects and the signer of direct uploads.
//!
//! The album's routes speak only to [`Storage`]; which backend sits behind it is configuration
//! (`storage.backend`, [`crate::settings::Backend`]).

mod backend;
mod meta;
mod owner;
mod range;
pub mod signer;
mod tcb;
pub mod uploads;
mod urls;
pub mod writer;

use std::{sync::Arc, time::SystemTime};

use futures_util::TryStreamExt;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, path::Path};

use crate::{
    image::{ImageKind, SNIFF_LEN},
    keys::Folder,
    settings::Settings,
};

pub use meta::{Head, Stored};
pub use signer::{FormTicket, Grant, MacKey, PutTicket, Signed, Signer};
pub use tcb::{TcbForm, TcbStore};
pub use urls::{Origin, PublicBase};
pub use writer::{WriteError, WriteOptions};

/// The album's object storage.
#[derive(Debug, Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    folder: Folder,
    urls: urls::Urls,
    /// S3-like stores keep each object's `Content-Type` and user metadata; the local
    /// filesystem cannot, so owners go to side records ([`owner`]).
    attributes: bool,
    max_file_size: u64,
    multipart_threshold: u64,
    stored: Stored,
    sweeper: Option<uploads::Sweeper>,
    /// The Cloud Run store (the same as `store`) when that is the backend: its image URLs,
    /// upload tickets and owners (kept in the index only) differ from the other backends'.
    tcb: Option<TcbStore>,
    /// The same store as `store` where it lists by key range (S3, COS; [`range`]).
    lister: Option<range::RangeLister>,
}

impl Storage {
    /// Build the configured backend and its signer; `stored` counts what it stores, `index`
    /// is the album's (the `tcb` backend lists from it).
    ///
    /// # Errors
    /// When the backend cannot be built (bad endpoint URL, data directory not creatable, `tcb`
    /// without the Redis index or with unusable WeChat settings).
    pub fn from_settings(
        settings: &Settings,
        index: &crate::index::Index,
        stored: Stored,
    ) -> anyhow::Result<Self> {
        let built = backend::build(settings, index)?;
        let public = if built.tcb.is_some() {
            PublicBase::Fixed(String::new())
        } else if !settings.cos.domain.is_empty() {
            PublicBase::Fixed(urls::with_trailing_slash(&settings.cos.domain))
        } else if let Some(prefix) = built.public_prefix {
            PublicBase::Fixed(prefix)
        } else {
            PublicBase::Served {
                path: format!("{}/album/files/", settings.route_base_path),
            }
        };
        Ok(Self {
            store: built.store,
            folder: Folder::new(&settings.cos.folder),
            urls: urls::Urls {
                public,
                served_path: format!("{}/album/files/", settings.route_base_path),
                signer: built.signer,
                public_read: settings.storage.public_read,
                expires_in: settings.list.url_expires_secs,
            },
            attributes: built.attributes,
            max_file_size: settings.upload.max_file_size,
            multipart_threshold: settings.upload.multipart_threshold,
            stored,
            sweeper: built.sweeper,
            tcb: built.tcb,
            lister: built.lister,
        })
    }

    /// The Cloud Run store, when that is the backend.
    pub fn tcb(&self) -> Option<&TcbStore> {
        self.tcb.as_ref()
    }

    /// What the backend must learn before the album serves (Cloud Run: its file-ID prefix);
    /// nothing for the others.
    ///
    /// # Errors
    /// The backend did not answer.
    pub async fn prepare(&self) -> anyhow::Result<()> {
        match &self.tcb {
            Some(tcb) => Box::pin(tcb.prepare()).await,
            None => Ok(()),
        }
    }

    /// Delete whatever sits at `key` even when the store will not show it (Cloud Run: a file
    /// posted without `x-cos-meta-fileid`); whether there was something. Always `false` on
    /// the backends that show every object.
    ///
    /// # Errors
    /// The store's error.
    pub async fn discard_unreadable(&self, key: &str) -> anyhow::Result<bool> {
        match &self.tcb {
            Some(tcb) => Box::pin(tcb.discard(key)).await,
            None => Ok(false),
        }
    }

    /// Abort the folder's multipart uploads begun before `cutoff` (unix seconds), at `now`;
    /// how many (none on stores without multipart uploads to sweep).
    ///
    /// # Errors
    /// The store did not answer the listing.
    pub async fn sweep_unfinished(&self, cutoff: i64, now: u64) -> anyhow::Result<usize> {
        match &self.sweeper {
            Some(sweeper) => sweeper.sweep(cutoff, now).await,
            None => Ok(0),
        }
    }

    /// The folder's unfinished multipart uploads (tests and operators).
    ///
    /// # Errors
    /// The store did not answer the listing.
    pub async fn unfinished_uploads(&self, now: u64) -> anyhow::Result<Vec<uploads::Unfinished>> {
        match &self.sweeper {
            Some(sweeper) => sweeper.list(now).await,
            None => Ok(Vec::new()),
        }
    }

    /// The counters of what was stored.
    pub fn stored(&self) -> &Stored {
        &self.stored
    }

    /// The upload folder.
    pub fn folder(&self) -> &Folder {
        &self.folder
    }

    /// The signer of direct uploads and private URLs.
    pub fn signer(&self) -> &Signer {
        &self.urls.signer
    }

    /// Whether the album must serve the files itself (no public URL prefix configured or known).
    pub fn serves_files(&self) -> bool {
        matches!(self.urls.public, PublicBase::Served { .. })
    }

    /// Whether images are readable by their plain URL (`storage.public_read`).
    pub fn public_read(&self) -> bool {
        self.urls.public_read
    }

    /// Largest accepted image in bytes.
    pub fn max_file_size(&self) -> u64 {
        self.max_file_size
    }

    /// The URL a client reads `key` at: the original `cosDomain + key` (each path segment
    /// percent-encoded), a signed `GET` URL valid `list.url_expires_secs` for a private
    /// bucket, or a temporary download URL from Cloud Run.
    ///
    /// # Errors
    /// When the store's signer fails (private buckets only), or Cloud Run does not know `key`.
    pub async fn image_url(&self, key: &str, origin: &Origin) -> anyhow::Result<String> {
        match &self.tcb {
            Some(tcb) => Box::pin(tcb.image_urls(&[key]))
                .await?
                .pop()
                .flatten()
                .ok_or_else(|| anyhow::anyhow!("Cloud Run storage does not know {key}")),
            None => self.urls.image_url(key, origin, SystemTime::now()).await,
        }
    }

    /// The URLs of a page of `keys`, in order: `None` for a key whose file the store does not
    /// know (Cloud Run; one `batchdownloadfile` per 50 keys). The other backends name every
    /// key.
    ///
    /// # Errors
    /// As [`Storage::image_url`], for the whole page.
    pub async fn image_urls(
        &self,
        keys: &[String],
        origin: &Origin,
    ) -> anyhow::Result<Vec<Option<String>>> {
        if let Some(tcb) = &self.tcb {
            let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
            return Box::pin(tcb.image_urls(&keys)).await;
        }
        let mut urls = Vec::with_capacity(keys.len());
        for key in keys {
            urls.push(Some(self.image_url(key, origin).await?));
        }
        Ok(urls)
    }

    /// The album's own URL of `key` (`{origin}{base}/album/files/{key}`).
    pub fn served_url(&self, key: &str, origin: &Origin) -> String {
        self.urls.served_url(key, origin)
    }

    /// The album's own form target (`{origin}{base}/album/files`).
    pub fn served_form_url(&self, origin: &Origin) -> String {
        self.urls.served_form_url(origin)
    }

    /// The path part of the public URL prefix (`/album/` for a path-style bucket URL), which
    /// the original client leaves in the `filepath` it sends to delete.
    pub fn url_path_prefix(&self) -> String {
        if let Some(tcb) = &self.tcb {
            return tcb.url_path_prefix();
        }
        self.urls.url_path_prefix()
    }

    /// Every image (`.jpg`/`.png`) directly inside the folder, with its time — a full
    /// listing, for building and reconciling the index ([`crate::verify`]).
    ///
    /// # Errors
    /// The store's error.
    pub async fn list_images(&self) -> object_store::Result<Vec<(String, Head)>> {
        let prefix = Path::from(self.folder.prefix().trim_end_matches('/'));
        let prefix = (!self.folder.prefix().is_empty()).then_some(&prefix);
        let listing = self.store.list_with_delimiter(prefix).await?;
        Ok(listing
            .objects
            .iter()
            .filter(|meta| ImageKind::from_key(meta.location.as_ref()).is_some())
            .map(|meta| (meta.location.to_string(), Head::from(meta)))
            .collect())
    }

    /// The keys among `keys` (sorted ascending, close together) that one listing shows
    /// absent ([`range`]); `None` when the store cannot list by key range (local files,
    /// memory, Cloud Run), so each key needs a [`head`](Self::head).
    ///
    /// # Errors
    /// The store's error.
    pub async fn absent_among(
        &self,
        keys: &[&str],
    ) -> Option<object_store::Result<std::collections::HashSet<String>>> {
        Some(self.lister.as_ref()?.absent_among(keys).await)
    }

    /// Size, ETag and time of `key`; `None` when it does not exist.
    ///
    /// # Errors
    /// The store's error.
    pub async fn head(&self, key: &str) -> object_store::Result<Option<Head>> {
        match self.store.head(&Path::parse(key)?).await {
            Ok(meta) => Ok(Some(Head::from(&meta))),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// The image kind of `key`'s first bytes (at most [`SNIFF_LEN`] are read); `None` when
    /// they are neither JPEG nor PNG, or the object is gone.
    ///
    /// # Errors
    /// The store's error.
    pub async fn sniff(&self, key: &str) -> object_store::Result<Option<ImageKind>> {
        let options = GetOptions {
            range: Some(GetRange::Bounded(0..SNIFF_LEN as u64)),
            ..GetOptions::default()
        };
        match self.store.get_opts(&Path::parse(key)?, options).await {
            Ok(result) => Ok(ImageKind::sniff(&result.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Delete `key` and its owner record; deleting a missing key succeeds, as on COS (§1.2).
    ///
    /// # Errors
    /// The store's error, or an invalid key.
    pub async fn delete(&self, key: &str) -> object_store::Result<()> {
        match self.store.delete(&Path::parse(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(error) => return Err(error),
        }
        owner::forget(self, key).await
    }

    /// Read `key` for serving.
    ///
    /// # Errors
    /// `NotFound` for a missing key, or the store's error.
    pub async fn get(&self, key: &str) -> object_store::Result<object_store::GetResult> {
        self.store.get(&Path::parse(key)?).await
    }

    /// Readiness: a HEAD of a key that should not exist. An answer (found or not) means the
    /// store is reachable and our credentials work. On Cloud Run storage: the token keeper
    /// has a token (or needs none).
    ///
    /// # Errors
    /// The store's error, as text for the log.
    pub async fn probe(&self) -> Result<(), String> {
        // Cloud Run: a token can be had (usually from Redis) — no storage call per probe, as
        // WeChat counts API calls against a daily quota.
        if let Some(tcb) = &self.tcb {
            return Box::pin(tcb.cloud().keeper().ready())
                .await
                .map_err(|error| error.to_string());
        }
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

    /// The recorded owner of `key` (object metadata, or the side record of a store without
    /// metadata); `None` when there is none or the object is gone.
    ///
    /// # Errors
    /// The store's error.
    pub async fn owner_of(&self, key: &str) -> object_store::Result<Option<String>> {
        owner::read(self, key).await
    }

    /// Put `bytes` under `key` as a client talking to the store directly would (tests).
    #[cfg(test)]
    pub(crate) async fn put_raw(&self, key: &str, bytes: Vec<u8>) -> object_store::Result<()> {
        self.store
            .put(&Path::parse(key)?, object_store::PutPayload::from(bytes))
            .await
            .map(drop)
    }

    /// The same storage on `store`, listing by key range through `lister` (tests count the
    /// store's calls with it).
    #[cfg(test)]
    pub(crate) fn on_store(
        mut self,
        store: Arc<dyn ObjectStore>,
        lister: Option<Arc<dyn object_store::list::PaginatedListStore>>,
    ) -> Self {
        self.store = store;
        self.lister = lister.map(range::RangeLister);
        self
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

#[cfg(test)]
mod tests;
