//! Builds the configured [`ObjectStore`] with its public URL prefix and direct-upload signer.

use std::sync::Arc;

use anyhow::Context;
use object_store::{ObjectStore, local::LocalFileSystem, memory::InMemory};
use secrecy::ExposeSecret;
use weapp_common::{
    cos::{Credentials, Endpoint, v5_region},
    s3::{ClientSettings, S3Bucket},
};

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
    let bucket = S3Bucket::new(
        Some(&settings.storage.endpoint),
        &bucket_name(settings),
        v5_region(&settings.cos.region),
        settings.storage.path_style,
    )
    .context("storage.endpoint")?;
    let s3 = bucket
        .client(ClientSettings {
            access_key_id: &settings.cos.secret_id,
            secret_access_key: settings.cos.secret_key.expose_secret(),
            timeout: settings.storage_timeout(),
            max_retries: settings.storage.max_retries,
        })
        .context("configuring the S3 client")?;
    let s3 = Arc::new(s3);

    let signer = if cos {
        let credentials = Credentials::new(
            settings.cos.secret_id.clone(),
            settings.cos.secret_key.clone(),
        );
        let endpoint = Endpoint::parse(&bucket.virtual_hosted_url())
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
        public_prefix: Some(format!("{}/", bucket.base_url())),
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
