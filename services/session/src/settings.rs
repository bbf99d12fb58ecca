//! The session service's configuration: the original `server/config.js` keys
//! (`spec/originals.md` §3.2) and the `weapp-session` defaults (§3.1), plus limits.
//!
//! Loaded by [`weapp_common::config::Source`] with prefix `SESSION`: `SESSION_PORT`,
//! `SESSION_WX__APP_ID`, `SESSION_REDIS__HOST`, `SESSION_MONGO__URL`, …
//!
//! | original key | here | default |
//! |---|---|---|
//! | `port` | `port` | `5757` |
//! | `ROUTE_BASE_PATH` | `route_base_path` | `/applet` |
//! | `appId` / `appSecret` | `wx.app_id` / `wx.app_secret` | required |
//! | (jscode2session host) | `wx.base_url` | `https://api.weixin.qq.com` |
//! | `redisConfig.{host,port,password}` | `redis.{host,port,password}` | `127.0.0.1`, `6379`, none |
//! | weapp-session `prefix` / `ttl` | `redis.prefix` / `redis.ttl` | `weapp-session:` / `7200` |
//! | `mongoConfig.{username,password,host,port,query}` | `mongo.url` (`mongodb://user:pass@host:port/?authSource=admin`) | `mongodb://127.0.0.1:27017` |
//! | `mongoConfig.database` | `mongo.database` | `qcloud-applet-session` |
//! | (collection) | `mongo.collection` | `paints` |
//! | — | `mongo.max_idle_secs` (pooled connections idle longer are closed) | `60` |
//! | body-parser limit (100 kB) | `json_body_limit` | 4 MiB |
//! | — | `paints.max_actions_bytes` | 1 MiB |

use std::time::Duration;

use serde::Deserialize;
use weapp_auth::{RedisConfig, SkeyConfig};
use weapp_common::config::{ConfigError, Secret};
use wx_api::WxConfig;

weapp_common::service_settings! {
    env: "SESSION",
    // The original `port`; a body limit above `paints.max_actions_bytes` (`/paints/save`,
    // `/paints/delete`), where the original's 100 kB cut long strokes.
    http_server: { port: 5757, json_body_limit: 4 * 1024 * 1024, shutdown_timeout_secs: 30 },

    /// Everything the session service reads from configuration: the listener keys every HTTP
    /// service has (`host`, `port`, `route_base_path`, `json_body_limit`, `workers`,
    /// `access_log`, `shutdown_timeout_secs`) and the service's own.
    #[derive(Debug, Clone, Deserialize)]
    pub struct Settings {
        /// The WeChat API and the mini-program's credentials (original `appId`, `appSecret`).
        pub wx: WxConfig,
        /// The session store (original `redisConfig` and weapp-session options).
        pub redis: RedisConfig,
        /// The modern login's skey sessions.
        pub skey: SkeyConfig,
        /// Where the paints are (original `mongoConfig`).
        pub mongo: MongoSettings,
        /// Limits of the drawing app.
        pub paints: PaintsSettings,
    }
}

/// The MongoDB connection (one pooled client per process).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct MongoSettings {
    /// A `mongodb://` URL (credentials and options included; a secret). `mongodb+srv://` is not
    /// supported (no DNS resolver is built in).
    pub url: Secret,
    /// Database (original `mongoConfig.database`).
    pub database: String,
    /// Collection of the paints.
    pub collection: String,
    /// Milliseconds to find a server, connect, or finish an operation; past it the request
    /// fails as "database unavailable".
    pub timeout_ms: u64,
    /// Most connections in the pool.
    pub max_pool_size: u32,
    /// Seconds a pooled connection may stay idle before the pool closes it (the driver's
    /// `maxIdleTimeMS`). Keep it below the idle time after which the server or anything in
    /// between drops connections, so a request after a quiet spell never meets a dead one.
    pub max_idle_secs: u64,
}

impl Default for MongoSettings {
    fn default() -> Self {
        Self {
            url: Secret::from("mongodb://127.0.0.1:27017"),
            database: "qcloud-applet-session".into(),
            collection: "paints".into(),
            timeout_ms: 5000,
            max_pool_size: 32,
            // Connections were found dead after 5–16 min without traffic (issue 13).
            max_idle_secs: 60,
        }
    }
}

impl MongoSettings {
    /// [`MongoSettings::timeout_ms`] as a duration.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    /// [`MongoSettings::max_idle_secs`] as a duration.
    pub fn max_idle(&self) -> Duration {
        Duration::from_secs(self.max_idle_secs)
    }
}

/// Limits of the drawing app.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct PaintsSettings {
    /// Largest `actions` string in bytes. The original's 100 kB body limit cut long strokes.
    pub max_actions_bytes: usize,
    /// Most paints `/paints/list` returns (oldest first).
    pub list_limit: u32,
}

impl Default for PaintsSettings {
    fn default() -> Self {
        Self {
            max_actions_bytes: 1024 * 1024,
            list_limit: 1000,
        }
    }
}

impl Settings {
    /// Check cross-field rules the types cannot express.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the key.
    pub fn validate(self) -> Result<Self, ConfigError> {
        use secrecy::ExposeSecret;
        let invalid = ConfigError::invalid;
        self.check_server()?;
        if self.wx.app_id.is_empty() || self.wx.app_secret.expose_secret().is_empty() {
            return Err(invalid(
                "wx.app_id",
                "wx.app_id and wx.app_secret are required (the mini-program's AppID/AppSecret)",
            ));
        }
        for result in [
            self.redis.validate(),
            self.skey.validate(&self.redis.prefix),
        ] {
            result.map_err(|error| ConfigError::invalid(error.key, error.message))?;
        }
        if !self.mongo.url.expose_secret().starts_with("mongodb://") {
            return Err(invalid("mongo.url", "must be a mongodb:// URL"));
        }
        if self.mongo.database.is_empty() || self.mongo.collection.is_empty() {
            return Err(invalid(
                "mongo.database",
                "database and collection are required",
            ));
        }
        if self.mongo.timeout_ms == 0 {
            return Err(invalid("mongo.timeout_ms", "must be above 0"));
        }
        if self.mongo.max_idle_secs == 0 {
            return Err(invalid("mongo.max_idle_secs", "must be above 0"));
        }
        if self.paints.max_actions_bytes == 0 || self.paints.list_limit == 0 {
            return Err(invalid(
                "paints.max_actions_bytes",
                "limits must be above 0",
            ));
        }
        if self.json_body_limit < self.paints.max_actions_bytes + 1024 {
            return Err(invalid(
                "json_body_limit",
                "must exceed paints.max_actions_bytes by at least 1 KiB",
            ));
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn load(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let mut all = vec![
            ("SESSION_WX__APP_ID", "wx0000000000000000"),
            ("SESSION_WX__APP_SECRET", "s3cr3t"),
        ];
        all.extend_from_slice(vars);
        Settings::load_from(&all)
    }

    #[test]
    fn defaults_reproduce_the_original_config() -> Result<(), ConfigError> {
        let settings = load(&[])?;
        assert_eq!(settings.port, 5757);
        assert_eq!(settings.host, std::net::IpAddr::from([127, 0, 0, 1]));
        assert!(settings.access_log);
        assert_eq!(settings.route_base_path, "/applet");
        assert_eq!(settings.json_body_limit, 4 * 1024 * 1024);
        assert_eq!(settings.workers, 0);
        assert_eq!(settings.shutdown_timeout_secs, 30);
        assert_eq!(settings.redis.prefix, "weapp-session:");
        assert_eq!(settings.redis.ttl, 7200);
        assert_eq!(settings.mongo.database, "qcloud-applet-session");
        assert_eq!(settings.mongo.collection, "paints");
        assert_eq!(settings.paints.max_actions_bytes, 1024 * 1024);
        assert_eq!(settings.wx.base_url, "https://api.weixin.qq.com");
        Ok(())
    }

    #[test]
    fn environment_reaches_nested_sections() -> Result<(), ConfigError> {
        let settings = load(&[
            ("SESSION_REDIS__PORT", "6380"),
            ("SESSION_REDIS__TTL", "60"),
            ("SESSION_MONGO__DATABASE", "other"),
            ("SESSION_MONGO__MAX_IDLE_SECS", "30"),
            ("SESSION_WX__BASE_URL", "http://127.0.0.1:9797"),
            ("SESSION_ACCESS_LOG", "false"),
        ])?;
        assert!(!settings.access_log);
        assert_eq!(settings.redis.port, 6380);
        assert_eq!(settings.redis.ttl, 60);
        assert_eq!(settings.mongo.database, "other");
        assert_eq!(settings.mongo.max_idle(), Duration::from_secs(30));
        assert_eq!(settings.wx.base_url, "http://127.0.0.1:9797");
        Ok(())
    }

    #[test]
    fn top_level_keys_keep_their_names_and_numeric_secrets_stay_strings() -> Result<(), ConfigError>
    {
        // The environment is parsed (`123456` becomes an integer on its way in): the secret must
        // still load as a string, next to the top-level `port`.
        let settings = Settings::load_from(&[
            ("SESSION_PORT", "5758"),
            ("SESSION_WORKERS", "3"),
            ("SESSION_WX__APP_ID", "wx0000000000000000"),
            ("SESSION_WX__APP_SECRET", "123456"),
        ])?;
        assert_eq!(settings.port, 5758);
        assert_eq!(settings.workers, 3);
        assert_eq!(settings.wx.app_secret.expose_secret(), "123456");
        Ok(())
    }

    #[test]
    fn missing_app_credentials_name_the_key() {
        let error = Settings::load_from(&[])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("wx.app_id"), "{error}");
    }

    #[test]
    fn a_body_limit_below_the_actions_limit_is_refused() {
        let error = load(&[("SESSION_JSON_BODY_LIMIT", "1000")])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("json_body_limit"), "{error}");
    }

    #[test]
    fn a_zero_idle_limit_is_refused() {
        let error = load(&[("SESSION_MONGO__MAX_IDLE_SECS", "0")])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("mongo.max_idle_secs"), "{error}");
    }

    #[test]
    fn secrets_are_not_in_debug_output() -> Result<(), ConfigError> {
        let settings = load(&[
            ("SESSION_REDIS__PASSWORD", "redis-pw-do-not-print"),
            (
                "SESSION_MONGO__URL",
                "mongodb://u:mongo-pw-do-not-print@h:1",
            ),
        ])?;
        let debug = format!("{settings:?}");
        assert!(!debug.contains("do-not-print"), "{debug}");
        assert!(!debug.contains("s3cr3t"), "{debug}");
        Ok(())
    }
}
