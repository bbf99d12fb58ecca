//! [`WxConfig`]: where the WeChat server API is and which mini-program asks.
//!
//! Meant to be embedded in a service's settings (`weapp_common::config`), e.g. under `wx`:
//! `SESSION_WX__APP_ID`, `SESSION_WX__APP_SECRET`, `SESSION_WX__BASE_URL` (the simulator
//! locally), `SESSION_WX__TIMEOUT`.

use std::{fmt, time::Duration};

use serde::{Deserialize, Deserializer, de};
use weapp_common::config::Secret;

/// Production WeChat server API (`spec/originals.md` §3.1, `lib/jscode2session.js`).
pub const DEFAULT_BASE_URL: &str = "https://api.weixin.qq.com";

/// Whole-request timeout. WeChat answers in well under a second; 5 s bounds how long a login
/// holds a request when it does not, well below the client's own `wx.request` 60 s default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// Connection settings of a [`crate::WxClient`].
///
/// Every field has a default (`#[serde(default)]`), so a settings file may name only
/// `app_id` and `app_secret`. `timeout` is read as seconds — a number (`5`, `0.5`) or a string
/// (`"5"`, `"5s"`, `"500ms"`). `Debug` shows `app_secret` as `[REDACTED]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct WxConfig {
    /// Scheme, host and optional path prefix of the API; default [`DEFAULT_BASE_URL`].
    pub base_url: String,
    /// The mini-program's AppID (`appid` parameter, watermark check).
    pub app_id: String,
    /// The mini-program's AppSecret (`secret` parameter).
    pub app_secret: Secret,
    /// Whole-request timeout (connect + send + answer); default [`DEFAULT_TIMEOUT`].
    #[serde(deserialize_with = "deserialize_timeout")]
    pub timeout: Duration,
}

impl Default for WxConfig {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            app_id: String::new(),
            app_secret: Secret::from(""),
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// Seconds as a number or a string with an optional `s` / `ms` suffix.
fn deserialize_timeout<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    struct Visitor;

    impl de::Visitor<'_> for Visitor {
        type Value = Duration;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a timeout in seconds (5, 0.5, \"5s\" or \"500ms\")")
        }

        fn visit_u64<E: de::Error>(self, secs: u64) -> Result<Duration, E> {
            Ok(Duration::from_secs(secs))
        }

        fn visit_i64<E: de::Error>(self, secs: i64) -> Result<Duration, E> {
            u64::try_from(secs)
                .map(Duration::from_secs)
                .map_err(|_| E::custom("a timeout cannot be negative"))
        }

        fn visit_f64<E: de::Error>(self, secs: f64) -> Result<Duration, E> {
            Duration::try_from_secs_f64(secs).map_err(|_| E::custom("not a valid timeout"))
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<Duration, E> {
            parse_timeout(text).ok_or_else(|| E::invalid_value(de::Unexpected::Str(text), &self))
        }
    }

    deserializer.deserialize_any(Visitor)
}

fn parse_timeout(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (number, scale) = match text.strip_suffix("ms") {
        Some(millis) => (millis, 1e-3),
        None => (text.strip_suffix('s').unwrap_or(text), 1.0),
    };
    let value: f64 = number.trim().parse().ok()?;
    Duration::try_from_secs_f64(value * scale).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use weapp_common::config::{ConfigError, Source};

    fn load(pairs: &[(&str, &str)]) -> Result<WxConfig, ConfigError> {
        Source::env("WXTEST").load_from(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        )
    }

    #[test]
    fn defaults_point_at_wechat_with_five_seconds() -> Result<(), ConfigError> {
        let config = load(&[])?;
        assert_eq!(config.base_url, "https://api.weixin.qq.com");
        assert_eq!(config.timeout, Duration::from_secs(5));
        assert_eq!(config.app_id, "");
        Ok(())
    }

    #[test]
    fn environment_sets_every_field() -> Result<(), ConfigError> {
        let config = load(&[
            ("WXTEST_BASE_URL", "http://127.0.0.1:9797"),
            ("WXTEST_APP_ID", "wx0000000000000000"),
            ("WXTEST_APP_SECRET", "s3cr3t"),
            ("WXTEST_TIMEOUT", "2"),
        ])?;
        assert_eq!(config.base_url, "http://127.0.0.1:9797");
        assert_eq!(config.app_id, "wx0000000000000000");
        assert_eq!(config.app_secret.expose_secret(), "s3cr3t");
        assert_eq!(config.timeout, Duration::from_secs(2));
        Ok(())
    }

    #[test]
    fn timeout_accepts_fractions_and_units() {
        assert_eq!(parse_timeout("0.5"), Some(Duration::from_millis(500)));
        assert_eq!(parse_timeout("5s"), Some(Duration::from_secs(5)));
        assert_eq!(parse_timeout("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_timeout("soon"), None);
        assert_eq!(parse_timeout("-1"), None);
    }

    #[test]
    fn a_bad_timeout_names_its_key() {
        let error = load(&[("WXTEST_TIMEOUT", "soon")])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("timeout"), "{error}");
    }

    #[test]
    fn debug_never_shows_the_app_secret() -> Result<(), ConfigError> {
        let config = load(&[("WXTEST_APP_SECRET", "hunter2-app-secret")])?;
        let debug = format!("{config:?}");
        assert!(!debug.contains("hunter2-app-secret"), "{debug}");
        assert!(debug.contains("REDACTED"), "{debug}");
        Ok(())
    }
}
