//! `storage.tcb.*`: the album on the object storage of a WeChat Cloud Run (云托管) environment
//! (`storage.backend = "tcb"`), reached through the WeChat API with the credential of
//! [`wx_api::TokenKeeper`] — the AppSecret (`wx.app_id`, `wx.app_secret`) never leaves the server.
//!
//! | key | default | what |
//! |---|---|---|
//! | `storage.tcb.env` | — (required) | the environment ID from the Cloud Run console |
//! | `storage.tcb.upload_timeout_secs` | 120 | one form upload to the storage, connection to last byte |
//! | `storage.tcb.url_max_age_secs` | 3600 | `max_age` of the temporary download URLs `/list` hands out |
//! | `storage.tcb.token.*` | `mode = "app_secret"` | [`wx_api::TokenConfig`]: `mode`, `cloudbase_access_token`, `redis_url` (empty = the album's `redis.*`), `redis_prefix`, … |

use serde::Deserialize;
use weapp_common::config::ConfigError;
use wx_api::{TokenConfig, TokenMode};

use super::{Backend, IndexStore, Settings};

/// The most seconds a download URL is asked for: a week, like the SigV4 URLs of the other
/// backends.
const MAX_URL_AGE_SECS: u64 = 7 * 24 * 3600;

/// `storage.tcb.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct TcbSettings {
    /// The Cloud Run environment ID (`env` of every storage call), e.g. `prod-2g0f3b1c8e4a9d7f`.
    pub env: String,
    /// Seconds one form upload may take, connection to last byte.
    pub upload_timeout_secs: u64,
    /// `max_age` in seconds of the temporary download URLs of `/list`, uploads and `confirm`.
    pub url_max_age_secs: u64,
    /// How the WeChat calls are authenticated. An empty `token.redis_url` shares the app's one
    /// token through the album's own Redis (`redis.*`), so instances never end each other's.
    pub token: TokenConfig,
}

impl Default for TcbSettings {
    fn default() -> Self {
        Self {
            env: String::new(),
            upload_timeout_secs: 120,
            url_max_age_secs: 3600,
            token: TokenConfig::default(),
        }
    }
}

impl TcbSettings {
    /// The keeper's settings as the album uses them: the token in the album's Redis unless
    /// `token.redis_url` names another.
    pub fn token_config(&self, album_redis_url: &str) -> TokenConfig {
        let mut token = self.token.clone();
        let shared = matches!(token.mode, TokenMode::AppSecret | TokenMode::StableToken);
        if shared && secrecy::ExposeSecret::expose_secret(&token.redis_url).is_empty() {
            token.redis_url = album_redis_url.into();
        }
        token
    }

    /// The storage client's settings.
    pub fn cloud_run(&self) -> wx_api::CloudRunConfig {
        wx_api::CloudRunConfig {
            env: self.env.clone(),
            upload_timeout_secs: self.upload_timeout_secs,
        }
    }
}

/// The rules of `storage.backend = "tcb"` (nothing for the other backends).
///
/// # Errors
/// [`ConfigError::Invalid`] naming the key.
pub(super) fn validate(settings: &Settings) -> Result<(), ConfigError> {
    if settings.storage.backend != Backend::Tcb {
        return Ok(());
    }
    let invalid = ConfigError::invalid;
    let tcb = &settings.storage.tcb;
    if tcb.env.trim().is_empty() || tcb.env.chars().any(char::is_whitespace) {
        return Err(invalid(
            "storage.tcb.env",
            "is required by the tcb backend (the Cloud Run environment ID, without whitespace)",
        ));
    }
    if settings.index.store != IndexStore::Redis {
        return Err(invalid(
            "index.store",
            "must be redis with storage.backend = tcb: Cloud Run storage cannot list files, so \
             the album's list lives in its Redis index",
        ));
    }
    if tcb.upload_timeout_secs == 0 {
        return Err(invalid(
            "storage.tcb.upload_timeout_secs",
            "must be above 0",
        ));
    }
    if tcb.url_max_age_secs == 0 || tcb.url_max_age_secs > MAX_URL_AGE_SECS {
        return Err(invalid(
            "storage.tcb.url_max_age_secs",
            "must be between 1 and 604800 (7 days)",
        ));
    }
    if settings.upload.max_file_size > settings.upload.multipart_threshold {
        return Err(invalid(
            "upload.max_file_size",
            "must not exceed upload.multipart_threshold with the tcb backend (one form upload \
             per image, no multipart uploads)",
        ));
    }
    match tcb.token.mode {
        TokenMode::AppSecret | TokenMode::StableToken => {
            if settings.wx.app_id.is_empty() {
                return Err(invalid(
                    "wx.app_id",
                    "is required by storage.tcb.token.mode app_secret/stable_token",
                ));
            }
            if secrecy::ExposeSecret::expose_secret(&settings.wx.app_secret).is_empty() {
                return Err(invalid(
                    "wx.app_secret",
                    "is required by storage.tcb.token.mode app_secret/stable_token",
                ));
            }
        }
        TokenMode::Cloudbase => {
            if secrecy::ExposeSecret::expose_secret(&tcb.token.cloudbase_access_token).is_empty() {
                return Err(invalid(
                    "storage.tcb.token.cloudbase_access_token",
                    "is required by storage.tcb.token.mode cloudbase",
                ));
            }
        }
        TokenMode::OpenApi => {}
    }
    Ok(())
}
