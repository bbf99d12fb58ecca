//! Builds the configured [`ObjectStore`] with its public URL prefix and direct-upload signer.

use std::sync::Arc;

use anyhow::Context;
use object_store::{
    BackoffConfig, ClientOptions, ObjectStore, RetryConfig, aws::AmazonS3Builder,
    local::LocalFileSystem, memory::InMemory,
};
use secrecy::ExposeSecret;
use weapp_common::cos::{Credentials, Endpoint, v5_region};

use super::direct::DirectSigner;
use crate::settings::{Backend, Settings};

/// What [`build`] returns.
pub(super) struct Built {
    pub store: Arc<dyn ObjectStore>,
    /// The public URL prefix of the bucket, when the backend has one.
    pub public_prefix: Option<String>,
    pub content_type_attribute: bool,
    pub signer: DirectSigner,
}

/// The XML API bucket name: `{bucket}-{app_id}` when an APPID is configured and the bucket
/// does not already end with it (COS v5 names buckets `name-appid`).
fn bucket_name(settings: &Settings) -> String {
    let (bucket, app_id) = (&settings.cos.bucket, &settings.cos.app_id);
    if app_id.is_empty() || bucket.ends_with(&format!("-{app_id}")) {
        bucket.clone()
    } else {
        format!("{bucket}-{app_id}")
    }
}

pub(super) fn build(settings: &Settings) -> anyhow::Result<Built> {
    match settings.storage.backend {
        Backend::Local => {
            let dir = &settings.storage.data_dir;
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating the data directory {}", dir.display()))?;
            let store = LocalFileSystem::new_with_prefix(dir)
                .with_context(|| format!("opening the data directory {}", dir.display()))?
                .with_automatic_cleanup(true);
            Ok(Built {
                store: Arc::new(store),
                public_prefix: None,
                content_type_attribute: false,
                signer: DirectSigner::album(&settings.upload.signing_key),
            })
        }
        Backend::Memory => Ok(Built {
            store: Arc::new(InMemory::new()),
            public_prefix: None,
            content_type_attribute: true,
            signer: DirectSigner::album(&settings.upload.signing_key),
        }),
        Backend::S3 | Backend::Cos => build_s3(settings),
    }
}

fn build_s3(settings: &Settings) -> anyhow::Result<Built> {
    let cos = settings.storage.backend == Backend::Cos;
    let bucket = bucket_name(settings);
    let region = v5_region(&settings.cos.region).to_owned();
    let endpoint = if settings.storage.endpoint.is_empty() {
        format!("https://cos.{region}.myqcloud.com")
    } else {
        settings.storage.endpoint.trim_end_matches('/').to_owned()
    };
    let endpoint_url = url::Url::parse(&endpoint).context("storage.endpoint is not a URL")?;
    let host = endpoint_url
        .host_str()
        .context("storage.endpoint has no host")?;
    let host_port = match endpoint_url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    let scheme = endpoint_url.scheme();
    let path_style = settings.storage.path_style;
    // The bucket's own base URL: what images and presigned URLs point at.
    let bucket_base = if path_style {
        format!("{endpoint}/{bucket}")
    } else {
        format!("{scheme}://{bucket}.{host_port}")
    };

    let options = ClientOptions::new()
        .with_timeout(settings.storage_timeout())
        .with_allow_http(scheme == "http");
    // With virtual-hosted style object_store expects the endpoint to include the bucket.
    let store_endpoint = if path_style {
        endpoint.clone()
    } else {
        bucket_base.clone()
    };
    let s3 = AmazonS3Builder::new()
        .with_endpoint(store_endpoint)
        .with_bucket_name(&bucket)
        .with_region(&region)
        .with_access_key_id(&settings.cos.secret_id)
        .with_secret_access_key(settings.cos.secret_key.expose_secret())
        .with_virtual_hosted_style_request(!path_style)
        .with_allow_http(scheme == "http")
        .with_client_options(options)
        .with_retry(RetryConfig {
            backoff: BackoffConfig::default(),
            max_retries: settings.storage.max_retries,
            retry_timeout: settings.storage_timeout(),
        })
        .build()
        .context("configuring the S3 client")?;
    let s3 = Arc::new(s3);

    let signer = if cos {
        let credentials = Credentials::new(
            settings.cos.secret_id.clone(),
            settings.cos.secret_key.clone(),
        );
        let endpoint = Endpoint::parse(&format!("{scheme}://{bucket}.{host_port}"))
            .context("COS endpoint for direct uploads")?;
        DirectSigner::Cos {
            credentials,
            endpoint,
        }
    } else {
        DirectSigner::S3(Arc::clone(&s3))
    };
    Ok(Built {
        store: s3,
        public_prefix: Some(format!("{bucket_base}/")),
        content_type_attribute: true,
        signer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_regions_map_to_cos_v5_names() {
        assert_eq!(v5_region("cn-north"), "ap-beijing-1");
        assert_eq!(v5_region("cn-south"), "ap-guangzhou");
        assert_eq!(v5_region("ap-shanghai"), "ap-shanghai");
    }

    #[test]
    fn bucket_gets_the_appid_suffix_once() {
        let mut settings = Settings::default();
        settings.cos.bucket = "album".into();
        settings.cos.app_id = "1250000000".into();
        assert_eq!(bucket_name(&settings), "album-1250000000");
        settings.cos.bucket = "album-1250000000".into();
        assert_eq!(bucket_name(&settings), "album-1250000000");
        settings.cos.app_id = String::new();
        assert_eq!(bucket_name(&settings), "album-1250000000");
    }
}
