//! The video service's configuration: the original `server/config.js` keys
//! (`spec/originals.md` §4: `port`, `ROUTE_BASE_PATH`, MySQL `host`/`user`/`password`/`database`)
//! plus what a production deployment needs (pool size, limits, rate limit, migrations).
//!
//! Loaded by [`weapp_common::config::Source`] with prefix `VIDEO`: `VIDEO_PORT`,
//! `VIDEO_MYSQL__PASSWORD`, `VIDEO_COMMENT__CONTENT_MAX_CHARS`, …
//!
//! | original key | here | default |
//! |---|---|---|
//! | `port` | `port` | `9994` |
//! | `ROUTE_BASE_PATH` | `route_base_path` | `/applet` |
//! | `host` / `user` / `password` / `database` | `mysql.host` / `.user` / `.password` / `.database` | `127.0.0.1` / `weapp` / `""` / `video` |
//! | page size constant 6 (`handlers/list.js`) | `page_size` | `6` |
//! | — | `mysql.timeout_secs` / `statement_timeout_secs` / `clock_skew_ms` | `5` / `2` / `500` |
//! | — | `comment.dedup_window_secs` / `idempotency_key_ttl_secs` | `120` / `86400` |

use std::{num::NonZeroU32, time::Duration};

use serde::Deserialize;
use weapp_common::config::{ConfigError, Secret};

/// Widest `comment.nick` the schema stores (`nick VARCHAR(100)`, migration V1).
pub const NICK_COLUMN_CHARS: usize = 100;
/// Widest `comment.avatar` the schema stores (`avatar VARCHAR(1024)`).
pub const AVATAR_COLUMN_CHARS: usize = 1024;
/// Widest `comment.content` the schema stores (`content VARCHAR(2000)`).
pub const CONTENT_COLUMN_CHARS: usize = 2000;

weapp_common::service_settings! {
    env: "VIDEO",
    // The original `port`; body-parser's default body limit, 100 kB.
    http_server: { port: 9994, json_body_limit: 100 * 1024, shutdown_timeout_secs: 30 },

    /// Everything the video service reads from configuration: the listener keys every HTTP
    /// service has (`host`, `port`, `route_base_path`, `json_body_limit`, `workers`,
    /// `access_log`, `shutdown_timeout_secs`) and the service's own.
    #[derive(Debug, Clone, Deserialize)]
    pub struct Settings {
        /// The MySQL server, database and pool.
        pub mysql: MysqlSettings,
        /// Videos per `list` page (the original's constant 6).
        pub page_size: u32 = 6,
        /// Comment limits.
        pub comment: CommentSettings,
        /// Per-client limit on posting comments.
        pub rate_limit: RateLimitSettings,
        /// Apply pending migrations before serving (also `video migrate`).
        pub migrate_on_start: bool = true,
    }
}

/// The original MySQL keys plus the pool (the original opened one connection per request).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct MysqlSettings {
    /// Server host name or address (`host`).
    pub host: String,
    /// Server TCP port.
    pub port: u16,
    /// User (`user`).
    pub user: String,
    /// Password (`password`) — never logged.
    pub password: Secret,
    /// Database (`database`).
    pub database: String,
    /// Connections the pool keeps open however long they are idle.
    pub pool_min: usize,
    /// Most connections the pool opens; further requests wait for a free one.
    pub pool_max: usize,
    /// Seconds a connection beyond `pool_min` may stay idle in the pool before it is closed
    /// (mysql_async's `inactive_connection_ttl`). Must be above 0: with 0, mysql_async keeps
    /// only `pool_min` idle connections and closes every other one the moment a request returns
    /// it, so a busy service reconnected (and re-prepared its statements) all the time.
    pub idle_timeout_secs: u64,
    /// Seconds one database operation (waiting for a connection included) may take before the
    /// request fails.
    pub timeout_secs: u64,
    /// Seconds MySQL itself lets one statement of the service run before it aborts it (MariaDB's
    /// `max_statement_time`, and `innodb_lock_wait_timeout` on MariaDB and MySQL alike). Below
    /// `timeout_secs`, so the server gives up before the request does: a comment the service
    /// reports as failed is not committed afterwards.
    pub statement_timeout_secs: u64,
    /// Milliseconds the service's clock and the database host's may differ (NTP keeps them
    /// within a few). A comment's insert carries the latest time the server may start it,
    /// `timeout_secs − statement_timeout_secs − clock_skew_ms` after the request began.
    pub clock_skew_ms: u64,
}

impl Default for MysqlSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 3306,
            user: "weapp".into(),
            password: Secret::from(""),
            database: "video".into(),
            pool_min: 2,
            pool_max: 10,
            idle_timeout_secs: 60,
            timeout_secs: 5,
            statement_timeout_secs: 2,
            clock_skew_ms: 500,
        }
    }
}

impl MysqlSettings {
    /// How long a connection beyond `pool_min` may stay idle.
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.idle_timeout_secs.max(1))
    }

    /// The per-operation timeout.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs)
    }

    /// The server-side limit of one statement.
    pub fn statement_timeout(&self) -> Duration {
        Duration::from_secs(self.statement_timeout_secs)
    }

    /// The most the two clocks may differ.
    pub fn clock_skew(&self) -> Duration {
        Duration::from_millis(self.clock_skew_ms)
    }
}

/// Field limits of `POST /video/comment`, in characters (Unicode scalar values, which is what
/// MySQL's `VARCHAR(n)` counts).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(default)]
pub struct CommentSettings {
    /// Longest `content`. The original client caps input at 50; API clients may send more.
    pub content_max_chars: usize,
    /// Longest `nick` (WeChat nicknames are short; 64 leaves room).
    pub nick_max_chars: usize,
    /// Longest `avatar` URL.
    pub avatar_max_chars: usize,
    /// Most comments `commentList` returns (the newest); the original had no limit.
    pub list_max: u32,
    /// Seconds during which a comment identical to one stored (same video, nick, avatar,
    /// content, from the same client address) is taken as another attempt at it: answered as
    /// stored, not stored again. For the original client, which sends no `Idempotency-Key`
    /// and whose user retries a comment reported failed.
    pub dedup_window_secs: u64,
    /// Seconds an `Idempotency-Key` names the comment first posted with it.
    pub idempotency_key_ttl_secs: u64,
}

impl CommentSettings {
    /// [`CommentSettings::dedup_window_secs`] as a duration.
    pub fn dedup_window(&self) -> Duration {
        Duration::from_secs(self.dedup_window_secs)
    }

    /// [`CommentSettings::idempotency_key_ttl_secs`] as a duration.
    pub fn idempotency_key_ttl(&self) -> Duration {
        Duration::from_secs(self.idempotency_key_ttl_secs)
    }
}

impl Default for CommentSettings {
    fn default() -> Self {
        Self {
            content_max_chars: 500,
            nick_max_chars: 64,
            avatar_max_chars: 512,
            list_max: 100,
            // A user retries a comment reported failed within seconds; a longer window would
            // merge more genuine repeats of the same words from one (NAT) address.
            dedup_window_secs: 120,
            // The usual lifetime of idempotency keys (Stripe's, the IETF draft's examples).
            idempotency_key_ttl_secs: 24 * 3600,
        }
    }
}

/// GCRA rate limit (governor) on `POST /video/comment`, keyed by client address.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(default)]
pub struct RateLimitSettings {
    /// Off = no limit.
    pub enabled: bool,
    /// Comments a client may post at once.
    pub burst: u32,
    /// Sustained comments per minute per client.
    pub per_minute: u32,
    /// Take the client address from `X-Real-IP` (set by nginx) instead of the peer address —
    /// like Express's `trust proxy` in the original. Turn off if clients reach the service
    /// directly, or they can pick their own key.
    pub trust_x_real_ip: bool,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            burst: 10,
            per_minute: 20,
            trust_x_real_ip: true,
        }
    }
}

impl RateLimitSettings {
    /// The configured quota, `None` when disabled. Valid after [`Settings::validate`].
    pub fn quota(&self) -> Option<governor::Quota> {
        if !self.enabled {
            return None;
        }
        let burst = NonZeroU32::new(self.burst)?;
        let period = Duration::from_secs(60) / self.per_minute.max(1);
        governor::Quota::with_period(period).map(|quota| quota.allow_burst(burst))
    }
}

impl Settings {
    /// Check the rules the types cannot express.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the key.
    pub fn validate(self) -> Result<Self, ConfigError> {
        let invalid = ConfigError::invalid;
        self.check_server()?;
        if self.page_size == 0 || self.page_size > 1000 {
            return Err(invalid("page_size", "must be between 1 and 1000"));
        }
        let m = &self.mysql;
        if m.pool_max == 0 || m.pool_min > m.pool_max {
            return Err(invalid(
                "mysql.pool_max",
                "must be at least 1 and not below mysql.pool_min",
            ));
        }
        if m.timeout_secs == 0 {
            return Err(invalid("mysql.timeout_secs", "must be above 0"));
        }
        if m.idle_timeout_secs == 0 {
            return Err(invalid("mysql.idle_timeout_secs", "must be above 0"));
        }
        if m.statement_timeout_secs == 0
            || m.statement_timeout().saturating_add(m.clock_skew()) >= m.timeout()
        {
            return Err(invalid(
                "mysql.statement_timeout_secs",
                "must be above 0, and with mysql.clock_skew_ms below mysql.timeout_secs",
            ));
        }
        let c = &self.comment;
        for (key, value, column) in [
            (
                "comment.content_max_chars",
                c.content_max_chars,
                CONTENT_COLUMN_CHARS,
            ),
            (
                "comment.nick_max_chars",
                c.nick_max_chars,
                NICK_COLUMN_CHARS,
            ),
            (
                "comment.avatar_max_chars",
                c.avatar_max_chars,
                AVATAR_COLUMN_CHARS,
            ),
        ] {
            if value == 0 || value > column {
                return Err(invalid(
                    key,
                    &format!("must be between 1 and {column} (the column)"),
                ));
            }
        }
        if c.list_max == 0 {
            return Err(invalid("comment.list_max", "must be above 0"));
        }
        if c.dedup_window_secs == 0 || c.idempotency_key_ttl_secs == 0 {
            return Err(invalid(
                "comment.dedup_window_secs",
                "dedup_window_secs and idempotency_key_ttl_secs must be above 0",
            ));
        }
        let r = &self.rate_limit;
        if r.enabled && (r.burst == 0 || r.per_minute == 0) {
            return Err(invalid(
                "rate_limit.burst",
                "burst and per_minute must be above 0 when enabled",
            ));
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_reproduce_the_original_config() -> Result<(), ConfigError> {
        let settings = Settings::load_from(&[])?;
        assert_eq!(settings.port, 9994);
        assert_eq!(settings.host, std::net::IpAddr::from([127, 0, 0, 1]));
        assert_eq!(settings.route_base_path, "/applet");
        assert_eq!(settings.json_body_limit, 100 * 1024);
        assert_eq!(settings.workers, 0);
        assert!(settings.access_log);
        assert_eq!(settings.shutdown_timeout_secs, 30);
        assert!(settings.migrate_on_start);
        assert_eq!(settings.page_size, 6);
        assert_eq!(settings.mysql.database, "video");
        assert!(settings.rate_limit.quota().is_some());
        Ok(())
    }

    #[test]
    fn environment_sets_nested_keys() -> Result<(), ConfigError> {
        let settings = Settings::load_from(&[
            ("VIDEO_MYSQL__POOL_MAX", "3"),
            ("VIDEO_MYSQL__POOL_MIN", "1"),
            ("VIDEO_COMMENT__CONTENT_MAX_CHARS", "50"),
            ("VIDEO_RATE_LIMIT__ENABLED", "false"),
            ("VIDEO_ACCESS_LOG", "false"),
            ("VIDEO_PORT", "0"),
        ])?;
        assert!(!settings.access_log);
        assert_eq!(settings.port, 0);
        assert_eq!(settings.mysql.pool_max, 3);
        assert_eq!(settings.comment.content_max_chars, 50);
        assert!(settings.rate_limit.quota().is_none());
        Ok(())
    }

    #[test]
    fn limits_beyond_the_columns_are_refused_naming_the_key() {
        let error = Settings::load_from(&[("VIDEO_COMMENT__NICK_MAX_CHARS", "101")])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("comment.nick_max_chars"), "{error}");
    }

    #[test]
    fn the_server_must_give_up_before_the_request() {
        let error = Settings::load_from(&[
            ("VIDEO_MYSQL__TIMEOUT_SECS", "3"),
            ("VIDEO_MYSQL__STATEMENT_TIMEOUT_SECS", "3"),
        ])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(error.contains("mysql.statement_timeout_secs"), "{error}");
        assert!(
            Settings::load_from(&[
                ("VIDEO_MYSQL__TIMEOUT_SECS", "3"),
                ("VIDEO_MYSQL__STATEMENT_TIMEOUT_SECS", "2"),
                ("VIDEO_MYSQL__CLOCK_SKEW_MS", "0"),
            ])
            .is_ok()
        );
    }

    #[test]
    fn an_empty_pool_is_refused() {
        assert!(Settings::load_from(&[("VIDEO_MYSQL__POOL_MAX", "0")]).is_err());
        assert!(Settings::load_from(&[("VIDEO_PAGE_SIZE", "0")]).is_err());
    }

    #[test]
    fn the_password_is_not_in_debug_output() -> Result<(), ConfigError> {
        let settings = Settings::load_from(&[("VIDEO_MYSQL__PASSWORD", "do-not-print-me-42")])?;
        assert!(!format!("{settings:?}").contains("do-not-print-me-42"));
        Ok(())
    }

    #[test]
    fn the_quota_spreads_per_minute_over_the_minute() {
        let limits = RateLimitSettings {
            enabled: true,
            burst: 3,
            per_minute: 30,
            trust_x_real_ip: true,
        };
        let quota = limits
            .quota()
            .map(|q| (q.burst_size().get(), q.replenish_interval()));
        assert_eq!(quota, Some((3, Duration::from_secs(2))));
    }
}
