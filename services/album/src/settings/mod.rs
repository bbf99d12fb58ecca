//! The album's configuration: the original `server/config.js` keys (`spec/originals.md` §1.1)
//! plus what a production deployment needs (storage backend, limits, login, direct uploads).
//!
//! Loaded by [`weapp_common::config::Source`] with prefix `ALBUM`: `ALBUM_PORT`,
//! `ALBUM_COS__SECRET_KEY`, `ALBUM_STORAGE__BACKEND`, `ALBUM_AUTH__MODE`, … With nothing set,
//! the album stores photos under `./data/album`, serves them itself and asks nobody to log in —
//! the original's behaviour.
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
//!
//! The sections are defined in [`sections`] (store, limits), [`access`] (login, index,
//! direct uploads, the 2017 v4 clients) and [`tcb`] (WeChat Cloud Run storage).

pub mod access;
pub mod sections;
pub mod tcb;

use std::time::Duration;

use serde::Deserialize;
use weapp_auth::{RedisConfig, SkeyConfig};
use weapp_common::config::ConfigError;
use wx_api::WxConfig;

pub use access::{AuthMode, AuthSettings, DeleteSettings, IndexSettings, IndexStore, V4Settings};
pub use sections::{
    Backend, CosSettings, ListSettings, StorageSettings, UploadSettings, bucket_name,
};
pub use tcb::TcbSettings;

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
        /// Listing limits and signed image URLs.
        pub list: ListSettings,
        /// Batch deletes.
        pub delete: DeleteSettings,
        /// Who may call: `auth.mode` = `off` (the original), `optional` or `required`.
        pub auth: AuthSettings,
        /// Where the album's index of listed photos, owners and upload tickets lives.
        pub index: IndexSettings,
        /// The 2017 COS v4 clients: the sign routes and the local v4 upload stand-in.
        pub v4: V4Settings,
        /// The WeChat API, for `weapp-session` first logins (the session service's `wx` keys).
        pub wx: WxConfig,
        /// The shared Redis of the sessions (the session service's `redis` keys); the index
        /// too when `index.store = "redis"`.
        pub redis: RedisConfig,
        /// The modern login's skey sessions (the session service's `skey` keys).
        pub skey: SkeyConfig,
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
        self.cos.validate()?;
        self.upload.validate()?;
        self.list.validate()?;
        self.delete.validate()?;
        self.index.validate()?;
        self.v4.validate()?;
        tcb::validate(&self)?;
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
        if self.auth.mode != AuthMode::Off || self.index.store == IndexStore::Redis {
            for result in [
                self.redis.validate(),
                self.skey.validate(&self.redis.prefix),
            ] {
                result.map_err(|error| ConfigError::invalid(error.key, error.message))?;
            }
        }
        Ok(self)
    }

    /// The storage request timeout.
    pub fn storage_timeout(&self) -> Duration {
        Duration::from_secs(self.storage.request_timeout_secs)
    }
}

#[cfg(test)]
mod tests;
