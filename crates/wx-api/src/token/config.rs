//! [`TokenConfig`]: how a [`crate::TokenKeeper`] gets the credential of its calls.
//!
//! Meant to be embedded in a service's settings (`weapp_common::config`) beside a
//! [`crate::WxConfig`], e.g. `ALBUM_STORAGE__TCB__TOKEN__MODE=stable_token`,
//! `…__TOKEN__REDIS_URL=redis://127.0.0.1:6379/0`.

use std::time::Duration;

use serde::Deserialize;
use weapp_common::config::Secret;

/// Where the credential of a WeChat API call comes from: the three ways the Cloud Run storage
/// document lists, with the AppSecret exchange in its two flavours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenMode {
    /// `GET /cgi-bin/token` with the AppSecret; calls carry `?access_token=`. Each exchange ends
    /// the previous token, so every instance must share one token (Redis) and only one may
    /// refresh it at a time
    /// (<https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-access-token/getAccessToken.html>).
    #[default]
    AppSecret,
    /// `POST /cgi-bin/stable_token` with the AppSecret; calls carry `?access_token=`. Repeated
    /// exchanges return the same token, so instances without a shared store do not end each
    /// other's tokens (<https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken>).
    StableToken,
    /// A WeChat cloud-call token given by the platform (`cloudbase_access_token`, read inside
    /// the container from `/.tencentcloudbase/wx/cloudbase_access_token`) and passed in from
    /// config; calls carry `?cloudbase_access_token=`. Nothing to refresh here
    /// (<https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/cloudbase/wxtoken.html>).
    Cloudbase,
    /// The open-API service inside WeChat Cloud Run: calls go to the base URL (inside the
    /// container `http://api.weixin.qq.com`) with no token parameter at all; the platform
    /// authenticates the container
    /// (<https://developers.weixin.qq.com/miniprogram/dev/wxcloudservice/wxcloudrun/src/guide/weixin/token.html>).
    OpenApi,
}

/// Settings of a [`crate::TokenKeeper`]. Every field has a default; `Debug` redacts the
/// secrets.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct TokenConfig {
    /// Where the credential comes from; default [`TokenMode::AppSecret`].
    pub mode: TokenMode,
    /// The cloud-call token of [`TokenMode::Cloudbase`] (required there, unused elsewhere).
    pub cloudbase_access_token: Secret,
    /// Seconds before a token's expiry at which it is replaced (capped at half its lifetime);
    /// default 300, WeChat's own renewal lead for stable tokens.
    pub refresh_margin_secs: u64,
    /// Seconds an instance reuses the token it read from Redis before reading it again; default
    /// 60, as WeChat's guide suggests
    /// (<https://developers.weixin.qq.com/doc/oplatform/developers/dev/AccessToken.md>). A token
    /// refused by WeChat is re-read at once.
    pub local_cache_secs: u64,
    /// Redis holding the app's one token (`redis://[:password@]host:port/db`); empty keeps it
    /// in this process only — then several instances need [`TokenMode::StableToken`].
    pub redis_url: Secret,
    /// Prefix of the Redis keys `{prefix}{appid}:{access_token|stable_token}` and `…:lock`;
    /// default `wx-api:`.
    pub redis_prefix: String,
    /// Milliseconds the refresh lock lives if its holder dies; at least twice `wx.timeout`
    /// (a refresh makes up to two WeChat calls). Default 12 000.
    pub lock_ttl_ms: u64,
    /// Milliseconds an instance waits for another one's refresh before giving up with
    /// [`crate::WxError::TokenUnavailable`]; default 15 000.
    pub wait_ms: u64,
    /// Milliseconds between two looks at Redis while waiting; default 20.
    pub poll_ms: u64,
}

impl Default for TokenConfig {
    fn default() -> Self {
        Self {
            mode: TokenMode::AppSecret,
            cloudbase_access_token: Secret::from(""),
            refresh_margin_secs: 300,
            local_cache_secs: 60,
            redis_url: Secret::from(""),
            redis_prefix: "wx-api:".to_owned(),
            lock_ttl_ms: 12_000,
            wait_ms: 15_000,
            poll_ms: 20,
        }
    }
}

impl TokenConfig {
    pub(crate) fn refresh_margin(&self) -> Duration {
        Duration::from_secs(self.refresh_margin_secs)
    }

    pub(crate) fn local_cache(&self) -> Duration {
        Duration::from_secs(self.local_cache_secs)
    }

    pub(crate) fn wait(&self) -> Duration {
        Duration::from_millis(self.wait_ms)
    }

    pub(crate) fn poll(&self) -> Duration {
        Duration::from_millis(self.poll_ms.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use weapp_common::config::{ConfigError, Source};

    fn load(pairs: &[(&str, &str)]) -> Result<TokenConfig, ConfigError> {
        Source::env("TOKTEST").load_from(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        )
    }

    #[test]
    fn defaults_exchange_the_app_secret_in_process() -> Result<(), ConfigError> {
        let config = load(&[])?;
        assert_eq!(config.mode, TokenMode::AppSecret);
        assert_eq!(config.redis_url.expose_secret(), "");
        assert_eq!(config.refresh_margin(), Duration::from_secs(300));
        Ok(())
    }

    #[test]
    fn every_mode_parses_from_the_environment() -> Result<(), ConfigError> {
        for (text, mode) in [
            ("app_secret", TokenMode::AppSecret),
            ("stable_token", TokenMode::StableToken),
            ("cloudbase", TokenMode::Cloudbase),
            ("open_api", TokenMode::OpenApi),
        ] {
            assert_eq!(load(&[("TOKTEST_MODE", text)])?.mode, mode);
        }
        let error = load(&[("TOKTEST_MODE", "guess")])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("mode"), "{error}");
        Ok(())
    }

    #[test]
    fn debug_never_shows_the_tokens_or_the_redis_password() -> Result<(), ConfigError> {
        let config = load(&[
            ("TOKTEST_CLOUDBASE_ACCESS_TOKEN", "cloud-call-TOPSECRET"),
            (
                "TOKTEST_REDIS_URL",
                "redis://:redis-TOPSECRET@127.0.0.1:6379/0",
            ),
        ])?;
        let debug = format!("{config:?}");
        assert!(!debug.contains("TOPSECRET"), "{debug}");
        Ok(())
    }
}
