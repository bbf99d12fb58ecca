//! [`WeappAuth`]: the session check itself — the original `weapp-session` algorithm
//! (`spec/originals.md` §3.1) and the skey lookups of the modern login (§7.2) — over a
//! [`SessionStore`] and the WeChat API ([`wx_api::WxClient`]).
//!
//! The actix extractors ([`crate::extract`]) call it; so can anything else holding headers.

use std::sync::Arc;

use wx_api::{Jscode2SessionError, WxClient};

use crate::{
    OpenId, Skey, WxUserInfo,
    error::{SessionError, SkeyError},
    protocol::{Code, SessionHeaders},
    store::{SessionStore, StoreError},
    user::profile_from_raw_data,
};

/// The session check, shared by every worker (cheap to clone).
///
/// Register it as app data (`App::new().app_data(auth.clone())`) for the extractors.
#[derive(Clone)]
pub struct WeappAuth {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn SessionStore>,
    wx: WxClient,
    skey_ttl: u64,
}

impl WeappAuth {
    /// A check over `store`, exchanging codes with `wx`; skeys live `skey_ttl` seconds (for
    /// the login reply's `expires_in`).
    pub fn new(store: Arc<dyn SessionStore>, wx: WxClient, skey_ttl: u64) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                wx,
                skey_ttl,
            }),
        }
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn SessionStore> {
        &self.inner.store
    }

    /// The WeChat client.
    pub fn wx(&self) -> &WxClient {
        &self.inner.wx
    }

    /// Seconds an skey lives.
    pub fn skey_ttl(&self) -> u64 {
        self.inner.skey_ttl
    }

    /// The `weapp-session` check of one request (§3.1):
    ///
    /// 1. no code → `Ok(None)` (anonymous pass-through);
    /// 2. code only → the stored user, or `ERR_SESSION_EXPIRED`;
    /// 3. code + rawData → rawData must be a JSON object (`SyntaxError`), `jscode2session`
    ///    must succeed (`ERR_SESSION_KEY_EXCHANGE_FAILED`), the signature must match in
    ///    constant time (`ERR_UNTRUSTED_RAW_DATA`); then the user's previous code is evicted
    ///    and the new session stored with the TTL.
    ///
    /// # Errors
    /// The magic-key [`SessionError`] to answer; [`SessionError::unavailable`] (HTTP 503) when
    /// the store does not answer.
    pub async fn check(&self, headers: SessionHeaders) -> Result<Option<WxUserInfo>, SessionError> {
        match headers {
            SessionHeaders::Anonymous => Ok(None),
            SessionHeaders::Code(code) => self.cached(&code).await.map(Some),
            SessionHeaders::Login {
                code,
                raw_data,
                signature,
            } => self
                .first_request(&code, &raw_data, &signature)
                .await
                .map(Some),
        }
    }

    async fn cached(&self, code: &Code) -> Result<WxUserInfo, SessionError> {
        match self.inner.store.user_by_code(code).await {
            Ok(Some(user)) => Ok(user),
            Ok(None) => Err(SessionError::expired()),
            Err(error) => Err(store_down(&error)),
        }
    }

    async fn first_request(
        &self,
        code: &Code,
        raw_data: &str,
        signature: &str,
    ) -> Result<WxUserInfo, SessionError> {
        // The original parsed rawData before spending the code on WeChat.
        let profile = profile_from_raw_data(raw_data)?;
        let session = match self.inner.wx.jscode2session(code.as_str()).await {
            Ok(session) => session,
            Err(Jscode2SessionError::Rejected { body }) => {
                log::info!("jscode2session refused a code: {body}");
                return Err(SessionError::exchange_failed(Some(body)));
            }
            Err(Jscode2SessionError::Unreachable(cause)) => {
                log::warn!("jscode2session unreachable: {cause}");
                return Err(SessionError::exchange_failed(None));
            }
        };
        if !wx_api::verify_raw_data(raw_data, &session.session_key, signature) {
            return Err(SessionError::untrusted());
        }
        let open_id = OpenId::parse(&session.openid).map_err(|_| {
            log::warn!("jscode2session answered an unusable openid");
            SessionError::exchange_failed(None)
        })?;
        let user = WxUserInfo::new(open_id, profile);
        self.inner
            .store
            .save_code_session(code, &user)
            .await
            .map_err(|error| store_down(&error))?;
        Ok(user)
    }

    /// The user of an `X-WX-Skey` value.
    ///
    /// # Errors
    /// [`SkeyError::Invalid`] when malformed, unknown, expired or revoked;
    /// [`SkeyError::Unavailable`] when the store does not answer.
    pub async fn skey_user(&self, skey: &Skey) -> Result<WxUserInfo, SkeyError> {
        match self.inner.store.user_by_skey(skey).await {
            Ok(Some(user)) => Ok(user),
            Ok(None) => Err(SkeyError::Invalid),
            Err(error) => {
                log::error!("skey lookup failed: {error}");
                Err(SkeyError::Unavailable)
            }
        }
    }

    /// Revoke an skey (idempotent).
    ///
    /// # Errors
    /// [`SkeyError::Unavailable`] when the store does not answer.
    pub async fn logout(&self, skey: &Skey) -> Result<(), SkeyError> {
        self.inner.store.revoke_skey(skey).await.map_err(|error| {
            log::error!("skey revocation failed: {error}");
            SkeyError::Unavailable
        })
    }
}

fn store_down(error: &StoreError) -> SessionError {
    log::error!("weapp-session check failed: {error}");
    SessionError::unavailable()
}
