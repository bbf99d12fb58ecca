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
    post_policy::{PostPolicy, sigv4},
};

use super::{Grant, MacKey, OWNER_METADATA, Signed, StoreSigner, presigner::BucketPresigner};

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

/// An S3 bucket's POST target: its name (the policy's `bucket` condition) and its
/// [`BucketPresigner`], built once at start-up.
#[derive(Clone)]
pub struct S3Post {
    /// The bucket name.
    bucket: String,
    /// The bucket's URL, region and key pair.
    presigner: BucketPresigner,
}

impl S3Post {
    /// The POST target of the bucket at `url` named `bucket` in `region`, signed with the
    /// key pair `access_key_id` / `secret_access_key`.
    ///
    /// # Errors
    /// Those of [`BucketPresigner::new`].
    pub fn new(
        url: &str,
        bucket: &str,
        region: &str,
        access_key_id: &str,
        secret_access_key: Secret,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            bucket: bucket.to_owned(),
            presigner: BucketPresigner::new(url, region, access_key_id, secret_access_key)?,
        })
    }

    /// The bucket's URL.
    pub fn url(&self) -> &str {
        self.presigner.url()
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
        self.presigner
            .presign(method, Some(key), headers, &[], now, expires_in)
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
                post.presigner.credentials(),
                post.presigner.region(),
                grant.unix_now(),
                grant.expires_in,
            )
            .context("signing the S3 POST policy")?;
            Ok(FormTicket {
                url: post.url().to_owned(),
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
