//! [`RedisTokens`]: the app's one access token in Redis, and the lock that lets one instance at
//! a time refresh it.
//!
//! - `{prefix}{appid}:{kind}` holds `{"access_token","obtained_at_ms","expires_at_ms"}` and
//!   expires with the token (`PX`).
//! - `{prefix}{appid}:{kind}:lock` holds a random nonce, `SET NX PX lock_ttl`: whoever set it
//!   refreshes; it is deleted only by its holder (compare-and-delete script), and lapses by
//!   itself if the holder dies.
//!
//! The token sits in Redis in clear: Redis is the instances' trusted shared memory, like the
//! session store's session keys.

use std::time::Duration;

use deadpool_redis::{
    Manager, Pool, Runtime,
    redis::{self, AsyncConnectionConfig, FromRedisValue, Script},
};
use rand::Rng;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use weapp_common::config::Secret;

use super::StoredToken;
use crate::WxError;

/// Deletes the lock only when it still holds this holder's nonce. KEYS: lock key. ARGV: nonce.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// Connections per instance: token traffic is a read a minute and a refresh an hour.
const POOL_SIZE: usize = 2;

/// The shared token of one app and kind (`access_token` or `stable_token`).
pub(crate) struct RedisTokens {
    pool: Pool,
    key: String,
    lock_key: String,
    lock_ttl_ms: u64,
    release: Script,
}

impl RedisTokens {
    /// Keys `{prefix}{app_id}:{kind}` and `…:lock`; connects lazily.
    pub(crate) fn new(
        url: &Secret,
        prefix: &str,
        app_id: &str,
        kind: &str,
        lock_ttl_ms: u64,
        timeout: Duration,
    ) -> Result<Self, WxError> {
        let connection = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout));
        let manager = Manager::new_with_config(url.expose_secret(), connection)
            .map_err(|error| WxError::Config(format!("token.redis_url: {error}")))?;
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .wait_timeout(Some(timeout))
            .create_timeout(Some(timeout))
            .recycle_timeout(Some(timeout))
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|error| WxError::Config(format!("token Redis pool: {error}")))?;
        let key = format!("{prefix}{app_id}:{kind}");
        Ok(Self {
            pool,
            lock_key: format!("{key}:lock"),
            key,
            lock_ttl_ms,
            release: Script::new(RELEASE),
        })
    }

    /// The stored token, if any (an unreadable value counts as none: the next refresh replaces
    /// it).
    pub(crate) async fn load(&self) -> Result<Option<StoredToken>, WxError> {
        let value: Option<String> = self.query(redis::cmd("GET").arg(&self.key)).await?;
        Ok(value.as_deref().and_then(parse))
    }

    /// Store `token` until it expires.
    pub(crate) async fn save(&self, token: &StoredToken, now_ms: u64) -> Result<(), WxError> {
        let ttl_ms = token.expires_at_ms.saturating_sub(now_ms).max(1);
        let value = json!({
            "access_token": token.token.expose_secret(),
            "obtained_at_ms": token.obtained_at_ms,
            "expires_at_ms": token.expires_at_ms,
        });
        self.query::<()>(
            redis::cmd("SET")
                .arg(&self.key)
                .arg(value.to_string())
                .arg("PX")
                .arg(ttl_ms),
        )
        .await
    }

    /// Take the refresh lock if nobody holds it: its nonce, or `None`.
    pub(crate) async fn try_lock(&self) -> Result<Option<String>, WxError> {
        let nonce = format!("{:032x}", rand::rng().random::<u128>());
        let set: Option<String> = self
            .query(
                redis::cmd("SET")
                    .arg(&self.lock_key)
                    .arg(&nonce)
                    .arg("NX")
                    .arg("PX")
                    .arg(self.lock_ttl_ms),
            )
            .await?;
        Ok(set.map(|_| nonce))
    }

    /// Release the lock taken with `nonce` (a lapsed lock someone else took is left alone).
    pub(crate) async fn unlock(&self, nonce: &str) -> Result<(), WxError> {
        let mut connection = self.connection().await?;
        self.release
            .key(&self.lock_key)
            .arg(nonce)
            .invoke_async::<i64>(&mut connection)
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    /// Redis answers `PONG`.
    pub(crate) async fn ping(&self) -> Result<(), WxError> {
        self.query::<String>(&redis::cmd("PING")).await.map(|_| ())
    }

    async fn connection(&self) -> Result<deadpool_redis::Connection, WxError> {
        self.pool.get().await.map_err(|error| {
            WxError::TokenUnavailable(format!("no Redis connection for the token: {error}"))
        })
    }

    async fn query<T: FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, WxError> {
        let mut connection = self.connection().await?;
        cmd.query_async(&mut connection).await.map_err(unavailable)
    }
}

fn unavailable(error: redis::RedisError) -> WxError {
    WxError::TokenUnavailable(format!("Redis: {error}"))
}

/// `{"access_token","obtained_at_ms","expires_at_ms"}` → a token.
fn parse(text: &str) -> Option<StoredToken> {
    let value: Value = serde_json::from_str(text).ok()?;
    Some(StoredToken {
        token: Secret::from(value.get("access_token")?.as_str()?),
        obtained_at_ms: value.get("obtained_at_ms")?.as_u64()?,
        expires_at_ms: value.get("expires_at_ms")?.as_u64()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_value_parses_back() {
        let token = parse(r#"{"access_token":"T","obtained_at_ms":5,"expires_at_ms":9}"#);
        let token = token.expect("parses");
        assert_eq!(token.token.expose_secret(), "T");
        assert_eq!((token.obtained_at_ms, token.expires_at_ms), (5, 9));
        assert!(parse("not json").is_none());
        assert!(parse(r#"{"access_token":"T"}"#).is_none());
    }
}
