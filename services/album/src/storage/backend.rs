//! Builds the configured [`ObjectStore`] with its public URL prefix and direct-upload signer.

use std::sync::Arc;

use anyhow::Context;
use object_store::{ObjectStore, local::LocalFileSystem, memory::InMemory};
use secrecy::ExposeSecret;
use weapp_common::{
    cos::{Credentials, Endpoint, v5_region},
    s3::{ClientSettings, S3Bucket},
};

use super::{
    range::RangeLister,
    signer::{MacKey, Signer, StoreSigner, form::S3Post},
    tcb::TcbStore,
    uploads::Sweeper,
};
use crate::{
    index::Index,
    keys::Folder,
    settings::{Backend, IndexStore, Settings, bucket_name},
};

/// What [`build`] returns.
pub(super) struct Built {
    pub store: Arc<dyn ObjectStore>,
    /// The public URL prefix of the bucket, when the backend has one.
    pub public_prefix: Option<String>,
    /// Whether the store keeps `Content-Type` and user metadata.
    pub attributes: bool,
    pub signer: Signer,
    /// The sweeper of unfinished multipart uploads (S3 and COS).
    pub sweeper: Option<Sweeper>,
    /// The Cloud Run store, when that is the backend.
    pub tcb: Option<TcbStore>,
    /// The store again where it lists by key range (S3, COS).
    pub lister: Option<RangeLister>,
}

/// Build the configured backend; `index` is the album's (the `tcb` backend lists from it).
pub(super) fn build(settings: &Settings, index: &Index) -> anyhow::Result<Built> {
    let mac = MacKey::from_config(&settings.upload.signing_key);
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
                attributes: false,
                signer: Signer::new(StoreSigner::Album, mac),
                sweeper: None,
                tcb: None,
                lister: None,
            })
        }
        Backend::Memory => Ok(Built {
            store: Arc::new(InMemory::new()),
            public_prefix: None,
            attributes: true,
            signer: Signer::new(StoreSigner::Album, mac),
            sweeper: None,
            tcb: None,
            lister: None,
        }),
        Backend::S3 | Backend::Cos => build_s3(settings, mac),
        Backend::Tcb => build_tcb(settings, index, mac),
    }
}

/// The Cloud Run backend: a token keeper of `wx.*` and `storage.tcb.token`, its storage client,
/// the index as its list.
fn build_tcb(settings: &Settings, index: &Index, mac: MacKey) -> anyhow::Result<Built> {
    if settings.index.store != IndexStore::Redis || !matches!(index, Index::Redis(_)) {
        anyhow::bail!(
            "storage.backend = tcb needs index.store = redis: Cloud Run storage cannot list \
             files, so the album's list lives in its Redis index"
        );
    }
    let tcb = &settings.storage.tcb;
    let client = wx_api::WxClient::new(settings.wx.clone())
        .context("configuring the WeChat API client (wx.*)")?;
    let token = tcb.token_config(&settings.redis.connection_url());
    let keeper = wx_api::TokenKeeper::new(client, &token).context("storage.tcb.token")?;
    let cloud = wx_api::CloudStorage::new(keeper, &tcb.cloud_run()).context("storage.tcb.env")?;
    let store = TcbStore::new(
        cloud,
        index.clone(),
        Folder::new(&settings.cos.folder).prefix(),
        settings.storage_timeout(),
        std::time::Duration::from_secs(tcb.url_max_age_secs),
    )?;
    Ok(Built {
        store: Arc::new(store.clone()),
        public_prefix: Some(String::new()),
        attributes: false,
        signer: Signer::new(StoreSigner::Tcb, mac),
        sweeper: None,
        tcb: Some(store),
        lister: None,
    })
}

fn build_s3(settings: &Settings, mac: MacKey) -> anyhow::Result<Built> {
    let cos = settings.storage.backend == Backend::Cos;
    let bucket = S3Bucket::new(
        Some(&settings.storage.endpoint),
        &bucket_name(&settings.cos),
        v5_region(&settings.cos.region),
        settings.storage.path_style,
    )
    .context("storage.endpoint")?;
    // Where clients reach the same bucket: presigned URLs sign its host.
    let public = if settings.storage.public_endpoint.is_empty() {
        bucket.clone()
    } else {
        S3Bucket::new(
            Some(&settings.storage.public_endpoint),
            &bucket_name(&settings.cos),
            v5_region(&settings.cos.region),
            settings.storage.path_style,
        )
        .context("storage.public_endpoint")?
    };
    let s3 = bucket
        .client(ClientSettings {
            access_key_id: &settings.cos.secret_id,
            secret_access_key: settings.cos.secret_key.expose_secret(),
            timeout: settings.storage_timeout(),
            max_retries: settings.storage.max_retries,
        })
        .context("configuring the S3 client")?;
    let s3 = Arc::new(s3);

    let store_signer = if cos {
        let credentials = Credentials::new(
            settings.cos.secret_id.clone(),
            settings.cos.secret_key.clone(),
        );
        let endpoint = Endpoint::parse(&public.virtual_hosted_url())
            .context("COS endpoint for direct uploads")?;
        StoreSigner::Cos {
            credentials,
            endpoint,
            bucket: bucket.bucket().to_owned(),
        }
    } else {
        StoreSigner::S3 {
            post: S3Post::new(
                &public.base_url(),
                bucket.bucket(),
                v5_region(&settings.cos.region),
                &settings.cos.secret_id,
                settings.cos.secret_key.clone(),
            )
            .context("S3 direct-upload signing")?,
        }
    };
    let sweeper = Sweeper::new(
        &bucket.base_url(),
        v5_region(&settings.cos.region),
        &settings.cos.secret_id,
        settings.cos.secret_key.clone(),
        Folder::new(&settings.cos.folder).prefix(),
        settings.storage_timeout(),
    )?;
    Ok(Built {
        store: s3.clone(),
        lister: Some(RangeLister(s3)),
        public_prefix: Some(format!("{}/", public.base_url())),
        attributes: true,
        signer: Signer::new(store_signer, mac),
        sweeper: Some(sweeper),
        tcb: None,
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
}
