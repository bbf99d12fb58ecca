//! Direct S3 access with `object_store`: the baseline the album upload path is compared with,
//! and the fallback used to clean up what the bench wrote.

use std::time::Duration;

use anyhow::Context;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{
    Attribute, AttributeValue, Attributes, ClientOptions, ObjectStore, ObjectStoreExt, PutOptions,
    PutPayload, RetryConfig,
};
use secrecy::{ExposeSecret, SecretString};

use crate::photos::Photo;

/// Where and as whom to reach the S3 server; the benches' command-line flags (`--s3-endpoint`,
/// `--bucket`, `--region`, `--access-key`, `--secret-key`) and their environment variables.
#[derive(clap::Args)]
pub struct S3Target {
    /// S3 endpoint (path-style requests).
    #[arg(
        long = "s3-endpoint",
        env = "WEAPP_BENCH_S3_ENDPOINT",
        default_value = "http://127.0.0.1:8333"
    )]
    pub endpoint: String,
    /// Bucket.
    #[arg(long, env = "WEAPP_BENCH_S3_BUCKET", default_value = "album")]
    pub bucket: String,
    /// S3 signing region.
    #[arg(long, env = "WEAPP_BENCH_S3_REGION", default_value = "us-east-1")]
    pub region: String,
    /// S3 access key id.
    #[arg(long, env = "WEAPP_S3_ACCESS_KEY", hide_env_values = true, value_parser = secret)]
    pub access_key: SecretString,
    /// S3 secret access key.
    #[arg(long, env = "WEAPP_S3_SECRET_KEY", hide_env_values = true, value_parser = secret)]
    pub secret_key: SecretString,
}

/// A flag's value as a secret (never printed by `Debug`).
fn secret(value: &str) -> Result<SecretString, std::convert::Infallible> {
    Ok(SecretString::from(value))
}

/// Builds the store: path-style, plain HTTP allowed, and **no retries**, so that a failed PUT
/// counts as a failure instead of being hidden in a slower success.
///
/// # Errors
/// The endpoint or credentials are rejected by the builder.
pub fn store(target: &S3Target, concurrency: usize) -> anyhow::Result<AmazonS3> {
    let client = ClientOptions::new()
        .with_allow_http(true)
        .with_timeout(Duration::from_secs(30))
        .with_config(
            object_store::ClientConfigKey::PoolMaxIdlePerHost,
            concurrency.max(1).to_string(),
        );
    let retry = RetryConfig {
        max_retries: 0,
        ..RetryConfig::default()
    };
    AmazonS3Builder::new()
        .with_endpoint(&target.endpoint)
        .with_bucket_name(&target.bucket)
        .with_region(&target.region)
        .with_access_key_id(target.access_key.expose_secret())
        .with_secret_access_key(target.secret_key.expose_secret())
        .with_virtual_hosted_style_request(false)
        .with_allow_http(true)
        .with_client_options(client)
        .with_retry(retry)
        .build()
        .with_context(|| {
            format!(
                "configuring S3 at {} bucket {}",
                target.endpoint, target.bucket
            )
        })
}

/// Object key of the bench's `i`-th direct PUT: `weapp-bench/{run}/{i:06}.{ext}`.
///
/// A prefix of its own keeps the bench's objects apart from album's (root-level) keys and
/// easy to find if a run is interrupted before its clean-up.
pub fn bench_key(run_id: &str, i: usize, photo: &Photo) -> Path {
    Path::from(format!("weapp-bench/{run_id}/{i:06}.{}", photo.kind.ext()))
}

/// PUTs one photo with its content type, like album stores an upload.
///
/// # Errors
/// The S3 request failed.
pub async fn put(store: &AmazonS3, key: &Path, photo: &Photo) -> anyhow::Result<u64> {
    let mut attributes = Attributes::new();
    attributes.insert(
        Attribute::ContentType,
        AttributeValue::from(photo.kind.mime()),
    );
    let opts = PutOptions {
        attributes,
        ..PutOptions::default()
    };
    store
        .put_opts(key, PutPayload::from(photo.bytes.clone()), opts)
        .await
        .with_context(|| format!("PUT {key}"))?;
    Ok(photo.bytes.len() as u64)
}

/// Deletes one key (a missing key is not an error in S3).
///
/// # Errors
/// The S3 request failed.
pub async fn delete(store: &AmazonS3, key: &Path) -> anyhow::Result<()> {
    store
        .delete(key)
        .await
        .with_context(|| format!("DELETE {key}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::photos::ImageType;

    #[test]
    fn bench_keys_are_prefixed_numbered_and_typed() {
        let photo = Photo {
            name: "x.png".into(),
            kind: ImageType::Png,
            bytes: bytes::Bytes::from_static(b"\x89PNG"),
        };
        assert_eq!(
            bench_key("r1", 42, &photo).as_ref(),
            "weapp-bench/r1/000042.png"
        );
    }
}
