//! The album's configuration: the original `server/config.js` keys (`spec/originals.md` §1.1)
//! plus what a production deployment needs (storage backend, limits).
//!
//! Loaded by [`weapp_common::config::Source`] with prefix `ALBUM`: `ALBUM_PORT`,
//! `ALBUM_COS__SECRET_KEY`, `ALBUM_STORAGE__BACKEND`, … With nothing set, the album stores photos
//! under `./data/album` and serves them itself.
//!
//! | original key | here | default |
//! |---|---|---|
//! | `port` | `port` | `9993` |
//! | `ROUTE_BASE_PATH` | `route_base_path` | `/applet` |
//! | `cosAppId` | `cos.app_id` | `""` |
//! | `cosSecretId` / `cosSecretKey` | `cos.secret_id` / `cos.secret_key` | `""` |
//! | `cosFileBucket` | `cos.bucket` | `""` |
//! | `cosRegion` | `cos.region` | `cn-north` (legacy name of `ap-beijing-1`) |
//! | `cosUploadFolder` | `cos.folder` | `/` |
//! | `cosDomain` | `cos.domain` | derived from the backend |

use std::{path::PathBuf, time::Duration};

use serde::Deserialize;
use weapp_common::config::{ConfigError, Secret};

weapp_common::service_settings! {
    env: "ALBUM",
    // The original `port`; body-parser's default body limit, 100 kB.
    http_server: { port: 9993, json_body_limit: 100 * 1024, shutdown_timeout_secs: 30 },

    /// Everything the album reads from configuration: the listener keys every HTTP service has
    /// (`host`, `port`, `route_base_path`, `json_body_limit`, `workers`, `access_log`,
    /// `shutdown_timeout_secs`) and the album's own.
    #[derive(Debug, Clone, Deserialize)]
    pub struct Settings {
        /// The original COS keys: credentials, bucket, region, folder and public domain.
        pub cos: CosSettings,
        /// Which object store holds the photos, and how to reach it.
        pub storage: StorageSettings,
        /// Upload limits and direct-upload signing.
        pub upload: UploadSettings,
        /// Listing limits.
        pub list: ListSettings,
    }
}

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

/// Which object store backend holds the photos.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// A directory on the local filesystem; the album serves the files itself (the default).
    Local,
    /// In process memory (tests and demos; lost on exit).
    Memory,
    /// Any S3-compatible store; direct uploads use SigV4 presigned URLs.
    S3,
    /// Tencent COS through its S3 API; direct uploads use the COS XML v5 signature.
    Cos,
}

/// How to reach the object store.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct StorageSettings {
    /// `local` (default), `memory`, `s3` or `cos`.
    pub backend: Backend,
    /// Directory of the `local` backend.
    pub data_dir: PathBuf,
    /// S3 endpoint URL (`http://127.0.0.1:8333`); empty for COS = `https://cos.{region}.myqcloud.com`.
    pub endpoint: String,
    /// Path-style requests (`{endpoint}/{bucket}/{key}`) instead of virtual-hosted style.
    pub path_style: bool,
    /// Serve `GET {base}/album/files/{key}` from the store. Defaults to on for `local` and
    /// `memory`, whose files have no other public URL.
    pub serve_files: Option<bool>,
    /// Seconds before a storage request is abandoned (also the budget for its retries).
    pub request_timeout_secs: u64,
    /// Retries of a failed storage request (transient errors only), with backoff.
    pub max_retries: usize,
}

impl Default for StorageSettings {
    fn default() -> Self {
        Self {
            backend: Backend::Local,
            data_dir: PathBuf::from("./data/album"),
            endpoint: String::new(),
            path_style: false,
            serve_files: None,
            request_timeout_secs: 30,
            max_retries: 3,
        }
    }
}

/// Upload limits and direct-upload signing.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct UploadSettings {
    /// Largest accepted image in bytes (original multiparty `maxFilesSize`, 5 MB).
    pub max_file_size: u64,
    /// Bodies above this many bytes are streamed to the store as a multipart upload instead of
    /// one PUT; below it the image is buffered whole.
    pub multipart_threshold: u64,
    /// Lifetime in seconds of a direct-upload URL.
    pub direct_expires_secs: u64,
    /// HMAC key of the `local` backend's signed upload URLs. Empty = a random key per process
    /// (set one when running several instances).
    pub signing_key: Secret,
}

impl Default for UploadSettings {
    fn default() -> Self {
        Self {
            max_file_size: 5 * 1024 * 1024,
            multipart_threshold: 8 * 1024 * 1024,
            direct_expires_secs: 300,
            signing_key: Secret::from(""),
        }
    }
}

/// Listing limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ListSettings {
    /// Most URLs returned by `/list` (original COS `MaxKeys`, 100).
    pub max_keys: usize,
}

impl Default for ListSettings {
    fn default() -> Self {
        Self { max_keys: 100 }
    }
}

impl Settings {
    /// Check cross-field rules the types cannot express.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the key.
    pub fn validate(self) -> Result<Self, ConfigError> {
        let invalid = ConfigError::invalid;
        self.check_server()?;
        if self.cos.folder.split('/').any(|segment| segment == "..") {
            return Err(invalid("cos.folder", "must not contain `..`"));
        }
        if self.upload.max_file_size == 0 {
            return Err(invalid("upload.max_file_size", "must be above 0"));
        }
        if self.upload.multipart_threshold < 5 * 1024 * 1024 {
            return Err(invalid(
                "upload.multipart_threshold",
                "must be at least 5 MiB (the S3 minimum part size)",
            ));
        }
        if self.upload.direct_expires_secs == 0 || self.upload.direct_expires_secs > 7 * 24 * 3600 {
            return Err(invalid(
                "upload.direct_expires_secs",
                "must be between 1 and 604800 (7 days, the SigV4 maximum)",
            ));
        }
        if self.list.max_keys == 0 {
            return Err(invalid("list.max_keys", "must be above 0"));
        }
        if matches!(self.storage.backend, Backend::S3 | Backend::Cos) && self.cos.bucket.is_empty()
        {
            return Err(invalid(
                "cos.bucket",
                "is required by the s3 and cos backends",
            ));
        }
        if self.storage.backend == Backend::S3 && self.storage.endpoint.is_empty() {
            return Err(invalid("storage.endpoint", "is required by the s3 backend"));
        }
        Ok(self)
    }

    /// The storage request timeout.
    pub fn storage_timeout(&self) -> Duration {
        Duration::from_secs(self.storage.request_timeout_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_reproduce_the_original_config() -> Result<(), ConfigError> {
        let settings = Settings::load_from(&[])?;
        assert_eq!(settings.port, 9993);
        assert_eq!(settings.host, std::net::IpAddr::from([127, 0, 0, 1]));
        assert_eq!(settings.route_base_path, "/applet");
        assert_eq!(settings.json_body_limit, 100 * 1024);
        assert_eq!(settings.workers, 0);
        assert!(settings.access_log);
        assert_eq!(settings.shutdown_timeout_secs, 30);
        assert_eq!(settings.cos.folder, "/");
        assert_eq!(settings.cos.region, "cn-north");
        assert_eq!(settings.upload.max_file_size, 5 * 1024 * 1024);
        assert_eq!(settings.list.max_keys, 100);
        assert_eq!(settings.storage.backend, Backend::Local);
        Ok(())
    }

    #[test]
    fn s3_backend_needs_a_bucket_and_names_the_key() {
        let error = Settings::load_from(&[
            ("ALBUM_STORAGE__BACKEND", "s3"),
            ("ALBUM_STORAGE__ENDPOINT", "http://127.0.0.1:8333"),
        ])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(error.contains("cos.bucket"), "{error}");
    }

    #[test]
    fn unknown_backend_fails_naming_the_key() {
        let error = Settings::load_from(&[("ALBUM_STORAGE__BACKEND", "ftp")])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("backend"), "{error}");
    }

    #[test]
    fn folder_with_dot_dot_is_refused() {
        assert!(Settings::load_from(&[("ALBUM_COS__FOLDER", "/a/../b/")]).is_err());
    }

    #[test]
    fn secret_key_is_not_in_debug_output() -> Result<(), ConfigError> {
        let settings = Settings::load_from(&[("ALBUM_COS__SECRET_KEY", "do-not-print-me-123")])?;
        assert!(!format!("{settings:?}").contains("do-not-print-me-123"));
        Ok(())
    }
}
