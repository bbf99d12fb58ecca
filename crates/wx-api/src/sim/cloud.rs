//! [`Cloud`]: the simulated Cloud Run environment's names — bucket, file IDs, upload and
//! download URLs — in the shapes WeChat hands out:
//!
//! - bucket `7465-{env}-1250000000` (`7465-test2-4a89da-1258717764` in the documents);
//! - file ID `cloud://{env}.{bucket}/{path}`;
//! - upload URL `{public_url}/cos/{bucket}/{path}` (`https://cos.ap-shanghai.myqcloud.com/{bucket}/{path}`);
//! - download URL `{public_url}/tcb-dl/{bucket}/{path}?sign=…&t={expiry}` (like
//!   `https://{bucket}.tcb.qcloud.la/{path}?sign=…&t=…`), signed with the simulator's seed.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Escaped in a URL path segment: all but RFC 3986 unreserved characters.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Names and limits of the simulated environment.
#[derive(Debug, Clone)]
pub(super) struct Cloud {
    pub env: String,
    pub bucket: String,
    /// Scheme, host and port the URLs point at, without a trailing `/`.
    pub public_url: String,
    pub seed: String,
    pub ticket_lifetime_ms: u64,
    pub max_object_bytes: u64,
}

impl Cloud {
    pub(super) fn new(
        env: &str,
        public_url: &str,
        seed: &str,
        ticket_lifetime_secs: u64,
        max_object_bytes: u64,
    ) -> Self {
        Self {
            env: env.to_owned(),
            bucket: format!("7465-{env}-1250000000"),
            public_url: public_url.trim_end_matches('/').to_owned(),
            seed: seed.to_owned(),
            ticket_lifetime_ms: ticket_lifetime_secs.saturating_mul(1000),
            max_object_bytes,
        }
    }

    /// `cloud://{env}.{bucket}/{path}`.
    pub(super) fn file_id(&self, path: &str) -> String {
        format!("cloud://{}.{}/{path}", self.env, self.bucket)
    }

    /// The path of a file ID of this environment.
    pub(super) fn path_of(&self, file_id: &str) -> Option<String> {
        let prefix = format!("cloud://{}.{}/", self.env, self.bucket);
        file_id
            .strip_prefix(&prefix)
            .filter(|path| !path.is_empty())
            .map(str::to_owned)
    }

    /// Where the upload form of `path` goes.
    pub(super) fn upload_url(&self, path: &str) -> String {
        format!("{}/cos/{}/{}", self.public_url, self.bucket, encode(path))
    }

    /// A download URL of `path` valid until `expires_at` (Unix seconds).
    pub(super) fn download_url(&self, path: &str, expires_at: u64) -> String {
        format!(
            "{}/tcb-dl/{}/{}?sign={}&t={expires_at}",
            self.public_url,
            self.bucket,
            encode(path),
            self.sign(path, expires_at)
        )
    }

    /// Whether `sign` is this simulator's signature of `path` until `expires_at`.
    pub(super) fn verify(&self, path: &str, expires_at: u64, sign: &str) -> bool {
        bool::from(
            self.sign(path, expires_at)
                .as_bytes()
                .ct_eq(sign.as_bytes()),
        )
    }

    /// The file path a request path names, `{route}{bucket}/{escaped path}`, unescaped.
    pub(super) fn object_path(&self, request_path: &str, route: &str) -> Option<String> {
        let escaped = request_path
            .strip_prefix(route)?
            .strip_prefix(&self.bucket)?
            .strip_prefix('/')?;
        let path = percent_decode_str(escaped).decode_utf8().ok()?;
        (!path.is_empty()).then(|| path.into_owned())
    }

    /// 32 hex digits of SHA-256(seed ‖ 0 ‖ path ‖ 0 ‖ expiry).
    fn sign(&self, path: &str, expires_at: u64) -> String {
        let mut hasher = Sha256::new();
        for part in [self.seed.as_str(), path, &expires_at.to_string()] {
            hasher.update(part.as_bytes());
            hasher.update([0]);
        }
        hex::encode(&hasher.finalize()[..16])
    }
}

/// `path` with each segment percent-encoded, `/` kept.
fn encode(path: &str) -> String {
    path.split('/')
        .map(|segment| utf8_percent_encode(segment, SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cloud() -> Cloud {
        Cloud::new("wxsim-env", "http://127.0.0.1:9797/", "seed", 900, 1024)
    }

    #[test]
    fn names_have_wechats_shapes() {
        let cloud = cloud();
        assert_eq!(cloud.bucket, "7465-wxsim-env-1250000000");
        let file_id = cloud.file_id("album/a b.jpg");
        assert_eq!(
            file_id,
            "cloud://wxsim-env.7465-wxsim-env-1250000000/album/a b.jpg"
        );
        assert_eq!(cloud.path_of(&file_id).as_deref(), Some("album/a b.jpg"));
        assert_eq!(
            cloud.path_of("cloud://other.7465-other-1/album/a.jpg"),
            None
        );
        assert_eq!(
            cloud.upload_url("album/a b.jpg"),
            "http://127.0.0.1:9797/cos/7465-wxsim-env-1250000000/album/a%20b.jpg"
        );
    }

    #[test]
    fn request_paths_unescape_to_the_file_path() {
        let cloud = cloud();
        let path = "/cos/7465-wxsim-env-1250000000/album/%E5%9B%BE%20a.jpg";
        assert_eq!(
            cloud.object_path(path, "/cos/").as_deref(),
            Some("album/图 a.jpg")
        );
        assert_eq!(cloud.object_path("/cos/other/album/a.jpg", "/cos/"), None);
    }

    #[test]
    fn download_urls_are_signed_for_their_path_and_expiry() {
        let cloud = cloud();
        let url = cloud.download_url("a.jpg", 1_700_000_000);
        let sign = url
            .split("sign=")
            .nth(1)
            .and_then(|rest| rest.split('&').next())
            .unwrap_or_default();
        assert!(cloud.verify("a.jpg", 1_700_000_000, sign));
        assert!(!cloud.verify("a.jpg", 1_700_000_001, sign));
        assert!(!cloud.verify("b.jpg", 1_700_000_000, sign));
    }
}
