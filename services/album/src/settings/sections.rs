//! The store and its limits: the original `cos*` keys, the storage backend, upload and list
//! limits.

use std::path::PathBuf;

use serde::Deserialize;
use weapp_common::config::{ConfigError, Secret};

/// The original `cos*` keys (`spec/originals.md` §1.1). For a generic S3 store `secret_id` /
/// `secret_key` are its access key id / secret access key and `bucket` its bucket name.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct CosSettings {
    /// COS APPID (`cosAppId`); when set, the XML API bucket is `{bucket}-{app_id}`.
    pub app_id: String,
    /// `cosSecretId` — the access key id.
    pub secret_id: String,
    /// `cosSecretKey` — never logged, never sent to a client.
    pub secret_key: Secret,
    /// `cosFileBucket`.
    pub bucket: String,
    /// `cosRegion`; legacy names (`cn-north`, `cn-east`, `cn-south`, `cn-southwest`) are mapped
    /// to today's (`ap-beijing-1`, `ap-shanghai`, `ap-guangzhou`, `ap-chengdu`).
    pub region: String,
    /// `cosUploadFolder`: where uploads go and the only place deletes may touch. `/` = root.
    pub folder: String,
    /// `cosDomain`: the public URL prefix of images (COS/CDN domain). Empty = derived.
    pub domain: String,
}

impl Default for CosSettings {
    fn default() -> Self {
        Self {
            app_id: String::new(),
            secret_id: String::new(),
            secret_key: Secret::from(""),
            bucket: String::new(),
            region: "cn-north".into(),
            folder: "/".into(),
            domain: String::new(),
        }
    }
}

impl CosSettings {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.folder.split('/').any(|segment| segment == "..") {
            return Err(ConfigError::invalid("cos.folder", "must not contain `..`"));
        }
        Ok(())
    }
}

/// The XML API bucket name: `{bucket}-{app_id}` when an APPID is configured and the bucket
/// does not already end with it (COS v5 names buckets `name-appid`).
pub fn bucket_name(cos: &CosSettings) -> String {
    let (bucket, app_id) = (&cos.bucket, &cos.app_id);
    if app_id.is_empty() || bucket.ends_with(&format!("-{app_id}")) {
        bucket.clone()
    } else {
        format!("{bucket}-{app_id}")
    }
}

/// Which object store backend holds the photos.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// A directory on the local filesystem; the album serves the files itself (the default).
    Local,
    /// In process memory (tests and demos; lost on exit).
    Memory,
    /// Any S3-compatible store; direct uploads use SigV4 presigned URLs and POST policies.
    S3,
    /// Tencent COS through its S3 API; direct uploads use the COS XML v5 signature.
    Cos,
    /// The object storage of a WeChat Cloud Run (云托管) environment through the WeChat API
    /// (`storage.tcb.*`, [`super::TcbSettings`]); the list comes from the Redis index, image
    /// URLs are temporary download URLs.
    Tcb,
}

/// How to reach the object store.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct StorageSettings {
    /// `local` (default), `memory`, `s3`, `cos` or `tcb`.
    pub backend: Backend,
    /// Directory of the `local` backend.
    pub data_dir: PathBuf,
    /// S3 endpoint URL (`http://127.0.0.1:8333`); empty for COS = `https://cos.{region}.myqcloud.com`.
    pub endpoint: String,
    /// The endpoint as clients reach it, when it differs from `endpoint` (a container network:
    /// the album talks to `http://seaweedfs:8333`, browsers to `http://127.0.0.1:8333`). Image
    /// URLs, presigned URLs and form targets use it; empty = `endpoint`.
    pub public_endpoint: String,
    /// Path-style requests (`{endpoint}/{bucket}/{key}`) instead of virtual-hosted style.
    pub path_style: bool,
    /// Serve `GET {base}/album/files/{key}` from the store. Defaults to on for `local` and
    /// `memory`, whose files have no other public URL.
    pub serve_files: Option<bool>,
    /// Seconds before a storage request is abandoned (also the budget for its retries).
    pub request_timeout_secs: u64,
    /// Retries of a failed storage request (transient errors only), with backoff.
    pub max_retries: usize,
    /// Whether anyone may read the images by their plain URL (the original's public-read
    /// bucket). `false` — COS's default, a private bucket — makes `/list` and the upload
    /// replies carry signed GET URLs valid `list.url_expires_secs`.
    pub public_read: bool,
    /// The WeChat Cloud Run environment of the `tcb` backend.
    pub tcb: super::TcbSettings,
}

impl Default for StorageSettings {
    fn default() -> Self {
        Self {
            backend: Backend::Local,
            data_dir: PathBuf::from("./data/album"),
            endpoint: String::new(),
            public_endpoint: String::new(),
            path_style: false,
            serve_files: None,
            request_timeout_secs: 30,
            max_retries: 3,
            public_read: true,
            tcb: super::TcbSettings::default(),
        }
    }
}

/// Upload limits, direct-upload signing and the checks of directly uploaded objects.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct UploadSettings {
    /// Largest accepted image in bytes (original multiparty `maxFilesSize`, 5 MB); direct
    /// uploads are bounded by the store itself to the same size.
    pub max_file_size: u64,
    /// Bodies above this many bytes are streamed to the store as a multipart upload instead of
    /// one PUT; below it the image is buffered whole.
    pub multipart_threshold: u64,
    /// Lifetime in seconds of a direct-upload ticket (`upload-url`, `upload-form`).
    pub direct_expires_secs: u64,
    /// HMAC key of the album's own signatures (local uploads and downloads, the v4 stand-in
    /// when no COS key is set). Empty = a random key per process: set one when running
    /// several instances.
    pub signing_key: Secret,
    /// Seconds between two passes of the checker of direct uploads that were not confirmed
    /// (it also runs when `/list` finds unchecked uploads).
    pub verify_interval_secs: u64,
    /// Seconds after a ticket's expiry before its final check, for an upload the store
    /// accepted just before the expiry and is still receiving.
    pub verify_grace_secs: u64,
    /// Seconds after which an unfinished multipart upload under the folder counts as
    /// abandoned and is aborted (S3, COS): its parts are deleted.
    pub abandoned_after_secs: u64,
    /// Seconds between two sweeps of abandoned multipart uploads (one also runs at start-up).
    pub sweep_interval_secs: u64,
}

impl Default for UploadSettings {
    fn default() -> Self {
        Self {
            max_file_size: 5 * 1024 * 1024,
            multipart_threshold: 8 * 1024 * 1024,
            direct_expires_secs: 300,
            signing_key: Secret::from(""),
            verify_interval_secs: 10,
            verify_grace_secs: 120,
            abandoned_after_secs: 3600,
            sweep_interval_secs: 900,
        }
    }
}

impl UploadSettings {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let invalid = ConfigError::invalid;
        if self.max_file_size == 0 {
            return Err(invalid("upload.max_file_size", "must be above 0"));
        }
        if self.multipart_threshold < 5 * 1024 * 1024 {
            return Err(invalid(
                "upload.multipart_threshold",
                "must be at least 5 MiB (the S3 minimum part size)",
            ));
        }
        if self.direct_expires_secs == 0 || self.direct_expires_secs > 7 * 24 * 3600 {
            return Err(invalid(
                "upload.direct_expires_secs",
                "must be between 1 and 604800 (7 days, the SigV4 maximum)",
            ));
        }
        if self.verify_interval_secs == 0 {
            return Err(invalid("upload.verify_interval_secs", "must be above 0"));
        }
        if self.sweep_interval_secs == 0 {
            return Err(invalid("upload.sweep_interval_secs", "must be above 0"));
        }
        Ok(())
    }
}

/// Listing limits and signed image URLs.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ListSettings {
    /// Most URLs one `/list` page returns (original COS `MaxKeys`, 100).
    pub max_keys: usize,
    /// Lifetime in seconds of the signed GET URLs of a private bucket
    /// (`storage.public_read = false`).
    pub url_expires_secs: u64,
}

impl Default for ListSettings {
    fn default() -> Self {
        Self {
            max_keys: 100,
            url_expires_secs: 3600,
        }
    }
}

impl ListSettings {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.max_keys == 0 {
            return Err(ConfigError::invalid("list.max_keys", "must be above 0"));
        }
        if self.url_expires_secs == 0 || self.url_expires_secs > 7 * 24 * 3600 {
            return Err(ConfigError::invalid(
                "list.url_expires_secs",
                "must be between 1 and 604800 (7 days, the SigV4 maximum)",
            ));
        }
        Ok(())
    }
}
