//! Configuration of the session store, meant to be embedded in a service's settings
//! (`weapp_common::config`): `redis` (the original `redisConfig` plus `prefix`/`ttl`,
//! `spec/originals.md` §3.1) and `skey` (the modern login, §7.2).
//!
//! | original (`weapp-session` `config.js`) | here | default |
//! |---|---|---|
//! | `redisConfig.host` / `port` | `redis.host` / `redis.port` | `127.0.0.1` / `6379` |
//! | `redisConfig.password` | `redis.password` (secret) | `""` (no `AUTH`) |
//! | `db` | `redis.db` | `0` |
//! | `prefix` | `redis.prefix` | `weapp-session:` |
//! | `ttl` | `redis.ttl` (seconds, never refreshed) | `7200` |
//! | Wafer 2 `wxLoginExpires` | `skey.ttl` | `7200` |

use std::time::Duration;

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use secrecy::ExposeSecret;
use serde::Deserialize;
use weapp_common::config::Secret;

/// Where the session store is and how keys live in it.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct RedisConfig {
    /// A full `redis://[:password@]host:port/db` URL; when set it replaces `host`, `port`,
    /// `password` and `db`. A secret: it may carry the password.
    pub url: Secret,
    /// Redis host.
    pub host: String,
    /// Redis port.
    pub port: u16,
    /// `AUTH` password; empty sends none.
    pub password: Secret,
    /// Database number.
    pub db: i64,
    /// Prefix of the `weapp-session` keys `{prefix}{code}` and `{prefix}{openId}` (the
    /// original's node_redis `prefix`).
    pub prefix: String,
    /// Lifetime in seconds of a `weapp-session` login; set at login, never refreshed.
    pub ttl: u64,
    /// Most pooled connections per thread (each actix worker has its own pool, so the service
    /// opens up to `workers × pool_size`). Each is multiplexed: concurrent requests share it and
    /// their commands are pipelined, so one usually serves all of a worker's requests in flight.
    pub pool_size: usize,
    /// Milliseconds to connect, to wait for a pooled connection, or for an answer; past it a
    /// request fails as "store unavailable" instead of hanging.
    pub timeout_ms: u64,
}

impl Default for RedisConfig {
    fn default() -> Self {
        Self {
            url: Secret::from(""),
            host: "127.0.0.1".into(),
            port: 6379,
            password: Secret::from(""),
            db: 0,
            prefix: "weapp-session:".into(),
            ttl: 7200,
            pool_size: 4,
            timeout_ms: 2000,
        }
    }
}

impl RedisConfig {
    /// `url`, or a `redis://` URL built from `host`, `port`, `password` and `db`. A secret
    /// (it may carry the password): never log it.
    pub fn connection_url(&self) -> String {
        let url = self.url.expose_secret();
        if !url.is_empty() {
            return url.to_owned();
        }
        let password = self.password.expose_secret();
        let auth = if password.is_empty() {
            String::new()
        } else {
            format!(":{}@", utf8_percent_encode(password, NON_ALPHANUMERIC))
        };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!("redis://{auth}{host}:{}/{}", self.port, self.db)
    }

    /// [`RedisConfig::timeout_ms`] as a duration.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }
}

/// The modern login's skey sessions.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct SkeyConfig {
    /// Prefix of the skey keys: `{prefix}skey:{skey}` (the session) and `{prefix}user:{openId}`
    /// (the last profile and skey of a user). Distinct from `redis.prefix`, so no client code
    /// can name an skey key.
    pub prefix: String,
    /// Seconds an skey stays valid after login (Wafer 2's `wxLoginExpires`, 7200); not
    /// refreshed by use, as in Wafer 2.
    pub ttl: u64,
    /// Seconds a user's profile is kept for later code-only logins (Wafer 2 kept it in MySQL
    /// for good; 30 days here).
    pub user_ttl: u64,
}

impl Default for SkeyConfig {
    fn default() -> Self {
        Self {
            prefix: "weapp-skey:".into(),
            ttl: 7200,
            user_ttl: 30 * 24 * 3600,
        }
    }
}

/// A setting that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("key `{key}`: {message}")]
pub struct InvalidConfig {
    /// The dotted key relative to the embedding section (`redis.ttl`).
    pub key: &'static str,
    /// What is wrong.
    pub message: &'static str,
}

impl RedisConfig {
    /// Check values the types cannot.
    ///
    /// # Errors
    /// [`InvalidConfig`] naming the key.
    pub fn validate(&self) -> Result<(), InvalidConfig> {
        let invalid = |key, message| Err(InvalidConfig { key, message });
        if self.prefix.is_empty() {
            return invalid("redis.prefix", "must not be empty");
        }
        if self.ttl == 0 {
            return invalid("redis.ttl", "must be above 0 seconds");
        }
        if self.pool_size == 0 {
            return invalid("redis.pool_size", "must be above 0");
        }
        if self.timeout_ms == 0 {
            return invalid("redis.timeout_ms", "must be above 0");
        }
        Ok(())
    }
}

impl SkeyConfig {
    /// Check values the types cannot; `session_prefix` is `redis.prefix`.
    ///
    /// # Errors
    /// [`InvalidConfig`] naming the key.
    pub fn validate(&self, session_prefix: &str) -> Result<(), InvalidConfig> {
        let invalid = |key, message| Err(InvalidConfig { key, message });
        if self.prefix.is_empty() {
            return invalid("skey.prefix", "must not be empty");
        }
        if self.prefix.starts_with(session_prefix) || session_prefix.starts_with(&self.prefix) {
            return invalid(
                "skey.prefix",
                "must not overlap redis.prefix (a client code could name an skey key)",
            );
        }
        if self.ttl == 0 || self.user_ttl < self.ttl {
            return invalid("skey.ttl", "must be above 0 and at most skey.user_ttl");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_originals() {
        let redis = RedisConfig::default();
        assert_eq!((redis.host.as_str(), redis.port), ("127.0.0.1", 6379));
        assert_eq!((redis.prefix.as_str(), redis.ttl), ("weapp-session:", 7200));
        assert_eq!(redis.validate(), Ok(()));
        let skey = SkeyConfig::default();
        assert_eq!(skey.ttl, 7200);
        assert_eq!(skey.validate(&redis.prefix), Ok(()));
    }

    #[test]
    fn overlapping_prefixes_are_refused() {
        let skey = SkeyConfig {
            prefix: "weapp-session:skey:".into(),
            ..SkeyConfig::default()
        };
        assert!(skey.validate("weapp-session:").is_err());
    }
}
