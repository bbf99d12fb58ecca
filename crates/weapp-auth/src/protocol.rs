//! The `weapp-session` wire protocol (`spec/originals.md` §3.1): header names, the magic key,
//! the failure reasons, and the pure parsing of a request's session headers.
//!
//! Nothing here does I/O: [`SessionHeaders::parse`] turns a header map into what the request
//! asks for (anonymous, a code to look up, or a first login with rawData and signature), or the
//! magic-key error the original answered for malformed input.

use actix_web::http::header::HeaderMap;
use weapp_common::uri::{UriError, decode_uri_component};

use crate::error::SessionError;

/// The key every `weapp-session` failure body carries (`CFETeam/weapp-session:constants.js`);
/// the client recognises a session failure by its presence. Wafer 1/2 reuse it.
pub const SESSION_MAGIC_ID: &str = "F2C224D4-2BCE-4C64-AF9F-A6D872000D1A";

/// `X-WX-Code`: the `wx.login()` code, sent on every request; it is the session id.
pub const HEADER_CODE: &str = "x-wx-code";
/// `X-WX-RawData`: `encodeURIComponent(rawData)` of `wx.getUserInfo()`, first request only.
pub const HEADER_RAW_DATA: &str = "x-wx-rawdata";
/// `X-WX-Signature`: `signature` of `wx.getUserInfo()`, first request only.
pub const HEADER_SIGNATURE: &str = "x-wx-signature";
/// `X-WX-Skey`: the opaque session key of the modern login (§7.2).
pub const HEADER_SKEY: &str = "x-wx-skey";
/// `X-WX-Encrypted-Data`: `encryptedData` of `wx.getUserInfo()` at the modern login (§7.2).
pub const HEADER_ENCRYPTED_DATA: &str = "x-wx-encrypted-data";
/// `X-WX-IV`: the `iv` that goes with `X-WX-Encrypted-Data` (§7.2).
pub const HEADER_IV: &str = "x-wx-iv";

/// Longest code accepted. WeChat's codes are 32 characters; the bound keeps arbitrary header
/// values out of Redis key names.
pub const MAX_CODE_LEN: usize = 128;

/// Why a `weapp-session` check failed, as the client reads it (`reason` of the magic body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// No session is stored under the code: the client logs in again and retries.
    SessionExpired,
    /// `jscode2session` failed (rejected or unreachable): the client logs in again and retries.
    SessionKeyExchangeFailed,
    /// The rawData signature does not match: the client gives up.
    UntrustedRawData,
}

impl Reason {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SessionExpired => "ERR_SESSION_EXPIRED",
            Self::SessionKeyExchangeFailed => "ERR_SESSION_KEY_EXCHANGE_FAILED",
            Self::UntrustedRawData => "ERR_UNTRUSTED_RAW_DATA",
        }
    }
}

/// A `wx.login()` code as sent in `X-WX-Code`: 1–[`MAX_CODE_LEN`] visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Code(String);

/// The `X-WX-Code` value is not a code (empty, too long, or not visible ASCII).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid `X-WX-Code` header")]
pub struct InvalidCode;

impl Code {
    /// Accept `text` as a code.
    ///
    /// # Errors
    /// [`InvalidCode`] when it is empty, longer than [`MAX_CODE_LEN`] or has a byte outside
    /// `!`..=`~` (spaces and control characters included).
    pub fn parse(text: &str) -> Result<Self, InvalidCode> {
        let fits = !text.is_empty()
            && text.len() <= MAX_CODE_LEN
            && text.bytes().all(|byte| byte.is_ascii_graphic());
        if fits {
            Ok(Self(text.to_owned()))
        } else {
            Err(InvalidCode)
        }
    }

    /// The code as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a request's `weapp-session` headers ask for (§3.1 steps 1–3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionHeaders {
    /// No (or an empty) `X-WX-Code`: pass through without a user.
    Anonymous,
    /// A code without rawData: look the session up.
    Code(Code),
    /// A code with rawData: exchange the code, check the signature, store the session.
    Login {
        /// The code.
        code: Code,
        /// rawData after `decodeURIComponent`, exactly as signed (not re-serialised).
        raw_data: String,
        /// `X-WX-Signature`, `""` when absent (the original's default, commit 2a64082).
        signature: String,
    },
}

impl SessionHeaders {
    /// Read `X-WX-Code`, `X-WX-RawData` and `X-WX-Signature` (names are case-insensitive).
    ///
    /// Empty values count as absent, as the original's truthiness checks did.
    ///
    /// # Errors
    /// - a code that is not visible ASCII or too long: magic body without reason,
    ///   `{"name":"Error","message":"invalid `X-WX-Code` header"}`;
    /// - rawData whose percent-escapes are broken: `{"name":"URIError","message":"URI malformed"}`
    ///   (the original's `decodeURIComponent` failure, no reason).
    ///
    /// JSON parsing of rawData happens later ([`crate::user::profile_from_raw_data`]).
    pub fn parse(headers: &HeaderMap) -> Result<Self, SessionError> {
        let Some(code) = header_bytes(headers, HEADER_CODE) else {
            return Ok(Self::Anonymous);
        };
        let code = std::str::from_utf8(code)
            .map_err(|_| InvalidCode)
            .and_then(Code::parse)
            .map_err(|InvalidCode| SessionError::invalid_code())?;
        let Some(raw_data) = header_bytes(headers, HEADER_RAW_DATA) else {
            return Ok(Self::Code(code));
        };
        let raw_data = std::str::from_utf8(raw_data)
            .map_err(|_| UriError)
            .and_then(decode_uri_component)
            .map_err(|error| SessionError::uri_error(&error))?;
        let signature = header_bytes(headers, HEADER_SIGNATURE)
            .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
            .unwrap_or_default();
        Ok(Self::Login {
            code,
            raw_data,
            signature,
        })
    }
}

/// The first value of header `name`, unless absent or empty.
pub(crate) fn header_bytes<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a [u8]> {
    headers
        .get(name)
        .map(|value| value.as_bytes())
        .filter(|bytes| !bytes.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &[u8])]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            let name = HeaderName::from_bytes(name.as_bytes()).expect("valid header name");
            let value = HeaderValue::from_bytes(value).expect("valid header value");
            map.append(name, value);
        }
        map
    }

    fn code(text: &str) -> Code {
        Code::parse(text).expect("valid code")
    }

    #[test]
    fn no_or_empty_code_is_anonymous() {
        assert_eq!(
            SessionHeaders::parse(&headers(&[])),
            Ok(SessionHeaders::Anonymous)
        );
        assert_eq!(
            SessionHeaders::parse(&headers(&[("X-WX-Code", b""), ("X-WX-RawData", b"%7B%7D")])),
            Ok(SessionHeaders::Anonymous)
        );
    }

    #[test]
    fn code_alone_is_a_lookup_and_names_are_case_insensitive() {
        assert_eq!(
            SessionHeaders::parse(&headers(&[("x-Wx-CODE", b"0a1B2c")])),
            Ok(SessionHeaders::Code(code("0a1B2c")))
        );
        assert_eq!(
            SessionHeaders::parse(&headers(&[("X-WX-Code", b"c1"), ("X-WX-RawData", b"")])),
            Ok(SessionHeaders::Code(code("c1")))
        );
    }

    #[test]
    fn raw_data_is_uri_decoded_exactly_and_signature_defaults_to_empty() {
        let parsed = SessionHeaders::parse(&headers(&[
            ("X-WX-Code", b"c1"),
            (
                "X-WX-RawData",
                b"%7B%22nickName%22%3A%22%E5%B0%8F%E6%98%8E%22%2C%20%22a%22%3A1%7D",
            ),
        ]));
        assert_eq!(
            parsed,
            Ok(SessionHeaders::Login {
                code: code("c1"),
                raw_data: r#"{"nickName":"小明", "a":1}"#.to_owned(),
                signature: String::new(),
            })
        );
    }

    #[test]
    fn broken_escapes_are_a_uri_error_without_reason() {
        let error = SessionHeaders::parse(&headers(&[
            ("X-WX-Code", b"c1"),
            ("X-WX-RawData", b"%E0%A4%A"),
        ]))
        .err()
        .map(|e| e.body_json());
        assert_eq!(
            error,
            Some(
                r#"{"F2C224D4-2BCE-4C64-AF9F-A6D872000D1A":1,"error":{"name":"URIError","message":"URI malformed"}}"#
                    .to_owned()
            )
        );
    }

    #[test]
    fn codes_must_be_short_visible_ascii() {
        assert!(Code::parse("abc-DEF_123").is_ok());
        assert_eq!(Code::parse(""), Err(InvalidCode));
        assert_eq!(Code::parse("a b"), Err(InvalidCode));
        assert_eq!(Code::parse("a\u{7f}"), Err(InvalidCode));
        assert_eq!(Code::parse(&"x".repeat(MAX_CODE_LEN + 1)), Err(InvalidCode));
        let error = SessionHeaders::parse(&headers(&[("X-WX-Code", b"caf\xc3\xa9")]));
        assert!(error.is_err());
    }

    #[test]
    fn reasons_are_the_original_strings() {
        assert_eq!(Reason::SessionExpired.as_str(), "ERR_SESSION_EXPIRED");
        assert_eq!(
            Reason::SessionKeyExchangeFailed.as_str(),
            "ERR_SESSION_KEY_EXCHANGE_FAILED"
        );
        assert_eq!(Reason::UntrustedRawData.as_str(), "ERR_UNTRUSTED_RAW_DATA");
    }
}
