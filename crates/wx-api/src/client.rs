//! [`WxClient`]: the two WeChat server API calls the backends make.
//!
//! - `GET /sns/jscode2session?appid&secret&js_code&grant_type=authorization_code`
//!   (`spec/originals.md` §3.1, `CFETeam/weapp-session:lib/jscode2session.js`;
//!   <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-login/code2Session.html>).
//!   Success iff the answer has `session_key`; any other answer is the exchange failure whose
//!   whole body the weapp-session protocol returns as `detail`; transport failures are exchange
//!   failures too.
//! - `GET /cgi-bin/token?grant_type=client_credential&appid&secret`
//!   (<https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-access-token/getAccessToken.html>).
//! - `POST /cgi-bin/stable_token` `{"grant_type":"client_credential","appid","secret","force_refresh"}`
//!   (<https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken>).
//!
//! Transport (pooling, timeouts, JSON whatever the label, URLs never logged) is
//! [`crate::transport`]'s.

use std::{fmt, sync::Arc, time::Duration};

use secrecy::ExposeSecret;
use serde::Serialize;
use serde_json::Value;
use weapp_common::config::Secret;

use crate::{
    SessionKey, WxConfig, WxError,
    transport::{Transport, api_result},
};

/// Why a `wx.login()` code could not be exchanged (`ERR_SESSION_KEY_EXCHANGE_FAILED`).
#[derive(Debug, thiserror::Error)]
pub enum Jscode2SessionError {
    /// WeChat answered without `session_key`; `body` is its whole answer, for the protocol's
    /// `detail`, e.g. `{"errcode":40029,"errmsg":"invalid code"}`, 40163 `code been used`,
    /// 45011 (rate limit), 40013 / 40125 (wrong appid / secret), -1 (system busy).
    #[error("jscode2session rejected the code: {body}")]
    Rejected {
        /// WeChat's answer, unchanged.
        body: Value,
    },
    /// No usable answer: transport error, timeout, non-2xx status, a body that is not a JSON
    /// object, or a `session_key` without `openid` (never echoed: it holds a key).
    #[error("jscode2session unreachable: {0}")]
    Unreachable(String),
}

/// A successful jscode2session: who the user is and the key of this login.
#[derive(Debug, Clone)]
pub struct CodeSession {
    /// The user's id within this mini-program.
    pub openid: String,
    /// The login's session key (`Debug` redacted).
    pub session_key: SessionKey,
    /// The user's id across the developer's apps, when WeChat sends one.
    pub unionid: Option<String>,
}

/// An API access token from `cgi-bin/token`.
#[derive(Debug, Clone)]
pub struct AccessToken {
    /// The token (`Debug` redacted).
    pub access_token: Secret,
    /// Its lifetime from now (WeChat: 7200 s).
    pub expires_in: Duration,
}

/// The WeChat server API client: cheap to clone (one shared connection pool).
#[derive(Clone)]
pub struct WxClient {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Transport,
    app_id: String,
    app_secret: Secret,
}

impl fmt::Debug for WxClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WxClient")
            .field("base_url", &self.inner.transport.base())
            .field("app_id", &self.inner.app_id)
            .field("app_secret", &"[REDACTED]")
            .field("timeout", &self.inner.transport.timeout())
            .finish()
    }
}

impl WxClient {
    /// Build the client and its connection pool (rustls, `config.timeout` for connecting and
    /// for the whole request, no redirects: a redirect would move the secret-bearing call).
    ///
    /// # Errors
    /// [`WxError::Config`] when `base_url` is not an http(s) URL or TLS cannot be set up.
    pub fn new(config: WxConfig) -> Result<Self, WxError> {
        Ok(Self {
            inner: Arc::new(Inner {
                transport: Transport::new(&config.base_url, config.timeout)?,
                app_id: config.app_id,
                app_secret: config.app_secret,
            }),
        })
    }

    /// The mini-program's AppID (for the watermark check of [`crate::decrypt_open_data`]).
    pub fn app_id(&self) -> &str {
        &self.inner.app_id
    }

    /// Exchange a `wx.login()` code for the user's openid and this login's session_key.
    ///
    /// # Errors
    /// [`Jscode2SessionError::Rejected`] with WeChat's whole answer when it has no
    /// `session_key`; [`Jscode2SessionError::Unreachable`] when there is no usable answer.
    pub async fn jscode2session(&self, code: &str) -> Result<CodeSession, Jscode2SessionError> {
        let body = self
            .inner
            .transport
            .get_json(
                "/sns/jscode2session",
                &[
                    ("appid", self.inner.app_id.as_str()),
                    ("secret", self.inner.app_secret.expose_secret()),
                    ("js_code", code),
                    ("grant_type", "authorization_code"),
                ],
            )
            .await
            .map_err(Jscode2SessionError::Unreachable)?;
        if !body.is_object() {
            return Err(Jscode2SessionError::Unreachable(
                "answer is not a JSON object".to_owned(),
            ));
        }
        let Some(session_key) = body.get("session_key") else {
            log::info!("jscode2session rejected: {body}");
            return Err(Jscode2SessionError::Rejected { body });
        };
        match (
            session_key.as_str(),
            body.get("openid").and_then(Value::as_str),
        ) {
            (Some(session_key), Some(openid)) if !openid.is_empty() => Ok(CodeSession {
                openid: openid.to_owned(),
                session_key: SessionKey::new(session_key),
                unionid: body
                    .get("unionid")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            }),
            _ => Err(Jscode2SessionError::Unreachable(
                "answer has session_key but no usable openid/session_key strings".to_owned(),
            )),
        }
    }

    /// Get an API access token (`grant_type=client_credential`). Each call makes a new token
    /// and ends the previous one (WeChat keeps both for at most five minutes): callers share
    /// one through [`crate::TokenKeeper`].
    ///
    /// # Errors
    /// [`WxError::Api`] for a WeChat error answer, [`WxError::Unreachable`] when there is no
    /// usable answer, [`WxError::Malformed`] for JSON of another shape.
    pub async fn access_token(&self) -> Result<AccessToken, WxError> {
        let body = self
            .inner
            .transport
            .get_json(
                "/cgi-bin/token",
                &[
                    ("grant_type", "client_credential"),
                    ("appid", self.inner.app_id.as_str()),
                    ("secret", self.inner.app_secret.expose_secret()),
                ],
            )
            .await
            .map_err(WxError::Unreachable)?;
        token_answer(body)
    }

    /// Get the stable access token (`POST /cgi-bin/stable_token`), isolated from
    /// [`WxClient::access_token`]'s. Without `force_refresh`, calls within its lifetime return
    /// the same token (WeChat renews it five minutes before expiry); with it, WeChat ends the
    /// current token and issues a new one — at most 20 times a day, 30 s apart
    /// (<https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken>).
    ///
    /// # Errors
    /// As [`WxClient::access_token`].
    pub async fn stable_access_token(&self, force_refresh: bool) -> Result<AccessToken, WxError> {
        let request = StableTokenRequest {
            grant_type: "client_credential",
            appid: &self.inner.app_id,
            secret: self.inner.app_secret.expose_secret(),
            force_refresh,
        };
        let body = self
            .inner
            .transport
            .post_json("/cgi-bin/stable_token", &[], &request)
            .await
            .map_err(WxError::Unreachable)?;
        token_answer(body)
    }

    /// Whether an AppSecret is configured (the token modes that exchange it need one).
    pub(crate) fn has_app_secret(&self) -> bool {
        !self.inner.app_secret.expose_secret().is_empty()
    }

    /// The connection to the API, for the calls of the other modules.
    pub(crate) fn transport(&self) -> &Transport {
        &self.inner.transport
    }
}

/// The `/cgi-bin/stable_token` body, in the document's field order.
#[derive(Serialize)]
struct StableTokenRequest<'a> {
    grant_type: &'static str,
    appid: &'a str,
    secret: &'a str,
    force_refresh: bool,
}

/// `{"access_token","expires_in"}`, or WeChat's error.
fn token_answer(body: Value) -> Result<AccessToken, WxError> {
    let body = api_result(body)?;
    let token = body.get("access_token").and_then(Value::as_str);
    match (token, body.get("expires_in").and_then(Value::as_u64)) {
        (Some(token), Some(expires_in)) => Ok(AccessToken {
            access_token: Secret::from(token),
            expires_in: Duration::from_secs(expires_in),
        }),
        _ => Err(WxError::Malformed(
            "no access_token/expires_in and no errcode".to_owned(),
        )),
    }
}
