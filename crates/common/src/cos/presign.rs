//! Presigned object URLs: the v5 signature carried in the query string instead of the
//! `Authorization` header, so a client without credentials (a mini-program uploading straight
//! to COS) can make exactly the signed request until the key time ends.
//!
//! URL = object URL + `?` + the signed business params (if any) + the seven `q-*` fields, every
//! name and value written with [`encode`] (`;` → `%3B`, like cos-python-sdk-v5). The `q-*`
//! fields are not themselves signed. COS URL-decodes the query, so the Node SDK's raw `;`
//! form is equivalent (`tests/fixtures/vectors/cos_presign.json`). Rule source:
//! <https://cloud.tencent.com/document/product/436/7778>.

use super::encode::encode;
use super::endpoint::object_sign_path;
use super::xml::{RequestToSign, XmlSignature};
use super::{Credentials, Endpoint, KeyTime, SignError};

/// A request on one object, to be presigned. `host` is signed by default (Python SDK
/// `SignHost=True`), taken from the [`Endpoint`], unless a `host` header was added explicitly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRequest {
    object_url: String,
    host: String,
    sign_host: bool,
    request: RequestToSign,
}

impl ObjectRequest {
    /// `method` on the object `key` (raw, e.g. `相册/猫咪 01.jpg`) at `endpoint`.
    ///
    /// # Errors
    /// [`SignError::EmptyObjectKey`] for an empty key; [`SignError::InvalidMethod`] for a
    /// method that is not an HTTP token.
    pub fn new(method: &str, endpoint: &Endpoint, key: &str) -> Result<Self, SignError> {
        Ok(Self {
            object_url: endpoint.object_url(key)?,
            host: endpoint.host().to_owned(),
            sign_host: true,
            request: RequestToSign::new(method, &object_sign_path(key)?)?,
        })
    }

    /// Adds a signed business query parameter; it is also written into the URL, before the
    /// `q-*` fields, name case kept.
    #[must_use]
    pub fn with_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.request = self.request.with_param(name, value);
        self
    }

    /// Adds a signed header; the client must send exactly this value.
    #[must_use]
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.request = self.request.with_header(name, value);
        self
    }

    /// Adds signed business query parameters in order (see [`with_param`](Self::with_param)).
    #[must_use]
    pub fn with_params<I, K, V>(mut self, params: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.request = self.request.with_params(params);
        self
    }

    /// Adds signed headers in order (see [`with_header`](Self::with_header)).
    #[must_use]
    pub fn with_headers<I, K, V>(mut self, headers: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.request = self.request.with_headers(headers);
        self
    }

    /// Leaves `host` out of the signature (Python SDK `SignHost=False`), so the URL also works
    /// through another host name (a CDN or proxy).
    #[must_use]
    pub fn without_host(mut self) -> Self {
        self.sign_host = false;
        self
    }

    /// The object URL without a query (`https://host/encoded/key`).
    pub fn object_url(&self) -> &str {
        &self.object_url
    }

    /// The request exactly as it will be signed, `host` included when signed.
    pub fn request_to_sign(&self) -> RequestToSign {
        if self.sign_host && !self.request.has_header("host") {
            self.request.clone().with_header("host", self.host.as_str())
        } else {
            self.request.clone()
        }
    }

    /// Signs for the window `key_time` and builds the presigned URL.
    pub fn presign(&self, credentials: &Credentials, key_time: KeyTime) -> Presigned {
        let request = self.request_to_sign();
        let signature = request.sign(credentials, key_time);
        let business = request
            .params()
            .iter()
            .map(|(name, value)| format!("{}={}", encode(name), encode(value)));
        let auth = signature
            .authorization_fields()
            .map(|(name, value)| format!("{name}={}", encode(value)));
        let query: Vec<String> = business.chain(auth).collect();
        Presigned {
            method: request.method().to_owned(),
            url: format!("{}?{}", self.object_url, query.join("&")),
            object_url: self.object_url.clone(),
            signed_headers: request.headers().to_vec(),
            signature,
        }
    }
}

/// A presigned request: the URL to hand out, the headers the client must send with it, and
/// the same signature in `Authorization` header form.
#[derive(Debug, Clone)]
pub struct Presigned {
    method: String,
    url: String,
    object_url: String,
    signed_headers: Vec<(String, String)>,
    signature: XmlSignature,
}

impl Presigned {
    /// The HTTP method the URL is valid for, as given (e.g. `PUT`).
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The presigned URL: object URL, `?`, business params, `q-*` fields.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The object URL without the query.
    pub fn object_url(&self) -> &str {
        &self.object_url
    }

    /// Every signed header as `(name, value)`, `host` included when signed. The client must
    /// send each with exactly this value (HTTP clients add `host` themselves).
    pub fn signed_headers(&self) -> &[(String, String)] {
        &self.signed_headers
    }

    /// The bare `Authorization` header value for the same request (send it instead of the
    /// query form, to [`object_url`](Self::object_url) plus the business params).
    pub fn authorization(&self) -> &str {
        self.signature.authorization()
    }

    /// The signature with all its intermediate values.
    pub fn signature(&self) -> &XmlSignature {
        &self.signature
    }

    /// Last second (unix seconds) at which COS accepts the URL.
    pub fn expires_at(&self) -> u64 {
        self.signature.key_time().end()
    }
}

/// The direct-upload URL: a presigned `PUT` of `key` at `endpoint`, signing `Content-Type`
/// and `host`, valid from `now` to `now + expires_in` (unix seconds; KeyTime =
/// `now;now+expires_in`). The client must `PUT` with exactly `Content-Type: content_type`.
///
/// `presign_put(creds, &Endpoint::cos("examplebucket-1250000000", "ap-guangzhou")?,
/// "uploads/o_wx_123/1700000000-abc.jpg", "image/jpeg", 1700000000, 3600)` gives the URL of
/// vector `presign_put_content_type` in `cos_presign.json`.
///
/// # Errors
/// [`SignError::EmptyObjectKey`] for an empty key; [`SignError::KeyTimeOverflow`] when
/// `now + expires_in` overflows.
pub fn presign_put(
    credentials: &Credentials,
    endpoint: &Endpoint,
    key: &str,
    content_type: &str,
    now: u64,
    expires_in: u64,
) -> Result<Presigned, SignError> {
    let key_time = KeyTime::from_now(now, expires_in)?;
    let request =
        ObjectRequest::new("PUT", endpoint, key)?.with_header("Content-Type", content_type);
    Ok(request.presign(credentials, key_time))
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;

    fn credentials() -> Credentials {
        // Sample credentials of doc 436/7778, not a real account.
        Credentials::new(
            "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
            SecretString::from("BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz"),
        )
    }

    #[test]
    fn business_params_come_before_the_q_fields_and_are_signed() -> Result<(), SignError> {
        let endpoint = Endpoint::parse("http://127.0.0.1:9000")?;
        let presigned = ObjectRequest::new("GET", &endpoint, "a b.txt")?
            .with_param("Response-Content-Type", "text/plain; charset=utf-8")
            .presign(&credentials(), KeyTime::new(1, 2)?);
        assert!(
            presigned.url().starts_with(
                "http://127.0.0.1:9000/a%20b.txt?Response-Content-Type=text%2Fplain%3B%20charset%3Dutf-8\
                 &q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&q-sign-time=1%3B2&"
            ),
            "{}",
            presigned.url()
        );
        assert_eq!(
            presigned.signature().url_param_list(),
            "response-content-type"
        );
        assert_eq!(presigned.signature().header_list(), "host");
        assert_eq!(
            presigned.signature().http_headers(),
            "host=127.0.0.1%3A9000"
        );
        Ok(())
    }

    #[test]
    fn url_ends_with_the_signature_of_the_authorization_form() -> Result<(), SignError> {
        let endpoint = Endpoint::cos("examplebucket-1250000000", "ap-guangzhou")?;
        let presigned = presign_put(
            &credentials(),
            &endpoint,
            "x.jpg",
            "image/jpeg",
            1700000000,
            60,
        )?;
        let signature = presigned.signature().signature();
        assert!(
            presigned
                .url()
                .ends_with(&format!("&q-signature={signature}"))
        );
        assert!(
            presigned
                .authorization()
                .ends_with(&format!("&q-signature={signature}"))
        );
        assert_eq!(presigned.expires_at(), 1700000060);
        assert_eq!(presigned.method(), "PUT");
        Ok(())
    }

    #[test]
    fn without_host_signs_only_the_given_headers() -> Result<(), SignError> {
        let endpoint = Endpoint::parse("https://cdn.example.com")?;
        let presigned = ObjectRequest::new("GET", &endpoint, "k")?
            .without_host()
            .presign(&credentials(), KeyTime::new(1, 2)?);
        assert_eq!(presigned.signature().header_list(), "");
        assert!(presigned.signed_headers().is_empty());
        Ok(())
    }

    #[test]
    fn an_explicit_host_header_replaces_the_endpoint_host() -> Result<(), SignError> {
        let endpoint = Endpoint::parse("http://127.0.0.1:9000")?;
        let presigned = ObjectRequest::new("GET", &endpoint, "k")?
            .with_header("Host", "bucket.cos.local")
            .presign(&credentials(), KeyTime::new(1, 2)?);
        assert_eq!(
            presigned.signature().http_headers(),
            "host=bucket.cos.local"
        );
        Ok(())
    }

    #[test]
    fn presign_put_refuses_an_overflowing_window_and_an_empty_key() -> Result<(), SignError> {
        let endpoint = Endpoint::parse("http://h")?;
        let credentials = credentials();
        assert!(matches!(
            presign_put(&credentials, &endpoint, "k", "image/png", u64::MAX, 1),
            Err(SignError::KeyTimeOverflow { .. })
        ));
        assert!(matches!(
            presign_put(&credentials, &endpoint, "", "image/png", 1, 1),
            Err(SignError::EmptyObjectKey)
        ));
        Ok(())
    }
}
