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

use weapp_common::config::Secret;

use super::{Grant, MacKey, OWNER_METADATA, Signed, StoreSigner};

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

/// An S3 bucket's POST target and signing credentials.
#[derive(Clone)]
pub struct S3Post {
    /// The bucket's URL (`http://127.0.0.1:8333/album`, `https://bucket.s3.region.amazonaws.com`).
    pub url: String,
    /// The bucket name (the policy's `bucket` condition).
    pub bucket: String,
    /// The signing region.
    pub region: String,
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: Secret,
}

pub(super) fn sign(
    store: &StoreSigner,
    mac: &MacKey,
    grant: &Grant<'_>,
    album_form_url: &str,
) -> anyhow::Result<FormTicket> {
    let content_type = grant.kind.mime();
    match store {
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
        StoreSigner::S3 { .. } | StoreSigner::Cos { .. } => {
            let _ = OWNER_METADATA;
            anyhow::bail!("form uploads to S3 and COS need the POST policy signer")
        }
    }
}
