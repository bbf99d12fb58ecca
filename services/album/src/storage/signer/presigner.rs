//! SigV4 presigned requests on one S3 bucket: the direct-upload signer ([`super::form::S3Post`])
//! and the sweeper of unfinished uploads ([`crate::storage::uploads::Sweeper`]) both sign
//! through it ([`weapp_common::post_policy::query`]).

use anyhow::Context;
use weapp_common::{
    config::Secret,
    post_policy::{query, sigv4::S3Credentials},
};

/// A bucket URL split once into what each presigned request needs, and the key pair, whose
/// day's signing key it keeps (`S3Credentials::signing_key`): a request costs one HMAC chain
/// per day rather than one each.
#[derive(Clone)]
pub struct BucketPresigner {
    /// The bucket's URL as given (`http://127.0.0.1:8333/album`).
    url: String,
    /// Its origin (`http://127.0.0.1:8333`).
    origin: String,
    /// Its path without a trailing `/` (`/album`, or empty when virtual-hosted).
    base_path: String,
    /// The signing region.
    region: String,
    /// The key pair.
    credentials: S3Credentials,
}

impl BucketPresigner {
    /// The presigner of the bucket at `url` in `region` with the key pair `access_key_id` /
    /// `secret_access_key`.
    ///
    /// # Errors
    /// A bucket URL that does not parse; an access key id SigV4 refuses (empty, or with `/`,
    /// whitespace or a control character).
    pub fn new(
        url: &str,
        region: &str,
        access_key_id: &str,
        secret_access_key: Secret,
    ) -> anyhow::Result<Self> {
        let parsed = url::Url::parse(url).context("the bucket URL")?;
        Ok(Self {
            url: url.to_owned(),
            origin: parsed.origin().ascii_serialization(),
            base_path: parsed.path().trim_end_matches('/').to_owned(),
            region: region.to_owned(),
            credentials: S3Credentials::new(access_key_id, secret_access_key)?,
        })
    }

    /// The bucket's URL as given.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The signing region.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The key pair.
    pub fn credentials(&self) -> &S3Credentials {
        &self.credentials
    }

    /// A presigned `method` of the object `key` (or of the bucket itself for `None`) with
    /// `headers` and the `query` parameters signed, at `now` (unix seconds) for `expires_in`
    /// seconds.
    ///
    /// # Errors
    /// A region SigV4 refuses.
    pub fn presign(
        &self,
        method: &str,
        key: Option<&str>,
        headers: &[(&str, &str)],
        query: &[(&str, &str)],
        now: u64,
        expires_in: u64,
    ) -> anyhow::Result<String> {
        let base = self.base_path.as_str();
        let path = match key {
            Some(key) => format!("{base}/{key}"),
            None if base.is_empty() => "/".to_owned(),
            None => base.to_owned(),
        };
        let request = query::Request {
            method,
            origin: &self.origin,
            path: &path,
            headers,
            query,
        };
        query::presign(&self.credentials, &self.region, &request, now, expires_in)
            .context("S3 presigning")
    }
}
