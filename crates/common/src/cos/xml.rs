//! The COS XML API (v5) `Authorization` value, `q-sign-algorithm=sha1`.
//!
//! Follows <https://cloud.tencent.com/document/product/436/7778> step by step, as restated in
//! `algorithm_summary` of `tests/fixtures/vectors/cos_xml_sign.json`:
//!
//! 1. `SignKey = hex(HMAC-SHA1(SecretKey, KeyTime))`
//! 2. params and headers separately: name → `lower(Encode(name))`, value → `Encode(value)`,
//!    sorted by the encoded lowercased name (doc / Python order, see `sdk_divergences`
//!    `sort_order_encoded_vs_raw`); `k=v&k=v` and the `k;k` list
//! 3. `HttpString = lower(method)\nUriPathname\nHttpParameters\nHttpHeaders\n`, where
//!    `UriPathname` is the **decoded** path
//! 4. `StringToSign = sha1\nKeyTime\nhex(SHA1(HttpString))\n`
//! 5. `Signature = hex(HMAC-SHA1(SignKey as hex text, StringToSign))`
//!
//! The caller decides which headers are signed; [`sdk_signed_headers`] reproduces the SDKs'
//! choice for those who want it.

use secrecy::{ExposeSecret, SecretString};

use super::encode::encode;
use super::{Credentials, KeyTime, SignError};
use crate::crypto::{hmac_sha1_hex, sha1_hex};

/// Header names the official SDKs sign (Python `cos_auth.filter_headers`, Node
/// `util.signHeaders`; `algorithm_summary` of `cos_xml_sign.json`), besides `x-cos-*` and
/// `x-ci-*`. `date` is deliberately absent although the doc examples sign it.
pub const SDK_SIGNED_HEADERS: [&str; 17] = [
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-length",
    "content-md5",
    "content-type",
    "expect",
    "expires",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-unmodified-since",
    "origin",
    "range",
    "transfer-encoding",
    "pic-operations",
];

/// Whether the SDKs would sign a header of this name (ASCII case-insensitive): one of
/// [`SDK_SIGNED_HEADERS`] or any `x-cos-*` / `x-ci-*`.
pub fn is_sdk_signed_header(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SDK_SIGNED_HEADERS.contains(&lower.as_str())
        || lower.starts_with("x-cos-")
        || lower.starts_with("x-ci-")
}

/// Keeps the `(name, value)` pairs the SDKs would sign ([`is_sdk_signed_header`]), in order,
/// names and values untouched. Host is not added: pass it in if it should be signed.
pub fn sdk_signed_headers<I, K, V>(headers: I) -> Vec<(String, String)>
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<String>,
    V: Into<String>,
{
    headers
        .into_iter()
        .map(|(name, value)| (name.into(), value.into()))
        .filter(|(name, _)| is_sdk_signed_header(name))
        .collect()
}

/// The parts of an HTTP request that the v5 signature covers.
///
/// Built with [`RequestToSign::new`] and the `with_*` adders; names and values are kept as
/// given (raw, not encoded) and may repeat or be empty. Headers not added are not signed, so
/// the server will not check them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestToSign {
    method: String,
    uri_pathname: String,
    params: Vec<(String, String)>,
    headers: Vec<(String, String)>,
}

impl RequestToSign {
    /// A request with `method` (any case, e.g. `PUT`) on the **decoded** path `uri_pathname`
    /// (`/相册/猫咪 01.jpg`, not `/%E7%9B...`), with no params or headers yet.
    ///
    /// # Errors
    /// [`SignError::InvalidMethod`] if `method` is empty or not an RFC 9110 token;
    /// [`SignError::RelativePath`] if `uri_pathname` does not begin with `/`.
    pub fn new(method: &str, uri_pathname: &str) -> Result<Self, SignError> {
        let is_tchar = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
        if method.is_empty() || !method.bytes().all(is_tchar) {
            return Err(SignError::InvalidMethod(method.to_owned()));
        }
        if !uri_pathname.starts_with('/') {
            return Err(SignError::RelativePath(uri_pathname.to_owned()));
        }
        Ok(Self {
            method: method.to_owned(),
            uri_pathname: uri_pathname.to_owned(),
            params: Vec::new(),
            headers: Vec::new(),
        })
    }

    /// Adds one signed query parameter (`value` may be empty: `?acl` is `("acl", "")`).
    #[must_use]
    pub fn with_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }

    /// Adds signed query parameters in order.
    #[must_use]
    pub fn with_params<I, K, V>(mut self, params: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.params
            .extend(params.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// Adds one signed header; the client must then send exactly this value.
    #[must_use]
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Adds signed headers in order.
    #[must_use]
    pub fn with_headers<I, K, V>(mut self, headers: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.headers
            .extend(headers.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// The method as given.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The decoded path as given.
    pub fn uri_pathname(&self) -> &str {
        &self.uri_pathname
    }

    /// Signed query parameters, raw, in insertion order.
    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }

    /// Signed headers, raw, in insertion order.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// Whether a header of this name (ASCII case-insensitive) is already signed.
    pub fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// Signs the request for the window `key_time` (used as both `q-key-time` and
    /// `q-sign-time`). Infallible: every input was checked on construction.
    pub fn sign(&self, credentials: &Credentials, key_time: KeyTime) -> XmlSignature {
        let key_time_text = key_time.to_string();
        let sign_key = hmac_sha1_hex(
            credentials.secret_key().expose_secret().as_bytes(),
            key_time_text.as_bytes(),
        );
        let (url_param_list, http_parameters) = canonical(&self.params);
        let (header_list, http_headers) = canonical(&self.headers);
        let http_string = format!(
            "{}\n{}\n{http_parameters}\n{http_headers}\n",
            self.method.to_ascii_lowercase(),
            self.uri_pathname,
        );
        let sha1_http_string = sha1_hex(http_string.as_bytes());
        let string_to_sign = format!("sha1\n{key_time_text}\n{sha1_http_string}\n");
        let signature = hmac_sha1_hex(sign_key.as_bytes(), string_to_sign.as_bytes());
        let mut signed = XmlSignature {
            secret_id: credentials.secret_id().to_owned(),
            key_time,
            key_time_text,
            sign_key: SecretString::from(sign_key),
            url_param_list,
            http_parameters,
            header_list,
            http_headers,
            http_string,
            sha1_http_string,
            string_to_sign,
            signature,
            authorization: String::new(),
        };
        // Built from the same fields as the presigned query, so the two forms cannot drift.
        let fields: Vec<String> = signed
            .authorization_fields()
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        signed.authorization = fields.join("&");
        signed
    }
}

/// Encodes, lowercases and sorts `(name, value)` pairs; returns (`k;k` list, `k=v&k=v`).
/// The sort is stable, so repeated names keep their relative order.
fn canonical(pairs: &[(String, String)]) -> (String, String) {
    let mut encoded: Vec<(String, String)> = pairs
        .iter()
        .map(|(name, value)| (encode(name).to_ascii_lowercase(), encode(value)))
        .collect();
    encoded.sort_by(|a, b| a.0.cmp(&b.0));
    let list: Vec<&str> = encoded.iter().map(|(name, _)| name.as_str()).collect();
    let joined: Vec<String> = encoded
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    (list.join(";"), joined.join("&"))
}

/// A computed v5 signature with every intermediate value of doc 436/7778, so each step can be
/// checked against the vectors. `Debug` hides [`sign_key`](Self::sign_key), which can sign any
/// request for the whole window.
#[derive(Debug, Clone)]
pub struct XmlSignature {
    secret_id: String,
    key_time: KeyTime,
    key_time_text: String,
    sign_key: SecretString,
    url_param_list: String,
    http_parameters: String,
    header_list: String,
    http_headers: String,
    http_string: String,
    sha1_http_string: String,
    string_to_sign: String,
    signature: String,
    authorization: String,
}

impl XmlSignature {
    /// The signing window (`q-key-time` = `q-sign-time`).
    pub fn key_time(&self) -> KeyTime {
        self.key_time
    }

    /// `SignKey`: 40 lowercase hex digits of HMAC-SHA1(SecretKey, KeyTime). Secret.
    pub fn sign_key(&self) -> &SecretString {
        &self.sign_key
    }

    /// `UrlParamList` (`q-url-param-list`): encoded lowercased names joined by `;`.
    pub fn url_param_list(&self) -> &str {
        &self.url_param_list
    }

    /// `HttpParameters`: sorted `name=value` pairs joined by `&`.
    pub fn http_parameters(&self) -> &str {
        &self.http_parameters
    }

    /// `HeaderList` (`q-header-list`): encoded lowercased names joined by `;`.
    pub fn header_list(&self) -> &str {
        &self.header_list
    }

    /// `HttpHeaders`: sorted `name=value` pairs joined by `&`.
    pub fn http_headers(&self) -> &str {
        &self.http_headers
    }

    /// `HttpString`: `method\npath\nparams\nheaders\n`.
    pub fn http_string(&self) -> &str {
        &self.http_string
    }

    /// 40 lowercase hex digits of SHA-1(`HttpString`).
    pub fn sha1_http_string(&self) -> &str {
        &self.sha1_http_string
    }

    /// `StringToSign`: `sha1\nKeyTime\nsha1(HttpString)\n`.
    pub fn string_to_sign(&self) -> &str {
        &self.string_to_sign
    }

    /// `Signature` (`q-signature`): 40 lowercase hex digits.
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// The `Authorization` header value `q-sign-algorithm=sha1&q-ak=…&q-signature=…`.
    pub fn authorization(&self) -> &str {
        &self.authorization
    }

    /// The seven `q-*` fields of [`authorization`](Self::authorization) as raw
    /// `(name, value)` pairs, in wire order, for carrying them in a query string.
    pub fn authorization_fields(&self) -> [(&'static str, &str); 7] {
        [
            ("q-sign-algorithm", "sha1"),
            ("q-ak", &self.secret_id),
            ("q-sign-time", &self.key_time_text),
            ("q-key-time", &self.key_time_text),
            ("q-header-list", &self.header_list),
            ("q-url-param-list", &self.url_param_list),
            ("q-signature", &self.signature),
        ]
    }
}

#[cfg(test)]
mod tests;
