//! Signing for the client: direct uploads (a `PUT` URL, or form fields for a multipart `POST`)
//! and, for private buckets, temporary `GET` URLs of the images.
//!
//! The modern form of the seeds' signature server (`spec/originals.md` §6, which handed out a
//! reusable COS v4 signature for a whole folder): the album picks the object key, and what it
//! signs binds that key, the image `Content-Type`, the size (the exact `Content-Length` of a
//! `PUT`, a `content-length-range` for a form), the owner's metadata, a lifetime, and no
//! overwrite where the store can refuse one. The secret never leaves the server, and the store
//! itself refuses anything else — whatever the client does.
//!
//! | backend | `PUT` | form `POST` | private `GET` |
//! |---|---|---|---|
//! | COS | XML v5 presigned URL with `content-type`, `content-length`, `x-cos-forbid-overwrite`, `x-cos-meta-openid` signed ([`weapp_common::cos::ObjectRequest`]) | PostObject policy (<https://cloud.tencent.com/document/api/436/14690>) | XML v5 presigned `GET` |
//! | S3 | SigV4 query signing with `content-type`, `content-length`, `if-none-match: *`, `x-amz-meta-openid` signed ([`weapp_common::post_policy::query`]) | SigV4 POST policy (<https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-UsingHTTPPOST.html>) | SigV4 presigned `GET` |
//! | local, memory | the album's own `PUT {base}/album/files/{key}?expires=&signature=` ([`mac`]) | the album's own `POST {base}/album/files` | `GET {base}/album/files/{key}?expires=&signature=` |

pub(super) mod form;
pub mod mac;
pub(crate) mod presigner;

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use weapp_common::cos::{Credentials, Endpoint, KeyTime, ObjectRequest};

pub use form::FormTicket;
pub use mac::{MacKey, Signed};

use crate::image::ImageKind;

/// The object metadata naming an uploader (`x-amz-meta-openid` on S3, `x-cos-meta-openid` on
/// COS): never part of an image URL.
pub const OWNER_METADATA: &str = "openid";

/// A signed `PUT`, as the `upload-url` route returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutTicket {
    /// Where to `PUT` the image bytes.
    pub upload_url: String,
    /// Headers the client must send exactly as given (`Content-Type`, `Content-Length`, and
    /// the no-overwrite and owner headers where the store checks them).
    pub headers: Vec<(String, String)>,
}

/// What one direct upload may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant<'a> {
    /// The object key.
    pub key: &'a str,
    /// The image kind: `Content-Type` and extension.
    pub kind: ImageKind,
    /// Bytes: the exact size of a `PUT`, the largest of a form upload.
    pub size: u64,
    /// The uploader's openid, recorded as object metadata.
    pub owner: Option<&'a str>,
    /// Seconds the signature stays valid.
    pub expires_in: u64,
    /// The signing time.
    pub now: SystemTime,
}

impl Grant<'_> {
    fn unix_now(&self) -> u64 {
        unix(self.now)
    }

    fn expires_at(&self) -> u64 {
        self.unix_now().saturating_add(self.expires_in)
    }
}

/// How the configured store's requests are signed.
#[derive(Clone)]
pub enum StoreSigner {
    /// COS XML v5.
    Cos {
        /// SecretId / SecretKey.
        credentials: Credentials,
        /// The bucket endpoint (`https://{bucket}-{appid}.cos.{region}.myqcloud.com`).
        endpoint: Endpoint,
        /// The bucket's full name (`{bucket}-{appid}`), for PostObject policies.
        bucket: String,
    },
    /// SigV4 presigned URLs and POST policies ([`weapp_common::post_policy`]).
    S3 {
        /// The bucket's URL, region and credentials.
        post: form::S3Post,
    },
    /// The album's own signatures (local and memory backends).
    Album,
    /// WeChat Cloud Run storage: WeChat signs (upload tickets, temporary download URLs), so
    /// nothing is signed here; `upload-url` is refused and `upload-form` answers a ticket
    /// ([`crate::storage::TcbStore`]).
    Tcb,
}

/// Signs for the configured backend; the album's own [`MacKey`] is always there (local
/// uploads and downloads, v4 stand-in).
#[derive(Clone)]
pub struct Signer {
    store: StoreSigner,
    mac: MacKey,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.store {
            StoreSigner::Cos { endpoint, .. } => write!(f, "Signer::Cos({})", endpoint.host()),
            StoreSigner::S3 { post } => write!(f, "Signer::S3({})", post.url()),
            StoreSigner::Album => f.write_str("Signer::Album([REDACTED])"),
            StoreSigner::Tcb => f.write_str("Signer::Tcb"),
        }
    }
}

/// Unix seconds of `at`.
pub fn unix(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or_default()
}

impl Signer {
    /// A signer for `store` with the album's own key.
    pub fn new(store: StoreSigner, mac: MacKey) -> Self {
        Self { store, mac }
    }

    /// The album's own key.
    pub fn mac(&self) -> &MacKey {
        &self.mac
    }

    /// Whether the store checks the `PUT` and form signatures itself (COS, S3); otherwise the
    /// album receives the uploads and checks them ([`mac`]).
    pub fn store_checks(&self) -> bool {
        !matches!(self.store, StoreSigner::Album)
    }

    /// Sign a `PUT` of `grant.size` bytes. `served_url` is the album's own files URL of the key
    /// (used by the local and memory backends).
    ///
    /// # Errors
    /// When the store's signer fails (it should not with static credentials).
    pub async fn sign_put(&self, grant: &Grant<'_>, served_url: &str) -> anyhow::Result<PutTicket> {
        let content_type = grant.kind.mime();
        let length = grant.size.to_string();
        let mut headers = vec![
            ("Content-Type".to_owned(), content_type.to_owned()),
            ("Content-Length".to_owned(), length.clone()),
        ];
        let upload_url = match &self.store {
            StoreSigner::Tcb => anyhow::bail!("Cloud Run storage takes no signed PUT"),
            StoreSigner::Cos {
                credentials,
                endpoint,
                ..
            } => {
                headers.push(("x-cos-forbid-overwrite".to_owned(), "true".to_owned()));
                if let Some(owner) = grant.owner {
                    headers.push((format!("x-cos-meta-{OWNER_METADATA}"), owner.to_owned()));
                }
                let request = ObjectRequest::new("PUT", endpoint, grant.key)
                    .context("COS presigning")?
                    .with_headers(headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                let key_time = KeyTime::from_now(grant.unix_now(), grant.expires_in)
                    .context("COS key time")?;
                request.presign(credentials, key_time).url().to_owned()
            }
            StoreSigner::S3 { post } => {
                headers.push(("If-None-Match".to_owned(), "*".to_owned()));
                if let Some(owner) = grant.owner {
                    headers.push((format!("x-amz-meta-{OWNER_METADATA}"), owner.to_owned()));
                }
                let signed: Vec<(&str, &str)> = headers
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                post.presign(
                    "PUT",
                    grant.key,
                    &signed,
                    grant.unix_now(),
                    grant.expires_in,
                )?
            }
            StoreSigner::Album => {
                let expires = grant.expires_at();
                let signature = self.mac.sign(&Signed {
                    method: "PUT",
                    key: grant.key,
                    content_type,
                    expires,
                });
                format!("{served_url}?expires={expires}&signature={signature}")
            }
        };
        Ok(PutTicket {
            upload_url,
            headers,
        })
    }

    /// A `GET` URL of `key` signed at `now` and valid `expires_in` seconds from then (private
    /// buckets); the same inputs give the same URL. `served_url` is the album's own files URL
    /// of the key.
    ///
    /// # Errors
    /// When the store's signer fails.
    pub async fn sign_get(
        &self,
        key: &str,
        served_url: &str,
        expires_in: u64,
        now: SystemTime,
    ) -> anyhow::Result<String> {
        Ok(match &self.store {
            StoreSigner::Tcb => anyhow::bail!("Cloud Run download URLs come from WeChat"),
            StoreSigner::Cos {
                credentials,
                endpoint,
                ..
            } => {
                let key_time = KeyTime::from_now(unix(now), expires_in).context("COS key time")?;
                ObjectRequest::new("GET", endpoint, key)
                    .context("COS presigning")?
                    .presign(credentials, key_time)
                    .url()
                    .to_owned()
            }
            StoreSigner::S3 { post } => post.presign("GET", key, &[], unix(now), expires_in)?,
            StoreSigner::Album => {
                let expires = unix(now).saturating_add(expires_in);
                let signature = self.mac.sign(&Signed {
                    method: "GET",
                    key,
                    content_type: "",
                    expires,
                });
                format!("{served_url}?expires={expires}&signature={signature}")
            }
        })
    }

    /// The form a client posts straight to the store: `url`, the fields in order, the file
    /// last. `album_form_url` is the album's own form target (local and memory backends).
    ///
    /// # Errors
    /// When the policy cannot be signed (a key time that overflows).
    pub fn sign_form(&self, grant: &Grant<'_>, album_form_url: &str) -> anyhow::Result<FormTicket> {
        form::sign(&self.store, &self.mac, grant, album_form_url)
    }
}

#[cfg(test)]
mod tests;
