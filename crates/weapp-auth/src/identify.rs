//! Who is calling, from the headers or — where a client cannot set headers (`wx.uploadFile`
//! in old SDKs, a plain HTML form, an `<img>` URL) — from query parameters or form fields.
//!
//! The same two protocols as the extractors ([`crate::extract`]): the skey of the modern
//! login, else the `weapp-session` code (with rawData and signature on a first request).
//! Headers win: parameters are read only when the request carries no credential header.
//!
//! | header | parameter / form field |
//! |---|---|
//! | `X-WX-Skey` | `skey` |
//! | `X-WX-Code` | `code` |
//! | `X-WX-RawData` | `rawData` (URI-encoded, as the header) |
//! | `X-WX-Signature` | `signature` |

use actix_web::{
    HttpResponse, ResponseError,
    http::{
        StatusCode,
        header::{HeaderMap, HeaderName, HeaderValue},
    },
};

use crate::{
    Skey, WeappAuth, WxUserInfo,
    error::{SessionError, SkeyError},
    protocol::{
        HEADER_CODE, HEADER_RAW_DATA, HEADER_SIGNATURE, HEADER_SKEY, SessionHeaders, header_bytes,
    },
};

/// Parameter names and the headers they stand for.
const PARAMETERS: [(&str, &str); 4] = [
    ("skey", HEADER_SKEY),
    ("code", HEADER_CODE),
    ("rawData", HEADER_RAW_DATA),
    ("signature", HEADER_SIGNATURE),
];

/// Why the caller could not be identified: the failure body of the protocol it used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AuthError {
    /// A `weapp-session` failure (magic-key body).
    #[error("weapp-session: {}", .0.message())]
    Session(SessionError),
    /// An skey failure (401 `ERR_SKEY_INVALID` envelope, or 503).
    #[error("skey: {0}")]
    Skey(SkeyError),
}

impl ResponseError for AuthError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Session(error) => error.status_code(),
            Self::Skey(error) => error.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Session(error) => error.error_response(),
            Self::Skey(error) => error.error_response(),
        }
    }
}

/// The credentials of a request, gathered from its headers or its parameters.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    headers: HeaderMap,
}

impl Credentials {
    /// The credential headers of `headers`; when there is none, the credential parameters
    /// among `params` (query pairs or form fields, first value of each name wins).
    pub fn gather<'a>(
        headers: &HeaderMap,
        params: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Self {
        let mut gathered = HeaderMap::new();
        for (_, header) in PARAMETERS {
            if let Some(value) = headers.get(header).filter(|v| !v.is_empty()) {
                gathered.insert(HeaderName::from_static(header), value.clone());
            }
        }
        if gathered.is_empty() {
            for (name, value) in params {
                let Some((_, header)) = PARAMETERS.iter().find(|(param, _)| *param == name) else {
                    continue;
                };
                let header = HeaderName::from_static(header);
                if gathered.contains_key(&header) || value.is_empty() {
                    continue;
                }
                // A value no header could carry (a control character) is left out, so it
                // counts as absent rather than as a malformed credential.
                if let Ok(value) = HeaderValue::from_str(value) {
                    gathered.insert(header, value);
                }
            }
        }
        Self { headers: gathered }
    }

    /// Whether any credential was found.
    pub fn is_empty(&self) -> bool {
        self.headers.is_empty()
    }
}

impl WeappAuth {
    /// The caller of `credentials`: the skey user when an skey was given, else the
    /// `weapp-session` user; `Ok(None)` when there are no credentials at all.
    ///
    /// # Errors
    /// [`AuthError`] with the protocol's own failure (unknown or expired skey or code, a
    /// first request whose signature does not match, the store down).
    pub async fn identify(
        &self,
        credentials: &Credentials,
    ) -> Result<Option<WxUserInfo>, AuthError> {
        if let Some(bytes) = header_bytes(&credentials.headers, HEADER_SKEY) {
            let skey = std::str::from_utf8(bytes)
                .ok()
                .and_then(|text| Skey::parse(text).ok())
                .ok_or(AuthError::Skey(SkeyError::Invalid))?;
            return self
                .skey_user(&skey)
                .await
                .map(Some)
                .map_err(AuthError::Skey);
        }
        let headers = SessionHeaders::parse(&credentials.headers).map_err(AuthError::Session)?;
        self.check(headers).await.map_err(AuthError::Session)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        map
    }

    #[test]
    fn headers_win_over_parameters() {
        let gathered = Credentials::gather(
            &headers(&[("x-wx-skey", "from-header")]),
            [("skey", "from-query"), ("code", "c1")],
        );
        assert_eq!(
            gathered.headers.get(HEADER_SKEY).map(HeaderValue::as_bytes),
            Some(&b"from-header"[..])
        );
        assert!(!gathered.headers.contains_key(HEADER_CODE));
    }

    #[test]
    fn parameters_stand_in_for_missing_headers() {
        let gathered = Credentials::gather(
            &headers(&[("content-type", "text/plain")]),
            [
                ("other", "x"),
                ("code", "c1"),
                ("code", "c2"),
                ("rawData", "%7B%7D"),
                ("signature", ""),
            ],
        );
        assert_eq!(
            gathered.headers.get(HEADER_CODE).map(HeaderValue::as_bytes),
            Some(&b"c1"[..])
        );
        assert!(gathered.headers.contains_key(HEADER_RAW_DATA));
        assert!(
            !gathered.headers.contains_key(HEADER_SIGNATURE),
            "empty = absent"
        );
        assert!(!gathered.is_empty());
    }

    #[test]
    fn nothing_found_is_empty() {
        let gathered = Credentials::gather(&HeaderMap::new(), [("skey", ""), ("code", "a\nb")]);
        assert!(gathered.is_empty());
    }
}
