//! The failure bodies of the two session protocols.
//!
//! - [`SessionError`]: the `weapp-session` magic-key body (`spec/originals.md` §3.1,
//!   `lib/wrapError.js`), key order exactly
//!   `{"F2C224D4-2BCE-4C64-AF9F-A6D872000D1A":1,"reason":…,"error":{"name","message","detail"?}}`,
//!   `reason` omitted when there is none (malformed rawData).
//! - [`Failure`] / [`SkeyError`]: the drawing app's envelope `{"code":-1,"msg":"fail","error":{…}}`
//!   (§3.2), which the modern routes share; `error.reason` is a machine-readable code there
//!   (Wafer 2's names, §7.2) and `error.message` says what to do.
//!
//! Backend faults are HTTP 503 and say only "unavailable": the cause goes to the log.

use std::{borrow::Cow, fmt};

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use serde::{Serialize, Serializer, ser::SerializeMap};
use weapp_common::{
    envelope::{Envelope, json_response},
    uri::UriError,
};

use crate::protocol::{Reason, SESSION_MAGIC_ID};

/// A failed `weapp-session` check, answered with the magic-key body.
///
/// HTTP 200 like the original (its client never looks at the status), except 503 when the
/// session store is down.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionError {
    status: StatusCode,
    reason: Option<Reason>,
    name: &'static str,
    message: Cow<'static, str>,
    detail: Option<serde_json::Value>,
}

impl SessionError {
    fn new(
        reason: Option<Reason>,
        name: &'static str,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            status: StatusCode::OK,
            reason,
            name,
            message: message.into(),
            detail: None,
        }
    }

    /// No session under the code: `ERR_SESSION_EXPIRED`, "`wxUserInfo` not found by `code`".
    pub fn expired() -> Self {
        Self::new(
            Some(Reason::SessionExpired),
            "Error",
            "`wxUserInfo` not found by `code`",
        )
    }

    /// A route that requires a user got no `X-WX-Code`: `ERR_SESSION_EXPIRED`, so the original
    /// client logs in and retries.
    pub fn code_required() -> Self {
        Self::new(
            Some(Reason::SessionExpired),
            "Error",
            "`X-WX-Code` is required",
        )
    }

    /// `jscode2session` failed: `ERR_SESSION_KEY_EXCHANGE_FAILED`, with WeChat's answer as
    /// `detail` when there was one (`{errcode, errmsg}`).
    pub fn exchange_failed(detail: Option<serde_json::Value>) -> Self {
        Self {
            detail,
            ..Self::new(
                Some(Reason::SessionKeyExchangeFailed),
                "Error",
                "jscode failed to exchange session_key",
            )
        }
    }

    /// The rawData signature does not match: `ERR_UNTRUSTED_RAW_DATA`, "untrusted raw data".
    pub fn untrusted() -> Self {
        Self::new(
            Some(Reason::UntrustedRawData),
            "Error",
            "untrusted raw data",
        )
    }

    /// `decodeURIComponent(rawData)` failed: no reason, `URIError`, "URI malformed".
    pub fn uri_error(error: &UriError) -> Self {
        Self::new(None, UriError::NAME, error.to_string())
    }

    /// rawData is not a JSON object: no reason, `SyntaxError` with the parser's message.
    pub fn syntax_error(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(None, "SyntaxError", message)
    }

    /// `X-WX-Code` is not a plausible code: no reason (logging in again would not help a
    /// client that sends such headers).
    pub fn invalid_code() -> Self {
        Self::new(None, "Error", "invalid `X-WX-Code` header")
    }

    /// The session store did not answer: HTTP 503, no reason, nothing internal.
    pub fn unavailable() -> Self {
        Self {
            status: StatusCode::SERVICE_UNAVAILABLE,
            ..Self::new(None, "Error", "session store unavailable, please retry")
        }
    }

    /// The reason, if any.
    pub fn reason(&self) -> Option<Reason> {
        self.reason
    }

    /// The JavaScript error name (`Error`, `URIError`, `SyntaxError`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The error message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The body as compact JSON, exactly as sent.
    pub fn body_json(&self) -> String {
        serde_json::to_string(&MagicBody(self)).unwrap_or_default()
    }
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason {
            Some(reason) => write!(f, "{}: {}", reason.as_str(), self.message),
            None => write!(f, "{}: {}", self.name, self.message),
        }
    }
}

impl std::error::Error for SessionError {}

impl ResponseError for SessionError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        json_response(self.status, &MagicBody(self))
    }
}

/// The magic-key body, serialised in the original's key order.
struct MagicBody<'a>(&'a SessionError);

impl Serialize for MagicBody<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct ErrorObject<'a> {
            name: &'a str,
            message: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            detail: Option<&'a serde_json::Value>,
        }
        let error = self.0;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry(SESSION_MAGIC_ID, &1)?;
        if let Some(reason) = error.reason {
            map.serialize_entry("reason", reason.as_str())?;
        }
        map.serialize_entry(
            "error",
            &ErrorObject {
                name: error.name,
                message: &error.message,
                detail: error.detail.as_ref(),
            },
        )?;
        map.end()
    }
}

/// `error` of a failed drawing-app or modern-route envelope.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailReason {
    /// The original's text for the paints routes (`openId does not exists`), a code
    /// (`ERR_SKEY_INVALID`) for the modern routes.
    pub reason: Cow<'static, str>,
    /// What went wrong and what to do, on the modern routes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<Cow<'static, str>>,
    /// WeChat's own answer (`{errcode, errmsg}`) when it refused a code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<serde_json::Value>,
}

/// A failed request in the drawing app's envelope, with its HTTP status.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// HTTP status.
    pub status: StatusCode,
    /// The `error` object (boxed: it is the cold path and keeps `Result`s small).
    pub error: Box<FailReason>,
}

impl Failure {
    /// `{"code":-1,"msg":"fail","error":{"reason":reason}}` (the paints routes' shape).
    pub fn reason(status: StatusCode, reason: impl Into<Cow<'static, str>>) -> Self {
        Self {
            status,
            error: Box::new(FailReason {
                reason: reason.into(),
                message: None,
                detail: None,
            }),
        }
    }

    /// `{"code":-1,"msg":"fail","error":{"reason":code,"message":message}}`.
    pub fn coded(
        status: StatusCode,
        code: &'static str,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            status,
            error: Box::new(FailReason {
                reason: Cow::Borrowed(code),
                message: Some(message.into()),
                detail: None,
            }),
        }
    }

    /// The same with `error.detail`.
    #[must_use]
    pub fn with_detail(mut self, detail: Option<serde_json::Value>) -> Self {
        self.error.detail = detail;
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.error.reason)?;
        if let Some(message) = &self.error.message {
            write!(f, ": {message}")?;
        }
        Ok(())
    }
}

impl ResponseError for Failure {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        Envelope::failed_with_error("fail", &*self.error).into_response(self.status)
    }
}

/// `error.reason` when a skey is missing, malformed, unknown, expired or revoked (Wafer 2's
/// `ERR_SKEY_INVALID`; its client logs in again on `code: -1` or HTTP 401).
pub const ERR_SKEY_INVALID: &str = "ERR_SKEY_INVALID";
/// `error.reason` when Redis or MongoDB does not answer.
pub const ERR_SERVICE_UNAVAILABLE: &str = "ERR_SERVICE_UNAVAILABLE";

/// Why `X-WX-Skey` did not identify a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SkeyError {
    /// No `X-WX-Skey` header.
    #[error("`X-WX-Skey` is missing")]
    Missing,
    /// Malformed, unknown, expired or revoked.
    #[error("skey invalid or expired")]
    Invalid,
    /// The session store did not answer.
    #[error("session store unavailable")]
    Unavailable,
}

impl SkeyError {
    /// The envelope this error answers with: 401 `ERR_SKEY_INVALID`, or 503.
    pub fn failure(self) -> Failure {
        match self {
            Self::Missing => Failure::coded(
                StatusCode::UNAUTHORIZED,
                ERR_SKEY_INVALID,
                "`X-WX-Skey` is missing, log in again",
            ),
            Self::Invalid => Failure::coded(
                StatusCode::UNAUTHORIZED,
                ERR_SKEY_INVALID,
                "skey invalid or expired, log in again",
            ),
            Self::Unavailable => Failure::coded(
                StatusCode::SERVICE_UNAVAILABLE,
                ERR_SERVICE_UNAVAILABLE,
                "session store unavailable, please retry",
            ),
        }
    }
}

impl ResponseError for SkeyError {
    fn status_code(&self) -> StatusCode {
        self.failure().status
    }

    fn error_response(&self) -> HttpResponse {
        self.failure().error_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expired_body_has_the_original_key_order() {
        assert_eq!(
            SessionError::expired().body_json(),
            r#"{"F2C224D4-2BCE-4C64-AF9F-A6D872000D1A":1,"reason":"ERR_SESSION_EXPIRED","error":{"name":"Error","message":"`wxUserInfo` not found by `code`"}}"#
        );
    }

    #[test]
    fn exchange_failure_carries_wechat_detail_last() {
        let detail = serde_json::json!({"errcode": 40029, "errmsg": "invalid code"});
        assert_eq!(
            SessionError::exchange_failed(Some(detail)).body_json(),
            r#"{"F2C224D4-2BCE-4C64-AF9F-A6D872000D1A":1,"reason":"ERR_SESSION_KEY_EXCHANGE_FAILED","error":{"name":"Error","message":"jscode failed to exchange session_key","detail":{"errcode":40029,"errmsg":"invalid code"}}}"#
        );
    }

    #[test]
    fn untrusted_raw_data_body() {
        assert_eq!(
            SessionError::untrusted().body_json(),
            r#"{"F2C224D4-2BCE-4C64-AF9F-A6D872000D1A":1,"reason":"ERR_UNTRUSTED_RAW_DATA","error":{"name":"Error","message":"untrusted raw data"}}"#
        );
    }

    #[test]
    fn syntax_error_has_no_reason_key() {
        assert_eq!(
            SessionError::syntax_error("Unexpected token").body_json(),
            r#"{"F2C224D4-2BCE-4C64-AF9F-A6D872000D1A":1,"error":{"name":"SyntaxError","message":"Unexpected token"}}"#
        );
    }

    #[test]
    fn statuses_are_200_except_an_unavailable_store() {
        assert_eq!(SessionError::expired().status_code(), StatusCode::OK);
        assert_eq!(
            SessionError::unavailable().status_code(),
            StatusCode::SERVICE_UNAVAILABLE
        );
    }

    #[actix_web::test]
    async fn skey_failures_use_the_drawing_app_envelope() {
        let response = SkeyError::Invalid.error_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body = actix_web::body::to_bytes(response.into_body())
            .await
            .unwrap_or_default();
        assert_eq!(
            String::from_utf8_lossy(&body),
            r#"{"code":-1,"msg":"fail","error":{"reason":"ERR_SKEY_INVALID","message":"skey invalid or expired, log in again"}}"#
        );
    }
}
