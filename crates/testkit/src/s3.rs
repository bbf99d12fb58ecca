//! The test S3 server (SeaweedFS in the local stack) and an S3 client independent of the code
//! under test, to see what really is in the bucket.

use std::{path::PathBuf, sync::Arc};

use object_store::aws::{AmazonS3, AmazonS3Builder};

/// How to reach the test S3 server: `WEAPP_TEST_S3_*`, else the local stack's defaults and its
/// generated credentials (`.run/s3-credentials.env`, written by `scripts/up`).
#[derive(Clone)]
pub struct S3Target {
    /// `WEAPP_TEST_S3_ENDPOINT`, default `http://127.0.0.1:8333`.
    pub endpoint: String,
    /// `WEAPP_TEST_S3_BUCKET`, default `album`.
    pub bucket: String,
    /// `WEAPP_TEST_S3_REGION`, default `us-east-1`.
    pub region: String,
    /// `WEAPP_TEST_S3_ACCESS_KEY`, else `WEAPP_S3_ACCESS_KEY` from the credentials file.
    pub access_key: String,
    /// `WEAPP_TEST_S3_SECRET_KEY`, else `WEAPP_S3_SECRET_KEY` from the credentials file.
    pub secret_key: String,
}

/// The workspace's top folder (where `.run/` lives).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| PathBuf::from("."))
}

/// The variable `name`, else `credentials_name` from `.run/s3-credentials.env`, else `default`.
fn setting(name: &str, credentials_name: &str, default: &str) -> String {
    if let Ok(value) = std::env::var(name)
        && !value.is_empty()
    {
        return value;
    }
    let file = workspace_root().join(".run/s3-credentials.env");
    std::fs::read_to_string(file)
        .ok()
        .and_then(|text| {
            text.lines().find_map(|line| {
                line.strip_prefix(&format!("{credentials_name}="))
                    .map(|value| value.trim().trim_matches('"').to_owned())
            })
        })
        .unwrap_or_else(|| default.to_owned())
}

impl S3Target {
    /// The target from the environment (see the field docs).
    pub fn from_env() -> Self {
        Self {
            endpoint: setting("WEAPP_TEST_S3_ENDPOINT", "-", "http://127.0.0.1:8333"),
            bucket: setting("WEAPP_TEST_S3_BUCKET", "-", "album"),
            region: setting("WEAPP_TEST_S3_REGION", "-", "us-east-1"),
            access_key: setting("WEAPP_TEST_S3_ACCESS_KEY", "WEAPP_S3_ACCESS_KEY", ""),
            secret_key: setting("WEAPP_TEST_S3_SECRET_KEY", "WEAPP_S3_SECRET_KEY", ""),
        }
    }

    /// Whether credentials were found (the stack is up or `WEAPP_TEST_S3_*` are set).
    pub fn has_credentials(&self) -> bool {
        !self.access_key.is_empty() && !self.secret_key.is_empty()
    }

    /// An S3 client on the bucket, path style, plain HTTP allowed.
    ///
    /// # Panics
    /// When the client cannot be configured (a malformed endpoint).
    pub fn client(&self) -> Arc<AmazonS3> {
        let store = AmazonS3Builder::new()
            .with_endpoint(&self.endpoint)
            .with_bucket_name(&self.bucket)
            .with_region(&self.region)
            .with_access_key_id(&self.access_key)
            .with_secret_access_key(&self.secret_key)
            .with_allow_http(true)
            .build();
        match store {
            Ok(store) => Arc::new(store),
            Err(error) => panic!("cannot configure the test S3 client: {error}"),
        }
    }
}
