//! [`TokenKeeper`]: the credential of every WeChat API call — one access token per app, shared
//! by all instances, refreshed by one of them at a time, before it expires and once when
//! WeChat refuses it.
//!
//! Why one refresher: `GET /cgi-bin/token` ends the previous token (WeChat keeps both alive for
//! at most five minutes), so instances that refresh on their own knock each other's tokens out
//! (<https://developers.weixin.qq.com/doc/oplatform/developers/dev/AccessToken.md>, "中控服务器").
//! With `token.redis_url` the token and a refresh lock live in Redis ([`redis`]); without it
//! one in-process lock makes refreshes single-flight within this process only — several
//! instances then need [`TokenMode::StableToken`], whose exchange returns the same token.
//!
//! A call ([`TokenKeeper::post_json`]) that WeChat answers with `40001`/`40014`/`42001`
//! ([`crate::TOKEN_ERRCODES`]) renews the token — only if the refused token is still the
//! current one, so a burst of refused calls makes one refresh — and is retried once.
//!
//! The token is never logged, never in `Debug` and never returned: the only way out of this
//! module is the query parameter of a call.

mod config;
mod redis;
mod refresh;

use std::{
    fmt,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use secrecy::ExposeSecret;
use serde::Serialize;
use serde_json::Value;
use weapp_common::config::Secret;

use self::redis::RedisTokens;
use crate::{
    WxClient, WxError,
    clock::{Clock, SystemClock},
    transport::api_result,
};

pub use config::{TokenConfig, TokenMode};

/// A token as stored: the secret and when it was obtained and expires (Unix ms).
#[derive(Clone)]
pub(crate) struct StoredToken {
    token: Secret,
    obtained_at_ms: u64,
    expires_at_ms: u64,
}

/// What a call carries: nothing (open-API service), `access_token` or `cloudbase_access_token`.
#[derive(Clone)]
enum Credential {
    None,
    AccessToken(Secret),
    Cloudbase(Secret),
}

impl Credential {
    /// The query parameter of a call.
    fn query(&self) -> Vec<(&'static str, &str)> {
        match self {
            Self::None => Vec::new(),
            Self::AccessToken(token) => vec![("access_token", token.expose_secret())],
            Self::Cloudbase(token) => vec![("cloudbase_access_token", token.expose_secret())],
        }
    }
}

/// Where the shared token lives.
enum Shared {
    /// This process only; the async mutex makes refreshes single-flight.
    Memory(tokio::sync::Mutex<Option<StoredToken>>),
    /// Redis, shared by every instance.
    Redis(RedisTokens),
}

/// The credential keeper of one app: cheap to clone, shared by every request of an instance.
#[derive(Clone)]
pub struct TokenKeeper {
    inner: Arc<Inner>,
}

struct Inner {
    client: WxClient,
    mode: TokenMode,
    cloudbase: Secret,
    shared: Shared,
    /// The last token this instance used and when it read it (Unix ms).
    local: Mutex<Option<(StoredToken, u64)>>,
    margin_ms: u64,
    local_cache_ms: u64,
    wait: Duration,
    poll: Duration,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for TokenKeeper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let store = match self.inner.shared {
            Shared::Memory(_) => "in-process",
            Shared::Redis(_) => "redis",
        };
        f.debug_struct("TokenKeeper")
            .field("mode", &self.inner.mode)
            .field("app_id", &self.inner.client.app_id())
            .field("store", &store)
            .finish_non_exhaustive()
    }
}

impl TokenKeeper {
    /// A keeper for `client`'s app on the system clock. Connects to Redis lazily.
    ///
    /// # Errors
    /// [`WxError::Config`]: [`TokenMode::Cloudbase`] without a token, an AppSecret mode without
    /// a secret, a malformed `redis_url`, or a `lock_ttl_ms` under twice the client's timeout.
    pub fn new(client: WxClient, config: &TokenConfig) -> Result<Self, WxError> {
        Self::with_clock(client, config, Arc::new(SystemClock))
    }

    /// [`TokenKeeper::new`] reading time from `clock` (tests move it to reach an expiry).
    ///
    /// # Errors
    /// As [`TokenKeeper::new`].
    pub fn with_clock(
        client: WxClient,
        config: &TokenConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, WxError> {
        let timeout = client.transport().timeout();
        let kind = match config.mode {
            TokenMode::Cloudbase if config.cloudbase_access_token.expose_secret().is_empty() => {
                return Err(WxError::Config(
                    "token.mode cloudbase needs token.cloudbase_access_token".to_owned(),
                ));
            }
            TokenMode::AppSecret | TokenMode::StableToken if !client.has_app_secret() => {
                return Err(WxError::Config(
                    "token.mode app_secret/stable_token needs the app_secret".to_owned(),
                ));
            }
            TokenMode::StableToken => "stable_token",
            _ => "access_token",
        };
        let lock_floor = 2 * u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        let shared = if config.redis_url.expose_secret().is_empty() {
            Shared::Memory(tokio::sync::Mutex::new(None))
        } else if config.lock_ttl_ms < lock_floor {
            return Err(WxError::Config(format!(
                "token.lock_ttl_ms must be at least {lock_floor} (twice the WeChat timeout)"
            )));
        } else {
            Shared::Redis(RedisTokens::new(
                &config.redis_url,
                &config.redis_prefix,
                client.app_id(),
                kind,
                config.lock_ttl_ms,
                timeout,
            )?)
        };
        Ok(Self {
            inner: Arc::new(Inner {
                mode: config.mode,
                cloudbase: config.cloudbase_access_token.clone(),
                shared,
                local: Mutex::new(None),
                margin_ms: millis(config.refresh_margin()),
                local_cache_ms: millis(config.local_cache()),
                wait: config.wait(),
                poll: config.poll(),
                clock,
                client,
            }),
        })
    }

    /// How this keeper's calls are authenticated.
    pub fn mode(&self) -> TokenMode {
        self.inner.mode
    }

    /// The client whose app this keeper serves.
    pub fn client(&self) -> &WxClient {
        &self.inner.client
    }

    /// Whether a call could be authenticated now: a token can be had (from the shared store
    /// or WeChat), or the mode needs none. For readiness probes.
    ///
    /// # Errors
    /// As [`TokenKeeper::post_json`] before it sends.
    pub async fn ready(&self) -> Result<(), WxError> {
        if let Shared::Redis(redis) = &self.inner.shared {
            redis.ping().await?;
        }
        self.credential().await.map(|_| ())
    }

    /// POST `body` as JSON to `{base_url}{path}` with the credential as query parameter, and
    /// return WeChat's answer (an object whose `errcode`, if any, is 0). A refused token
    /// (`40001`/`40014`/`42001`) is renewed once — if it is still the current one — and the
    /// call retried once.
    ///
    /// # Errors
    /// [`WxError::Api`] for WeChat's error (after the retry, for a token error),
    /// [`WxError::Unreachable`]/[`WxError::Malformed`] for no usable answer,
    /// [`WxError::TokenUnavailable`] when no token could be had.
    pub async fn post_json(&self, path: &str, body: &impl Serialize) -> Result<Value, WxError> {
        let credential = self.credential().await?;
        match self.post_once(path, &credential, body).await {
            Err(error) if error.is_token_error() => {
                let Some(renewed) = self.renew(&credential).await? else {
                    return Err(error);
                };
                log::info!("WeChat API POST {path}: token refused ({error}); retrying once");
                self.post_once(path, &renewed, body).await
            }
            answer => answer,
        }
    }

    async fn post_once(
        &self,
        path: &str,
        credential: &Credential,
        body: &impl Serialize,
    ) -> Result<Value, WxError> {
        let answer = self
            .inner
            .client
            .transport()
            .post_json(path, &credential.query(), body)
            .await
            .map_err(WxError::Unreachable)?;
        api_result(answer)
    }

    /// The credential of the next call.
    async fn credential(&self) -> Result<Credential, WxError> {
        match self.inner.mode {
            TokenMode::OpenApi => Ok(Credential::None),
            TokenMode::Cloudbase => Ok(Credential::Cloudbase(self.inner.cloudbase.clone())),
            TokenMode::AppSecret | TokenMode::StableToken => {
                let now = self.now();
                let cached = self.local().filter(|(token, read_at)| {
                    self.usable(token, None, now)
                        && now < read_at.saturating_add(self.inner.local_cache_ms)
                });
                let token = match cached {
                    Some((token, _)) => token,
                    None => self.refresh(None).await?,
                };
                Ok(Credential::AccessToken(token.token))
            }
        }
    }

    /// A credential to retry with after `failed` was refused, or `None` when this mode has
    /// nothing to renew.
    async fn renew(&self, failed: &Credential) -> Result<Option<Credential>, WxError> {
        let Credential::AccessToken(failed) = failed else {
            return Ok(None);
        };
        let token = self.refresh(Some(failed)).await?;
        Ok(Some(Credential::AccessToken(token.token)))
    }

    fn local(&self) -> Option<(StoredToken, u64)> {
        self.inner
            .local
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn now(&self) -> u64 {
        self.inner.clock.now_ms()
    }
}

pub(crate) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
