//! Image URLs: the public URL of a key (the original `cosDomain + key`), the album's own files
//! URL, and signed `GET` URLs when the bucket is private (`storage.public_read = false`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::Signer;

/// Characters escaped in the path of an image URL: everything but RFC 3986 unreserved
/// characters; `/` between segments is kept by encoding segment by segment.
const URL_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Where a client reaches the album, for the URLs of files the album serves itself.
#[derive(Debug, Clone)]
pub struct Origin {
    /// `http` or `https`, as the client used (nginx sets `X-Forwarded-Proto`).
    pub scheme: String,
    /// `host[:port]` as the client used (nginx passes `Host`).
    pub host: String,
}

/// The public URL prefix of images (the original `cosDomain`).
#[derive(Debug, Clone)]
pub enum PublicBase {
    /// A fixed prefix ending in `/`: the COS/CDN domain or the S3 bucket URL.
    Fixed(String),
    /// The album serves the files itself under `{route_base_path}/album/files/`; the host is the
    /// one the client used.
    Served {
        /// `{route_base_path}/album/files/`.
        path: String,
    },
}

#[derive(Debug, Clone)]
pub(super) struct Urls {
    pub public: PublicBase,
    /// `{route_base_path}/album/files/`.
    pub served_path: String,
    pub signer: Signer,
    pub public_read: bool,
    /// Lifetime of signed `GET` URLs, seconds.
    pub expires_in: u64,
}

/// `key` with each path segment percent-encoded.
fn encode_key(key: &str) -> String {
    key.split('/')
        .map(|segment| utf8_percent_encode(segment, URL_SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

pub(super) fn with_trailing_slash(prefix: &str) -> String {
    if prefix.ends_with('/') {
        prefix.to_owned()
    } else {
        format!("{prefix}/")
    }
}

impl Urls {
    /// The plain URL of `key`.
    pub fn public_url(&self, key: &str, origin: &Origin) -> String {
        match &self.public {
            PublicBase::Fixed(prefix) => format!("{prefix}{}", encode_key(key)),
            PublicBase::Served { .. } => self.served_url(key, origin),
        }
    }

    pub fn served_url(&self, key: &str, origin: &Origin) -> String {
        format!(
            "{}://{}{}{}",
            origin.scheme,
            origin.host,
            self.served_path,
            encode_key(key)
        )
    }

    pub fn served_form_url(&self, origin: &Origin) -> String {
        format!(
            "{}://{}{}",
            origin.scheme,
            origin.host,
            self.served_path.trim_end_matches('/')
        )
    }

    /// The URL clients read `key` at, when the bucket is private signed at the start of the
    /// current window of a quarter of the lifetime: the same image keeps the same URL for that
    /// long (clients cache it), and a URL handed out stays valid at least three quarters of
    /// `expires_in`.
    pub async fn image_url(
        &self,
        key: &str,
        origin: &Origin,
        now: SystemTime,
    ) -> anyhow::Result<String> {
        if self.public_read {
            return Ok(self.public_url(key, origin));
        }
        let now = super::signer::unix(now);
        let window = (self.expires_in / 4).max(1);
        let signed_at = UNIX_EPOCH + Duration::from_secs(now - now % window);
        self.signer
            .sign_get(
                key,
                &self.served_url(key, origin),
                self.expires_in,
                signed_at,
            )
            .await
    }

    pub fn url_path_prefix(&self) -> String {
        match &self.public {
            PublicBase::Fixed(prefix) => url::Url::parse(prefix)
                .map(|url| url.path().to_owned())
                .unwrap_or_default(),
            PublicBase::Served { path } => path.clone(),
        }
    }
}
