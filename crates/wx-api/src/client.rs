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
//!
//! WeChat answers HTTP 200 with JSON labelled `Content-Type: text/plain` (errors and successes
//! alike), so bodies are parsed whatever their content type. The URLs carry the app secret: they
//! are never logged and are stripped from transport errors (`reqwest::Error::without_url`).

use std::{error::Error as _, fmt, sync::Arc, time::Duration};

use reqwest::{Url, redirect};
use secrecy::ExposeSecret;
use serde_json::Value;
use weapp_common::config::Secret;

use crate::{SessionKey, WxConfig};

/// The most of a WeChat answer read: real ones are a few hundred bytes.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// A WeChat API call that failed, other than jscode2session (see [`Jscode2SessionError`]).
#[derive(Debug, thiserror::Error)]
pub enum WxError {
    /// The configuration cannot work (`base_url` is not an http(s) URL, TLS set-up failed).
    #[error("invalid WeChat API configuration: {0}")]
    Config(String),
    /// No usable answer: connection failure, timeout, non-2xx status or a body that is not JSON.
    #[error("WeChat API unreachable: {0}")]
    Unreachable(String),
    /// WeChat answered with an error, e.g. `{"errcode":40125,"errmsg":"invalid appsecret"}`.
    #[error("WeChat API error {errcode}: {errmsg}")]
    Api {
        /// WeChat's `errcode`.
        errcode: i64,
        /// WeChat's `errmsg`.
        errmsg: String,
    },
    /// A JSON answer with neither the expected fields nor an `errcode`.
    #[error("unexpected WeChat API answer: {0}")]
    Malformed(String),
}

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
    http: reqwest::Client,
    /// `base_url` without its trailing `/`.
    base: String,
    app_id: String,
    app_secret: Secret,
    timeout: Duration,
}

impl fmt::Debug for WxClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WxClient")
            .field("base_url", &self.inner.base)
            .field("app_id", &self.inner.app_id)
            .field("app_secret", &"[REDACTED]")
            .field("timeout", &self.inner.timeout)
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
        let url = Url::parse(&config.base_url)
            .map_err(|error| WxError::Config(format!("base_url: {error}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.query().is_some() {
            return Err(WxError::Config(
                "base_url must be an http(s) URL without a query".to_owned(),
            ));
        }
        let http = reqwest::Client::builder()
            .user_agent(concat!("weapp-cloud-wx-api/", env!("CARGO_PKG_VERSION")))
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .redirect(redirect::Policy::none())
            .build()
            .map_err(|error| WxError::Config(describe(error)))?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base: config.base_url.trim_end_matches('/').to_owned(),
                app_id: config.app_id,
                app_secret: config.app_secret,
                timeout: config.timeout,
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

    /// Get an API access token (`grant_type=client_credential`). Not cached: callers that need
    /// one often keep it for `expires_in`.
    ///
    /// # Errors
    /// [`WxError::Api`] for a WeChat error answer, [`WxError::Unreachable`] when there is no
    /// usable answer, [`WxError::Malformed`] for JSON of another shape.
    pub async fn access_token(&self) -> Result<AccessToken, WxError> {
        let body = self
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
        let token = body.get("access_token").and_then(Value::as_str);
        let expires_in = body.get("expires_in").and_then(Value::as_u64);
        if let (Some(token), Some(expires_in)) = (token, expires_in) {
            return Ok(AccessToken {
                access_token: Secret::from(token),
                expires_in: Duration::from_secs(expires_in),
            });
        }
        match body.get("errcode").and_then(Value::as_i64) {
            Some(errcode) => Err(WxError::Api {
                errcode,
                errmsg: body
                    .get("errmsg")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            }),
            None => Err(WxError::Malformed(
                "no access_token/expires_in and no errcode".to_owned(),
            )),
        }
    }

    /// GET `{base}{path}?{query}` and parse the answer as JSON, whatever its content type.
    /// `Err` is a description safe to log and show: no URL, no query.
    async fn get_json(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, String> {
        let url = format!("{}{path}", self.inner.base);
        let response = self
            .inner
            .http
            .get(url)
            .query(query)
            .send()
            .await
            .map_err(|error| self.transport_failure(path, error))?;
        let status = response.status();
        log::debug!("WeChat API GET {path}: HTTP {status}");
        if !status.is_success() {
            log::warn!("WeChat API GET {path}: HTTP {status}");
            return Err(format!("HTTP {status}"));
        }
        let bytes = read_capped(response)
            .await
            .map_err(|error| self.transport_failure(path, error))?
            .ok_or_else(|| format!("answer larger than {MAX_ANSWER_BYTES} bytes"))?;
        serde_json::from_slice(&bytes).map_err(|_| {
            log::warn!("WeChat API GET {path}: HTTP {status} with a body that is not JSON");
            format!("HTTP {status} with a body that is not JSON")
        })
    }

    fn transport_failure(&self, path: &str, error: reqwest::Error) -> String {
        let description = if error.is_timeout() {
            format!("timed out after {:?}", self.inner.timeout)
        } else {
            describe(error)
        };
        log::warn!("WeChat API GET {path}: {description}");
        description
    }
}

/// The body, or `None` when it exceeds [`MAX_ANSWER_BYTES`].
async fn read_capped(mut response: reqwest::Response) -> Result<Option<Vec<u8>>, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

/// A reqwest error and its causes on one line, without the (secret-bearing) URL.
fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
