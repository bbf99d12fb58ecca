//! What the album counts of what it stored (`/metrics`), and what the store knows of one
//! object.

use object_store::ObjectMeta;

/// Counters of what the album stored (`/metrics`): images and their bytes, through the
/// service or checked after a direct upload.
#[derive(Debug, Clone)]
pub struct Stored {
    /// `weapp_album_images_stored_total`.
    pub images: prometheus::IntCounter,
    /// `weapp_album_bytes_stored_total`.
    pub bytes: prometheus::IntCounter,
}

impl Stored {
    /// New counters, registered in `registry`.
    ///
    /// # Errors
    /// When the registry already holds metrics of these names.
    pub fn registered(registry: &prometheus::Registry) -> prometheus::Result<Self> {
        let counter = |name: &str, help: &str| {
            let counter = prometheus::IntCounter::new(name, help)?;
            registry.register(Box::new(counter.clone()))?;
            Ok::<_, prometheus::Error>(counter)
        };
        Ok(Self {
            images: counter(
                "weapp_album_images_stored_total",
                "Images stored: uploads through the album, and direct uploads once checked.",
            )?,
            bytes: counter(
                "weapp_album_bytes_stored_total",
                "Bytes of the images stored.",
            )?,
        })
    }

    /// One image of `size` bytes stored.
    pub fn add(&self, size: u64) {
        self.images.inc();
        self.bytes.inc_by(size);
    }
}

/// What the store knows of one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// Size in bytes.
    pub size: u64,
    /// The store's ETag, if it gives one.
    pub etag: Option<String>,
    /// Last modification, ms since the epoch.
    pub ms: i64,
}

impl From<&ObjectMeta> for Head {
    fn from(meta: &ObjectMeta) -> Self {
        Self {
            size: meta.size,
            etag: meta.e_tag.clone(),
            ms: meta.last_modified.timestamp_millis(),
        }
    }
}
