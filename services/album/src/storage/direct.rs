//! Direct upload: a short-lived URL the mini-program PUTs an image to, bypassing the album.
//!
//! The modern form of the seeds' signature server (`spec/originals.md` §6, which handed out a
//! reusable COS v4 signature): the server picks the object key, and the URL it signs is bound
//! to that key, to `PUT`, to one image `Content-Type` and to a lifetime. The secret never leaves
//! the server.
//!
//! - COS: the COS XML v5 presigned URL (`q-sign-*`, <https://cloud.tencent.com/document/product/436/7778>)
//!   with `content-type` and `host` signed ([`weapp_common::cos::presign_put`]).
//! - Any other S3 store: SigV4 query signing by `object_store`, with `content-type` signed.
//! - Local and memory backends: the album's own `PUT {base}/album/files/{key}?expires=&signature=`,
//!   `signature` = hex HMAC-SHA256(key, `PUT\n{object key}\n{content type}\n{expires}`).

use std::{
    fmt,
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use anyhow::Context;
use hmac::{Hmac, KeyInit, Mac};
use object_store::{
    aws::AmazonS3,
    path::Path,
    signer::{HeaderValue, Method, SignedUrlOptions, Signer},
};
use rand::RngCore;
use secrecy::ExposeSecret;
use sha2::Sha256;
use weapp_common::{
    config::Secret,
    cos::{Credentials, Endpoint, presign_put},
};

use crate::image::ImageKind;

type HmacSha256 = Hmac<Sha256>;

/// A signed direct upload, as the `upload-url` route returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectUpload {
    /// Where to `PUT` the image bytes.
    pub upload_url: String,
    /// Headers the client must send exactly (`Content-Type`).
    pub headers: Vec<(String, String)>,
    /// Seconds the URL stays valid.
    pub expires_in: u64,
}

/// Signs direct-upload URLs for the configured backend.
#[derive(Clone)]
pub enum DirectSigner {
    /// COS XML v5 presigning.
    Cos {
        /// SecretId / SecretKey.
        credentials: Credentials,
        /// The bucket endpoint (`https://{bucket}-{appid}.cos.{region}.myqcloud.com`).
        endpoint: Endpoint,
    },
    /// SigV4 presigning by the store itself.
    S3(Arc<AmazonS3>),
    /// The album's own signed PUT route (local and memory backends).
    Album {
        /// HMAC-SHA256 key.
        key: Arc<[u8]>,
    },
}

impl fmt::Debug for DirectSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cos { endpoint, .. } => write!(f, "DirectSigner::Cos({})", endpoint.host()),
            Self::S3(store) => write!(f, "DirectSigner::S3({store})"),
            Self::Album { .. } => f.write_str("DirectSigner::Album([REDACTED])"),
        }
    }
}

/// Unix seconds of `at`.
fn unix(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or_default()
}

impl DirectSigner {
    /// The album's own signer with the configured key, or 32 random bytes when none is set.
    pub fn album(configured: &Secret) -> Self {
        let configured = configured.expose_secret().as_bytes();
        let key: Arc<[u8]> = if configured.is_empty() {
            let mut random = [0_u8; 32];
            rand::rng().fill_bytes(&mut random);
            Arc::from(random.as_slice())
        } else {
            Arc::from(configured)
        };
        Self::Album { key }
    }

    /// Sign a `PUT` of `key` with `Content-Type: kind.mime()`, valid `expires_in` seconds from
    /// `now`. `object_url` is the URL the image will have (the album's own files URL for the
    /// [`DirectSigner::Album`] variant).
    ///
    /// # Errors
    /// When the store's signer fails (it should not with static credentials).
    pub async fn sign(
        &self,
        key: &str,
        kind: ImageKind,
        object_url: &str,
        expires_in: u64,
        now: SystemTime,
    ) -> anyhow::Result<DirectUpload> {
        let content_type = kind.mime();
        let upload_url = match self {
            Self::Cos {
                credentials,
                endpoint,
            } => presign_put(
                credentials,
                endpoint,
                key,
                content_type,
                unix(now),
                expires_in,
            )
            .context("COS presigning")?
            .url()
            .to_owned(),
            Self::S3(store) => {
                let options = SignedUrlOptions::default().with_signed_header(
                    object_store::signer::HeaderName::from_static("content-type"),
                    HeaderValue::from_static(content_type),
                );
                store
                    .signed_url_opts(
                        Method::PUT,
                        &Path::parse(key)?,
                        Duration::from_secs(expires_in),
                        &options,
                    )
                    .await
                    .context("S3 presigning")?
                    .to_string()
            }
            Self::Album { key: secret } => {
                let expires = unix(now).saturating_add(expires_in);
                let signature = album_signature(secret, key, content_type, expires);
                format!("{object_url}?expires={expires}&signature={signature}")
            }
        };
        Ok(DirectUpload {
            upload_url,
            headers: vec![("Content-Type".to_owned(), content_type.to_owned())],
            expires_in,
        })
    }

    /// Check a signed album upload URL: the signature (constant-time) and the expiry.
    ///
    /// Always `false` for the COS and S3 variants, whose stores check their own URLs.
    pub fn verify_album(
        &self,
        key: &str,
        content_type: &str,
        expires: u64,
        signature_hex: &str,
        now: SystemTime,
    ) -> bool {
        let Self::Album { key: secret } = self else {
            return false;
        };
        let Ok(signature) = hex::decode(signature_hex) else {
            return false;
        };
        unix(now) <= expires
            && album_mac(secret, key, content_type, expires)
                .verify_slice(&signature)
                .is_ok()
    }
}

fn album_mac(secret: &[u8], key: &str, content_type: &str, expires: u64) -> HmacSha256 {
    #[allow(clippy::expect_used)]
    let mut mac =
        HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length (RFC 2104)");
    mac.update(format!("PUT\n{key}\n{content_type}\n{expires}").as_bytes());
    mac
}

fn album_signature(secret: &[u8], key: &str, content_type: &str, expires: u64) -> String {
    hex::encode(
        album_mac(secret, key, content_type, expires)
            .finalize()
            .into_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> DirectSigner {
        DirectSigner::album(&Secret::from("test-signing-key"))
    }

    fn query_value<'a>(url: &'a str, name: &str) -> &'a str {
        url.split(['?', '&'])
            .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
            .unwrap_or_default()
    }

    #[tokio::test]
    async fn album_urls_verify_until_they_expire() -> anyhow::Result<()> {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let upload = signer()
            .sign(
                "1-a.jpg",
                ImageKind::Jpeg,
                "http://h/applet/album/files/1-a.jpg",
                300,
                now,
            )
            .await?;
        assert!(
            upload
                .upload_url
                .starts_with("http://h/applet/album/files/1-a.jpg?expires=1700000300&signature=")
        );
        let signature = query_value(&upload.upload_url, "signature");
        let signer = signer();
        assert!(signer.verify_album("1-a.jpg", "image/jpeg", 1_700_000_300, signature, now));
        let late = now + Duration::from_secs(301);
        assert!(!signer.verify_album("1-a.jpg", "image/jpeg", 1_700_000_300, signature, late));
        Ok(())
    }

    #[tokio::test]
    async fn album_urls_bind_key_type_and_expiry() -> anyhow::Result<()> {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let upload = signer()
            .sign("1-a.jpg", ImageKind::Jpeg, "u", 300, now)
            .await?;
        let signature = query_value(&upload.upload_url, "signature");
        let signer = signer();
        assert!(!signer.verify_album("1-b.jpg", "image/jpeg", 1_700_000_300, signature, now));
        assert!(!signer.verify_album("1-a.jpg", "image/png", 1_700_000_300, signature, now));
        assert!(!signer.verify_album("1-a.jpg", "image/jpeg", 1_700_009_999, signature, now));
        assert!(!signer.verify_album("1-a.jpg", "image/jpeg", 1_700_000_300, "zz", now));
        let other = DirectSigner::album(&Secret::from("another-key"));
        assert!(!other.verify_album("1-a.jpg", "image/jpeg", 1_700_000_300, signature, now));
        Ok(())
    }

    #[test]
    fn debug_hides_the_key() {
        assert_eq!(format!("{:?}", signer()), "DirectSigner::Album([REDACTED])");
    }

    #[tokio::test]
    async fn cos_urls_sign_the_content_type() -> anyhow::Result<()> {
        let signer = DirectSigner::Cos {
            credentials: Credentials::new(
                "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
                Secret::from("BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz"),
            ),
            endpoint: Endpoint::cos("examplebucket-1250000000", "ap-guangzhou")?,
        };
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let upload = signer
            .sign(
                "uploads/o_wx_123/1700000000-abc.jpg",
                ImageKind::Jpeg,
                "",
                3600,
                now,
            )
            .await?;
        // cos_presign.json, vector presign_put_content_type.
        assert!(
            upload
                .upload_url
                .ends_with("q-signature=f4b4c522f428bf14026227b6f82074467abde1a2"),
            "{}",
            upload.upload_url
        );
        assert!(
            !upload
                .upload_url
                .contains("BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz")
        );
        Ok(())
    }
}
