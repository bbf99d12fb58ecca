//! Where the images go: one [`ObjectStore`] (COS through its S3 API, or any S3 store), the
//! object keys under `cos.folder`, and the public URL of each object.
//!
//! - Key: `cos.folder` + the image's path relative to `appDir` with `/` separators
//!   (`spec/originals.md` §5.2, v2: "Key = folder + remotePath").
//! - URL: the unsigned object URL, as cos-nodejs-sdk-v5's `getObjectUrl` with `Sign: false`
//!   gives it: `https://{bucket}.cos.{region}.myqcloud.com/{key}` for COS; for another S3 store
//!   `{endpoint}/{bucket}/{key}` (path style) or `{scheme}://{bucket}.{host}/{key}`. The key is
//!   percent-encoded segment by segment ([`weapp_common::cos::endpoint::object_url_path`]).
//!
//! Keys are the file names as they are (Chinese, spaces, `%`, `#` …): object_store's
//! `Path::parse`, not `Path::from`, which would percent-encode them into other names. A name
//! with a control character, which no S3 key should hold, is refused.

use std::{sync::Arc, time::Duration};

use anyhow::Context;
use bytes::Bytes;
use object_store::{Attribute, Attributes, ObjectStore, PutOptions, PutPayload, path::Path};
use secrecy::ExposeSecret;
use weapp_common::{
    cos::{Endpoint, endpoint::object_url_path},
    s3::{ClientSettings, S3Bucket},
};

use crate::config::CosConfig;

/// The configured store, its folder and public URL base.
#[derive(Debug, Clone)]
pub struct Store {
    store: Arc<dyn ObjectStore>,
    /// `cos.folder`: `""` or `"a/b/"`.
    folder: String,
    /// The bucket's base URL, without a trailing `/`.
    base_url: String,
}

/// One object written by [`Store::put`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The object key as stored.
    pub key: String,
    /// Its public (unsigned) URL.
    pub url: String,
}

impl Store {
    /// The store `cos` describes: COS at `https://{bucket}.cos.{region}.myqcloud.com` (virtual
    /// host), or the S3 store at `cos.endpoint`.
    ///
    /// # Errors
    /// A malformed endpoint, bucket or region, or a client that cannot be configured.
    pub fn from_config(cos: &CosConfig) -> anyhow::Result<Self> {
        if cos.endpoint.is_none() {
            Endpoint::cos(&cos.bucket, &cos.region)
                .context("cos.bucket / cos.region do not name a COS bucket")?;
        }
        let bucket = S3Bucket::new(
            cos.endpoint.as_deref(),
            &cos.bucket,
            &cos.region,
            cos.path_style,
        )
        .context("cos.endpoint")?;
        let store = bucket
            .client(ClientSettings {
                access_key_id: &cos.secret_id,
                secret_access_key: cos.secret_key.expose_secret(),
                timeout: Duration::from_secs(cos.timeout_secs.max(1)),
                max_retries: cos.max_retries,
            })
            .context("configuring the S3 client")?;
        let base_url = bucket.base_url();
        Ok(Self {
            store: Arc::new(store),
            folder: cos.folder.clone(),
            base_url,
        })
    }

    /// A store over `store` (tests and benchmarks): keys under `folder` (`""` or `"a/b/"`),
    /// URLs under `base_url`.
    pub fn new(store: Arc<dyn ObjectStore>, folder: &str, base_url: &str) -> Self {
        Self {
            store,
            folder: folder.to_owned(),
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }

    /// The underlying object store.
    pub fn object_store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// The object path of the image at `relative` (app-relative, `/`-separated).
    ///
    /// # Errors
    /// A name with a control character, or `.`/`..`/empty segments.
    pub fn path_for(&self, relative: &str) -> Result<Path, object_store::path::Error> {
        Path::parse(format!("{}{relative}", self.folder))
    }

    /// The public URL of the object at `path`.
    pub fn url_for(&self, path: &Path) -> String {
        // A Path is never empty here (an image has a file name); fall back to the bare base.
        let encoded = object_url_path(path.as_ref()).unwrap_or_default();
        format!("{}{encoded}", self.base_url)
    }

    /// Write `bytes` as the image at `relative` with the `Content-Type` its extension implies.
    ///
    /// # Errors
    /// Whatever the store answers (unreachable, refused credentials, no such bucket), after
    /// the configured retries.
    pub async fn put(&self, relative: &str, bytes: Bytes) -> object_store::Result<Stored> {
        let path = self
            .path_for(relative)
            .map_err(|source| object_store::Error::InvalidPath { source })?;
        let content_type = mime_guess::from_path(relative).first_or_octet_stream();
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, content_type.to_string().into());
        let options = PutOptions {
            attributes,
            ..PutOptions::default()
        };
        self.store
            .put_opts(&path, PutPayload::from_bytes(bytes), options)
            .await?;
        Ok(Stored {
            url: self.url_for(&path),
            key: path.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use object_store::{ObjectStoreExt, memory::InMemory};
    use secrecy::SecretString;

    use super::*;

    fn cos(endpoint: Option<&str>, path_style: bool) -> CosConfig {
        CosConfig {
            secret_id: "AKIDEXAMPLE".into(),
            secret_key: SecretString::from("secret"),
            region: "ap-guangzhou".into(),
            bucket: "demo-1250000000".into(),
            folder: "mini/".into(),
            endpoint: endpoint.map(str::to_owned),
            path_style,
            timeout_secs: 5,
            max_retries: 0,
        }
    }

    #[test]
    fn cos_urls_are_the_unsigned_object_urls_of_the_bucket_domain() -> anyhow::Result<()> {
        let store = Store::from_config(&cos(None, false))?;
        let path = store.path_for("images/猫 01.png")?;
        assert_eq!(path.as_ref(), "mini/images/猫 01.png");
        assert_eq!(
            store.url_for(&path),
            "https://demo-1250000000.cos.ap-guangzhou.myqcloud.com/mini/images/%E7%8C%AB%2001.png"
        );
        Ok(())
    }

    #[test]
    fn s3_endpoints_give_path_style_or_virtual_host_urls() -> anyhow::Result<()> {
        let path_style = Store::from_config(&cos(Some("http://127.0.0.1:8333/"), true))?;
        let path = path_style.path_for("a%#.png")?;
        assert_eq!(
            path_style.url_for(&path),
            "http://127.0.0.1:8333/demo-1250000000/mini/a%25%23.png"
        );
        let hosted = Store::from_config(&cos(Some("https://s3.example.com"), false))?;
        assert_eq!(
            hosted.url_for(&path),
            "https://demo-1250000000.s3.example.com/mini/a%25%23.png"
        );
        Ok(())
    }

    #[test]
    fn names_with_control_characters_are_refused() -> anyhow::Result<()> {
        let store = Store::from_config(&cos(None, false))?;
        assert!(store.path_for("images/a\u{7}.png").is_err());
        Ok(())
    }

    #[test]
    fn a_bad_endpoint_is_refused_with_its_value() {
        let refused = Store::from_config(&cos(Some("not a url"), true));
        let message = refused.err().map(|e| format!("{e:#}")).unwrap_or_default();
        assert!(message.contains("not a url"), "{message}");
    }

    #[tokio::test]
    async fn put_stores_the_bytes_with_their_content_type() -> anyhow::Result<()> {
        let memory: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
        let store = Store::new(Arc::clone(&memory), "f/", "http://cdn.test/b/");
        let stored = store.put("x/y.jpg", Bytes::from_static(b"jpeg")).await?;
        assert_eq!(stored.key, "f/x/y.jpg");
        assert_eq!(stored.url, "http://cdn.test/b/f/x/y.jpg");
        let got = memory.get(&Path::from("f/x/y.jpg")).await?;
        assert_eq!(
            got.attributes
                .get(&Attribute::ContentType)
                .map(|v| v.as_ref()),
            Some("image/jpeg")
        );
        assert_eq!(got.bytes().await?, Bytes::from_static(b"jpeg"));
        Ok(())
    }
}
