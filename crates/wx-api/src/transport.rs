//! The HTTP side of every WeChat server API call: one pooled `reqwest` client, JSON answers
//! read whatever their content type, and failures described without the URL.
//!
//! WeChat answers HTTP 200 with JSON labelled `Content-Type: text/plain` (errors and successes
//! alike), so bodies are parsed whatever their label. URLs carry the app secret or an access
//! token: they are never logged and are stripped from transport errors
//! (`reqwest::Error::without_url`); only the path is named.

use std::{error::Error as _, time::Duration};

use reqwest::{RequestBuilder, Url, redirect};
use serde::Serialize;
use serde_json::Value;

use crate::WxError;

/// The most of a WeChat answer read: real ones are a few hundred bytes (a batch of 50 download
/// URLs a few kilobytes).
const MAX_ANSWER_BYTES: usize = 256 * 1024;

/// Where the API is and how it is reached.
pub(crate) struct Transport {
    http: reqwest::Client,
    /// `base_url` without its trailing `/`.
    base: String,
    timeout: Duration,
}

impl Transport {
    /// A pooled client for `base_url` (rustls, `timeout` for connecting and for the whole
    /// request, no redirects: a redirect would move a secret-bearing call).
    pub(crate) fn new(base_url: &str, timeout: Duration) -> Result<Self, WxError> {
        let url =
            Url::parse(base_url).map_err(|error| WxError::Config(format!("base_url: {error}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.query().is_some() {
            return Err(WxError::Config(
                "base_url must be an http(s) URL without a query".to_owned(),
            ));
        }
        let http = http_client(timeout)?;
        Ok(Self {
            http,
            base: base_url.trim_end_matches('/').to_owned(),
            timeout,
        })
    }

    /// `base_url` without its trailing `/`.
    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    /// The whole-request timeout.
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// GET `{base}{path}?{query}` and parse the answer as JSON. `Err` is a description safe to
    /// log and show: no URL, no query.
    pub(crate) async fn get_json(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<Value, String> {
        let request = self.http.get(format!("{}{path}", self.base)).query(query);
        self.send("GET", path, request).await
    }

    /// POST `body` as JSON to `{base}{path}?{query}` and parse the answer as JSON; `Err` as for
    /// [`Transport::get_json`].
    pub(crate) async fn post_json(
        &self,
        path: &str,
        query: &[(&str, &str)],
        body: &impl Serialize,
    ) -> Result<Value, String> {
        let body = serde_json::to_vec(body).map_err(|error| format!("request body: {error}"))?;
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .query(query)
            .header("content-type", "application/json")
            .body(body);
        self.send("POST", path, request).await
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        request: RequestBuilder,
    ) -> Result<Value, String> {
        let failure = |error: reqwest::Error| {
            let description = describe_timed(error, self.timeout);
            log::warn!("WeChat API {method} {path}: {description}");
            description
        };
        let response = request.send().await.map_err(failure)?;
        let status = response.status();
        log::debug!("WeChat API {method} {path}: HTTP {status}");
        if !status.is_success() {
            log::warn!("WeChat API {method} {path}: HTTP {status}");
            return Err(format!("HTTP {status}"));
        }
        let bytes = read_capped(response, MAX_ANSWER_BYTES)
            .await
            .map_err(failure)?
            .ok_or_else(|| format!("answer larger than {MAX_ANSWER_BYTES} bytes"))?;
        serde_json::from_slice(&bytes).map_err(|_| {
            log::warn!("WeChat API {method} {path}: HTTP {status} with a body that is not JSON");
            format!("HTTP {status} with a body that is not JSON")
        })
    }
}

/// A client with the crate's settings: rustls, `timeout` to connect and for the whole request,
/// no redirects.
pub(crate) fn http_client(timeout: Duration) -> Result<reqwest::Client, WxError> {
    reqwest::Client::builder()
        .user_agent(concat!("weapp-cloud-wx-api/", env!("CARGO_PKG_VERSION")))
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(redirect::Policy::none())
        .build()
        .map_err(|error| WxError::Config(describe(error)))
}

/// The body, or `None` when it exceeds `limit` bytes.
pub(crate) async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Option<Vec<u8>>, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

/// [`describe`], or "timed out after …" for a timeout.
pub(crate) fn describe_timed(error: reqwest::Error, timeout: Duration) -> String {
    if error.is_timeout() {
        format!("timed out after {timeout:?}")
    } else {
        describe(error)
    }
}

/// A reqwest error and its causes on one line, without the (secret-bearing) URL.
pub(crate) fn describe(error: reqwest::Error) -> String {
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

/// WeChat's answer as a result: an `errcode` other than 0 is [`WxError::Api`]; any other JSON
/// object passes (the `tcb` APIs answer `"errcode":0,"errmsg":"ok"` with their data).
///
/// # Errors
/// [`WxError::Api`] for an error answer, [`WxError::Malformed`] for JSON that is not an object.
pub(crate) fn api_result(body: Value) -> Result<Value, WxError> {
    if !body.is_object() {
        return Err(WxError::Malformed("answer is not a JSON object".to_owned()));
    }
    match body.get("errcode").and_then(Value::as_i64) {
        Some(errcode) if errcode != 0 => Err(WxError::Api {
            errcode,
            errmsg: body
                .get("errmsg")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        }),
        _ => Ok(body),
    }
}
