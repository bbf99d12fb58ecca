//! One S3 bucket as the services reach it through `object_store` (feature `s3`): where its
//! requests go, the public base URL of its objects, and the configured client.
//!
//! Tencent COS speaks the S3 API at `https://cos.{region}.myqcloud.com` with virtual-hosted
//! buckets (`https://{bucket}.cos.{region}.myqcloud.com`,
//! <https://cloud.tencent.com/document/product/436/6224>); other S3 stores (SeaweedFS, MinIO)
//! usually want path style (`{endpoint}/{bucket}/{key}`). album and wecos both build their
//! store here, so the two read one bucket the same way.

use std::time::Duration;

use object_store::{
    BackoffConfig, ClientOptions, RetryConfig, aws::AmazonS3, aws::AmazonS3Builder,
};

/// The endpoint could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BucketError {
    /// Not an absolute `http(s)://` URL.
    #[error("{0:?} is not an http(s) URL")]
    NotAUrl(String),
    /// A URL without a host (`file:///x`, `http://`).
    #[error("{0:?} has no host")]
    NoHost(String),
}

/// A bucket on an S3 endpoint and its addressing style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Bucket {
    /// The endpoint without a trailing `/`: `https://cos.ap-guangzhou.myqcloud.com`,
    /// `http://127.0.0.1:8333`.
    endpoint: String,
    /// `http` or `https`.
    scheme: String,
    /// `host` or `host:port` of the endpoint.
    authority: String,
    bucket: String,
    region: String,
    path_style: bool,
}

/// How the client behaves: credentials, per-request timeout and retries.
#[derive(Clone, Copy)]
pub struct ClientSettings<'a> {
    /// Access key id (COS `SecretId`).
    pub access_key_id: &'a str,
    /// Secret access key (COS `SecretKey`); never logged.
    pub secret_access_key: &'a str,
    /// Each request's timeout, and the most time spent retrying one operation.
    pub timeout: Duration,
    /// Retries of a failed request (object_store's exponential backoff).
    pub max_retries: usize,
}

impl S3Bucket {
    /// `bucket` in `region` at `endpoint` (`None` or empty: COS,
    /// `https://cos.{region}.myqcloud.com`), path style or virtual-hosted.
    ///
    /// # Errors
    /// [`BucketError`] when the endpoint is not an `http(s)` URL with a host.
    pub fn new(
        endpoint: Option<&str>,
        bucket: &str,
        region: &str,
        path_style: bool,
    ) -> Result<Self, BucketError> {
        let endpoint = match endpoint.map(|text| text.trim_end_matches('/')) {
            Some(given) if !given.is_empty() => given.to_owned(),
            _ => format!("https://cos.{region}.myqcloud.com"),
        };
        let url = url::Url::parse(&endpoint).map_err(|_| BucketError::NotAUrl(endpoint.clone()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(BucketError::NotAUrl(endpoint));
        }
        let Some(host) = url.host_str().filter(|host| !host.is_empty()) else {
            return Err(BucketError::NoHost(endpoint));
        };
        let authority = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        Ok(Self {
            scheme: url.scheme().to_owned(),
            authority,
            endpoint,
            bucket: bucket.to_owned(),
            region: region.to_owned(),
            path_style,
        })
    }

    /// The bucket name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Whether requests are path style.
    pub fn path_style(&self) -> bool {
        self.path_style
    }

    /// The virtual-hosted base URL, `{scheme}://{bucket}.{authority}`, whatever the style
    /// (COS's own request signing and presigned URLs use it).
    pub fn virtual_hosted_url(&self) -> String {
        format!("{}://{}.{}", self.scheme, self.bucket, self.authority)
    }

    /// The base URL of the bucket's objects, without a trailing `/`: `{endpoint}/{bucket}` in
    /// path style, else [`S3Bucket::virtual_hosted_url`]. An object's URL is this + `/` + key.
    pub fn base_url(&self) -> String {
        if self.path_style {
            format!("{}/{}", self.endpoint, self.bucket)
        } else {
            self.virtual_hosted_url()
        }
    }

    /// The `object_store` client of the bucket; plain `http` is allowed only when the endpoint
    /// is `http`.
    ///
    /// # Errors
    /// What [`AmazonS3Builder::build`] refuses.
    pub fn client(&self, settings: ClientSettings<'_>) -> Result<AmazonS3, object_store::Error> {
        let allow_http = self.scheme == "http";
        // Virtual-hosted style: object_store expects the endpoint to name the bucket already.
        let endpoint = if self.path_style {
            self.endpoint.clone()
        } else {
            self.virtual_hosted_url()
        };
        AmazonS3Builder::new()
            .with_endpoint(endpoint)
            .with_bucket_name(&self.bucket)
            .with_region(&self.region)
            .with_access_key_id(settings.access_key_id)
            .with_secret_access_key(settings.secret_access_key)
            .with_virtual_hosted_style_request(!self.path_style)
            .with_allow_http(allow_http)
            .with_client_options(
                ClientOptions::new()
                    .with_timeout(settings.timeout)
                    .with_allow_http(allow_http),
            )
            .with_retry(RetryConfig {
                backoff: BackoffConfig::default(),
                max_retries: settings.max_retries,
                retry_timeout: settings.timeout,
            })
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cos_is_the_default_endpoint_with_virtual_hosted_buckets() {
        for endpoint in [None, Some("")] {
            let bucket = S3Bucket::new(endpoint, "album-1250000000", "ap-guangzhou", false)
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                bucket.base_url(),
                "https://album-1250000000.cos.ap-guangzhou.myqcloud.com"
            );
            assert_eq!(bucket.virtual_hosted_url(), bucket.base_url());
        }
    }

    #[test]
    fn path_style_puts_the_bucket_after_the_endpoint() {
        let bucket = S3Bucket::new(Some("http://127.0.0.1:8333/"), "album", "us-east-1", true)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(bucket.base_url(), "http://127.0.0.1:8333/album");
        assert_eq!(bucket.virtual_hosted_url(), "http://album.127.0.0.1:8333");
        assert!(bucket.path_style());
        assert_eq!(bucket.bucket(), "album");
    }

    #[test]
    fn virtual_hosted_keeps_scheme_and_port() {
        let bucket = S3Bucket::new(Some("https://s3.example.com:9443"), "pics", "eu", false)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(bucket.base_url(), "https://pics.s3.example.com:9443");
    }

    #[test]
    fn unusable_endpoints_are_refused() {
        assert_eq!(
            S3Bucket::new(Some("127.0.0.1:8333"), "b", "r", true),
            Err(BucketError::NotAUrl("127.0.0.1:8333".into()))
        );
        assert_eq!(
            S3Bucket::new(Some("ftp://host"), "b", "r", true),
            Err(BucketError::NotAUrl("ftp://host".into()))
        );
        assert!(matches!(
            S3Bucket::new(Some("not a url"), "b", "r", true),
            Err(BucketError::NotAUrl(_))
        ));
    }

    #[test]
    fn clients_build_for_both_styles() {
        let settings = ClientSettings {
            access_key_id: "id",
            secret_access_key: "key",
            timeout: Duration::from_secs(5),
            max_retries: 2,
        };
        for path_style in [true, false] {
            let bucket = S3Bucket::new(
                Some("http://127.0.0.1:8333"),
                "album",
                "us-east-1",
                path_style,
            )
            .unwrap_or_else(|e| panic!("{e}"));
            let client = bucket.client(settings).unwrap_or_else(|e| panic!("{e}"));
            assert!(client.to_string().contains("album"), "{client}");
        }
    }
}
