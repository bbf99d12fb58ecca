//! Unfinished multipart uploads: found and aborted, so a failed large upload leaves no parts
//! behind (issue "album leaks unfinished multipart uploads").
//!
//! A large image goes to S3/COS as a multipart upload ([`super::writer`]); when it fails the
//! writer aborts it, but if the store is unreachable then, the abort fails too and the parts
//! would stay, invisible and billed, forever. The sweeper lists the folder's unfinished uploads
//! (`GET /{bucket}?uploads&prefix=`, ListMultipartUploads) and aborts those begun more than
//! `upload.abandoned_after_secs` ago (`DELETE /{bucket}/{key}?uploadId=`,
//! AbortMultipartUpload), at start-up and every `upload.sweep_interval_secs` — so once the
//! store is back, the abort happens. Requests are SigV4-presigned
//! ([`weapp_common::post_policy::query`]); COS speaks the same API on its S3 endpoint
//! (<https://cloud.tencent.com/document/product/436/7736>). The local filesystem backend
//! cleans up its own staging files on abort and has nothing to sweep.

use std::time::Duration;

use anyhow::Context;
use serde::Deserialize;
use weapp_common::config::Secret;

use super::signer::presigner::BucketPresigner;

/// How long a presigned sweep request stays valid (it is sent at once).
const REQUEST_LIFETIME_SECS: u64 = 60;

/// An unfinished multipart upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfinished {
    /// Its object key.
    pub key: String,
    /// The store's upload id.
    pub upload_id: String,
    /// When it began, unix seconds.
    pub initiated: i64,
}

/// The sweeper of one bucket folder.
#[derive(Clone)]
pub struct Sweeper {
    http: reqwest::Client,
    /// The bucket as the album reaches it (`http://127.0.0.1:8333/album`).
    bucket: BucketPresigner,
    prefix: String,
}

impl std::fmt::Debug for Sweeper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sweeper({}, {:?})", self.bucket.url(), self.prefix)
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Listing {
    #[serde(default)]
    upload: Vec<Upload>,
    #[serde(default)]
    is_truncated: bool,
    #[serde(default)]
    next_key_marker: String,
    #[serde(default)]
    next_upload_id_marker: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Upload {
    key: String,
    upload_id: String,
    initiated: String,
}

impl Sweeper {
    /// A sweeper of the uploads under `prefix` in the bucket at `bucket_url`.
    ///
    /// # Errors
    /// A bucket URL that does not parse; an access key id SigV4 refuses.
    pub fn new(
        bucket_url: &str,
        region: &str,
        access_key_id: &str,
        secret: Secret,
        prefix: &str,
        timeout: Duration,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            http: reqwest::Client::builder()
                .timeout(timeout)
                .build()
                .context("the sweeper's HTTP client")?,
            bucket: BucketPresigner::new(bucket_url, region, access_key_id, secret)?,
            prefix: prefix.to_owned(),
        })
    }

    fn presign(
        &self,
        method: &str,
        key: Option<&str>,
        params: &[(&str, &str)],
        now: u64,
    ) -> anyhow::Result<String> {
        self.bucket
            .presign(method, key, &[], params, now, REQUEST_LIFETIME_SECS)
    }

    /// Every unfinished upload under the prefix, at `now` (unix seconds, for the signatures).
    ///
    /// # Errors
    /// The store did not answer, or answered something else than a listing.
    pub async fn list(&self, now: u64) -> anyhow::Result<Vec<Unfinished>> {
        let mut found = Vec::new();
        let (mut key_marker, mut id_marker) = (String::new(), String::new());
        loop {
            let mut params = vec![("prefix", self.prefix.as_str()), ("uploads", "")];
            if !key_marker.is_empty() {
                params.push(("key-marker", key_marker.as_str()));
                params.push(("upload-id-marker", id_marker.as_str()));
            }
            let url = self.presign("GET", None, &params, now)?;
            let response = self.http.get(url).send().await.context("listing uploads")?;
            let status = response.status();
            let text = response
                .text()
                .await
                .context("reading the upload listing")?;
            anyhow::ensure!(
                status.is_success(),
                "listing uploads: HTTP {status}: {text}"
            );
            let listing: Listing =
                quick_xml::de::from_str(&text).context("parsing the upload listing")?;
            for upload in listing.upload {
                let initiated = time::OffsetDateTime::parse(
                    &upload.initiated,
                    &time::format_description::well_known::Rfc3339,
                )
                .map(time::OffsetDateTime::unix_timestamp)
                .with_context(|| format!("the upload time {:?}", upload.initiated))?;
                found.push(Unfinished {
                    key: upload.key,
                    upload_id: upload.upload_id,
                    initiated,
                });
            }
            if !listing.is_truncated || listing.next_key_marker.is_empty() {
                return Ok(found);
            }
            key_marker = listing.next_key_marker;
            id_marker = listing.next_upload_id_marker;
        }
    }

    /// Abort `upload`.
    ///
    /// # Errors
    /// The store did not answer or refused.
    pub async fn abort(&self, upload: &Unfinished, now: u64) -> anyhow::Result<()> {
        let url = self.presign(
            "DELETE",
            Some(&upload.key),
            &[("uploadId", &upload.upload_id)],
            now,
        )?;
        let response = self
            .http
            .delete(url)
            .send()
            .await
            .context("aborting an upload")?;
        let status = response.status();
        // 404 NoSuchUpload: already gone, which is what we want.
        anyhow::ensure!(
            status.is_success() || status == reqwest::StatusCode::NOT_FOUND,
            "aborting the upload of {}: HTTP {status}",
            upload.key
        );
        Ok(())
    }

    /// Abort every upload under the prefix begun before `cutoff` (unix seconds); how many.
    ///
    /// # Errors
    /// When the listing fails; a failed abort is logged and retried at the next sweep.
    pub async fn sweep(&self, cutoff: i64, now: u64) -> anyhow::Result<usize> {
        let mut aborted = 0;
        for upload in self.list(now).await? {
            if upload.initiated >= cutoff {
                continue;
            }
            match self.abort(&upload, now).await {
                Ok(()) => {
                    log::info!("aborted the unfinished upload of {}", upload.key);
                    aborted += 1;
                }
                Err(error) => log::warn!("{error:#}"),
            }
        }
        Ok(aborted)
    }
}
