//! How [`TokenKeeper`] gets a usable token: from this instance's copy, the shared store, or
//! WeChat — one refresher at a time (module docs of [`super`]).

use std::time::Instant;

use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;
use weapp_common::config::Secret;

use super::{RedisTokens, Shared, StoredToken, TokenKeeper, TokenMode, millis};
use crate::{AccessToken, WxError};

use std::sync::PoisonError;

impl TokenKeeper {
    /// A usable token other than `stale`: the shared one if it is, else a new one from WeChat,
    /// fetched by one refresher at a time.
    pub(super) async fn refresh(&self, stale: Option<&Secret>) -> Result<StoredToken, WxError> {
        let token = match &self.inner.shared {
            Shared::Memory(slot) => {
                let mut slot = slot.lock().await;
                match slot.as_ref() {
                    Some(token) if self.usable(token, stale, self.now()) => token.clone(),
                    current => {
                        let fresh = self.fetch_or_keep(current, stale).await?;
                        *slot = Some(fresh.clone());
                        fresh
                    }
                }
            }
            Shared::Redis(redis) => self.refresh_shared(redis, stale).await?,
        };
        let now = self.now();
        *self
            .inner
            .local
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some((token.clone(), now));
        Ok(token)
    }

    /// The Redis flavour of [`TokenKeeper::refresh`]: adopt the shared token when it is
    /// usable; otherwise take the lock and refresh, or wait for whoever holds it.
    async fn refresh_shared(
        &self,
        redis: &RedisTokens,
        stale: Option<&Secret>,
    ) -> Result<StoredToken, WxError> {
        let deadline = Instant::now() + self.inner.wait;
        loop {
            let current = redis.load().await?;
            if let Some(token) = current
                .as_ref()
                .filter(|t| self.usable(t, stale, self.now()))
            {
                return Ok(token.clone());
            }
            if let Some(nonce) = redis.try_lock().await? {
                return self.refresh_detached(nonce, stale.cloned()).await;
            }
            if Instant::now() >= deadline {
                return Err(WxError::TokenUnavailable(format!(
                    "another instance held the refresh lock for more than {:?}",
                    self.inner.wait
                )));
            }
            tokio::time::sleep(self.inner.poll).await;
        }
    }

    /// Refresh under the lock taken with `nonce` in a task of its own, so that a caller
    /// dropped mid-refresh (a client hanging up) neither aborts the exchange nor leaves the
    /// lock to lapse while the other instances wait. The task ends with the refresh: at most
    /// two WeChat calls and three Redis commands, each under its timeout.
    async fn refresh_detached(
        &self,
        nonce: String,
        stale: Option<Secret>,
    ) -> Result<StoredToken, WxError> {
        let keeper = self.clone();
        let task = tokio::spawn(async move {
            let Shared::Redis(redis) = &keeper.inner.shared else {
                return Err(WxError::TokenUnavailable("no shared store".to_owned()));
            };
            let result = keeper.refresh_locked(redis, stale.as_ref()).await;
            if let Err(error) = redis.unlock(&nonce).await {
                log::warn!("releasing the token refresh lock: {error}");
            }
            result
        });
        task.await
            .map_err(|error| WxError::TokenUnavailable(format!("token refresh task: {error}")))?
    }

    /// Under the lock: look again (the previous holder may have just refreshed), then fetch.
    async fn refresh_locked(
        &self,
        redis: &RedisTokens,
        stale: Option<&Secret>,
    ) -> Result<StoredToken, WxError> {
        let current = redis.load().await?;
        if let Some(token) = current
            .as_ref()
            .filter(|t| self.usable(t, stale, self.now()))
        {
            return Ok(token.clone());
        }
        let fresh = self.fetch_or_keep(current.as_ref(), stale).await?;
        if fresh.obtained_at_ms >= current.as_ref().map_or(0, |t| t.obtained_at_ms) {
            redis.save(&fresh, self.now()).await?;
        }
        Ok(fresh)
    }

    /// A new token from WeChat; if WeChat fails, the current one while it is still valid (and
    /// not the refused one) rather than no token at all.
    async fn fetch_or_keep(
        &self,
        current: Option<&StoredToken>,
        stale: Option<&Secret>,
    ) -> Result<StoredToken, WxError> {
        match self.fetch(stale).await {
            Ok(token) => Ok(token),
            Err(error) => {
                let now = self.now();
                match current.filter(|t| now < t.expires_at_ms && !is_stale(t, stale)) {
                    Some(token) => {
                        log::warn!("access token refresh failed, keeping the current one: {error}");
                        Ok(token.clone())
                    }
                    None => Err(error),
                }
            }
        }
    }

    /// Exchange the AppSecret. In stable mode an exchange that returns the refused token again
    /// is repeated with `force_refresh`, which ends it.
    async fn fetch(&self, stale: Option<&Secret>) -> Result<StoredToken, WxError> {
        let client = &self.inner.client;
        let obtained_at_ms = self.now();
        let answer: AccessToken = match self.inner.mode {
            TokenMode::StableToken => {
                let token = client.stable_access_token(false).await?;
                if stale.is_some_and(|stale| same(stale, &token.access_token)) {
                    log::info!("stable access token refused by WeChat: forcing a refresh");
                    client.stable_access_token(true).await?
                } else {
                    token
                }
            }
            _ => client.access_token().await?,
        };
        log::info!(
            "new access token for {} ({} s)",
            client.app_id(),
            answer.expires_in.as_secs()
        );
        Ok(StoredToken {
            token: answer.access_token,
            obtained_at_ms,
            expires_at_ms: obtained_at_ms.saturating_add(millis(answer.expires_in)),
        })
    }

    /// Not `stale`, and not within the refresh margin of its expiry (the margin capped at half
    /// the token's lifetime, so a short-lived token is still used).
    pub(super) fn usable(&self, token: &StoredToken, stale: Option<&Secret>, now: u64) -> bool {
        let lifetime = token.expires_at_ms.saturating_sub(token.obtained_at_ms);
        let margin = self.inner.margin_ms.min(lifetime / 2);
        now < token.expires_at_ms.saturating_sub(margin) && !is_stale(token, stale)
    }
}

fn is_stale(token: &StoredToken, stale: Option<&Secret>) -> bool {
    stale.is_some_and(|stale| same(stale, &token.token))
}

/// Constant-time equality of two tokens.
fn same(a: &Secret, b: &Secret) -> bool {
    bool::from(
        a.expose_secret()
            .as_bytes()
            .ct_eq(b.expose_secret().as_bytes()),
    )
}
