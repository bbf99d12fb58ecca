//! Form uploads straight to the store — what `wx.uploadFile` and browsers send: a
//! `multipart/form-data` `POST` of the signed fields, in order, then the file last.
//!
//! - COS: the PostObject policy (<https://cloud.tencent.com/document/api/436/14690>).
//! - S3: the SigV4 POST policy (<https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html>).
//! - local and memory: the album's own target `POST {base}/album/files` with fields `key`,
//!   `Content-Type`, `expires`, `signature` ([`super::mac`], method `POST`).
//!
//! Every policy binds the key, the image `Content-Type`, `content-length-range` 1..=max, the
//! owner metadata and the expiry.

use anyhow::Context;
use weapp_common::{
    config::Secret,
    cos::{KeyTime, post_object},
    post_policy::{PostPolicy, query, sigv4},
};

use super::{Grant, MacKey, OWNER_METADATA, Signed, StoreSigner};

/// The success status asked of the store: `204 No Content`, S3's and COS's default, so
/// clients see the same answer from both.
const SUCCESS_STATUS: u16 = 204;

/// The file's field name, as `wx.uploadFile({name: 'file'})` sends it.
pub const FILE_FIELD: &str = "file";

/// A signed form upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormTicket {
    /// Where to `POST`.
    pub url: String,
    /// The fields to send, in this order, before the file.
    pub fields: Vec<(String, String)>,
    /// The file's field name.
    pub file_field: &'static str,
}

/// An S3 bucket's POST target and signing credentials, parsed once at start-up: the
/// credentials keep the day's signing key (`sigv4::S3Credentials::signing_key`), so a
/// presigned URL or form costs one HMAC chain per day rather than one per request.
#[derive(Clone)]
pub struct S3Post {
    /// The bucket's URL (`http://127.0.0.1:8333/album`, `https://bucket.s3.region.amazonaws.com`).
    url: String,
    /// The bucket URL's origin (`http://127.0.0.1:8333`).
    origin: String,
    /// The bucket URL's path without a trailing `/` (`/album`, or empty when virtual-hosted).
    base_path: String,
    /// The bucket name (the policy's `bucket` condition).
    bucket: String,
    /// The signing region.
    region: String,
    /// The key pair.
    credentials: sigv4::S3Credentials,
}

impl S3Post {
    /// The POST target of the bucket at `url` named `bucket` in `region`, signed with the
    /// key pair `access_key_id` / `secret_access_key`.
    ///
    /// # Errors
    /// A bucket URL that does not parse; an access key id SigV4 refuses (empty, or with `/`,
    /// whitespace or a control character).
    pub fn new(
        url: &str,
        bucket: &str,
        region: &str,
        access_key_id: &str,
        secret_access_key: Secret,
    ) -> anyhow::Result<Self> {
        let parsed = url::Url::parse(url).context("the bucket URL")?;
        Ok(Self {
            url: url.to_owned(),
            origin: parsed.origin().ascii_serialization(),
            base_path: parsed.path().trim_end_matches('/').to_owned(),
            bucket: bucket.to_owned(),
            region: region.to_owned(),
            credentials: sigv4::S3Credentials::new(access_key_id, secret_access_key)?,
        })
    }

    /// The bucket's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A presigned `method` of `key` with `headers` signed, at `now` for `expires_in` seconds.
    ///
    /// # Errors
    /// A region SigV4 refuses.
    pub(super) fn presign(
        &self,
        method: &str,
        key: &str,
        headers: &[(&str, &str)],
        now: u64,
        expires_in: u64,
    ) -> anyhow::Result<String> {
        let path = format!("{}/{key}", self.base_path);
        let request = query::Request {
            method,
            origin: &self.origin,
            path: &path,
            headers,
            query: &[],
        };
        query::presign(&self.credentials, &self.region, &request, now, expires_in)
            .context("S3 presigning")
    }
}

pub(super) fn sign(
    store: &StoreSigner,
    mac: &MacKey,
    grant: &Grant<'_>,
    album_form_url: &str,
) -> anyhow::Result<FormTicket> {
    let content_type = grant.kind.mime();
    match store {
        StoreSigner::Tcb => anyhow::bail!("Cloud Run upload forms come from WeChat's tickets"),
        StoreSigner::Album => {
            let expires = grant.expires_at();
            let signature = mac.sign(&Signed {
                method: "POST",
                key: grant.key,
                content_type,
                expires,
            });
            Ok(FormTicket {
                url: album_form_url.to_owned(),
                fields: vec![
                    ("key".to_owned(), grant.key.to_owned()),
                    ("Content-Type".to_owned(), content_type.to_owned()),
                    ("expires".to_owned(), expires.to_string()),
                    ("signature".to_owned(), signature),
                ],
                file_field: FILE_FIELD,
            })
        }
        StoreSigner::S3 { post } => {
            let form = sigv4::sign(
                &policy(&post.bucket, grant)?,
                &post.credentials,
                &post.region,
                grant.unix_now(),
                grant.expires_in,
            )
            .context("signing the S3 POST policy")?;
            Ok(FormTicket {
                url: post.url.clone(),
                fields: form.fields().to_vec(),
                file_field: FILE_FIELD,
            })
        }
        StoreSigner::Cos {
            credentials,
            endpoint,
            bucket,
        } => {
            let key_time = KeyTime::from_now(grant.unix_now(), grant.expires_in)?;
            let form = post_object::sign(&policy(bucket, grant)?, credentials, key_time)
                .context("signing the COS PostObject policy")?;
            Ok(FormTicket {
                url: format!("{}/", endpoint.base_url()),
                fields: form.fields().to_vec(),
                file_field: FILE_FIELD,
            })
        }
    }
}

/// The conditions every store form carries: the key, 1..=size bytes, the image type, the
/// owner, a 204 answer.
fn policy(bucket: &str, grant: &Grant<'_>) -> anyhow::Result<PostPolicy> {
    let mut policy = PostPolicy::new(bucket, grant.key)?
        .content_length_range(1, grant.size)?
        .content_type(grant.kind.mime())?;
    if let Some(owner) = grant.owner {
        policy = policy.metadata(OWNER_METADATA, owner)?;
    }
    Ok(policy.success_action_status(SUCCESS_STATUS)?)
}
