//! The legacy COS v4 JSON API signature (`sign_more` / `sign_once`) that the 2016–17 demos
//! sent as `Authorization: <sign>`.
//!
//! `sign = Base64(HMAC-SHA1(SecretKey, plain) ‖ plain)` — standard Base64 with padding, the
//! 20 raw MAC bytes followed by the plain text's UTF-8 bytes — where `plain` is
//! `a=<appid>&b=<bucket>&k=<SecretId>&e=<expiry>&t=<now>&r=<rand>&f=<fileid>`. The server
//! parses the pairs, so their order is free; the SDKs and the doc disagree on it and the
//! vectors record exact bytes, hence [`sign_plain`] over any text plus [`V4Plain`] to build
//! it. Source: the COS v4 "Signature and Authentication" doc (tencentyun/qcloud-documents) and
//! `tests/fixtures/vectors/cos_v4_sign.json`. The v4 endpoint family is retired; this exists to
//! reproduce the demos byte for byte.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretString};

use subtle::ConstantTimeEq;

use super::encode::encode_path;
use super::{Credentials, SignError};
use crate::crypto::hmac_sha1;

/// Signs an exact plain text: `Base64(HMAC-SHA1(secret_key, plain) ‖ plain)`.
pub fn sign_plain(secret_key: &SecretString, plain: &str) -> String {
    let mac = hmac_sha1(secret_key.expose_secret().as_bytes(), plain.as_bytes());
    let mut bytes = Vec::with_capacity(mac.len() + plain.len());
    bytes.extend_from_slice(&mac);
    bytes.extend_from_slice(plain.as_bytes());
    STANDARD.encode(bytes)
}

/// The v4 file id `/{appid}/{bucket}/{path}`, the path encoded as the Python v4 SDK does
/// (`urllib.quote(utf8, safe="~/")`: `A-Z a-z 0-9 _ . - ~ /` kept, everything else `%XX`,
/// so `( ) !` are encoded). One leading `/` of `path` is dropped.
pub fn fileid(appid: u64, bucket: &str, path: &str) -> String {
    let path = path.strip_prefix('/').unwrap_or(path);
    format!("/{appid}/{bucket}/{}", encode_path(path))
}

/// One `name=value` field of the v4 plain text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum V4Field {
    /// `a`: the APPID.
    AppId,
    /// `b`: the bucket's short name (without `-appid`).
    Bucket,
    /// `k`: the SecretId.
    SecretId,
    /// `e`: expiry (unix seconds; `0` for one-time signatures).
    Expiry,
    /// `t`: issue time (unix seconds).
    Now,
    /// `r`: random decimal (at most 10 digits).
    Rand,
    /// `f`: file id or empty.
    FileId,
}

impl V4Field {
    /// `a,b,k,e,t,r,f`: the order of the doc's §3.2 and the Python v4 SDK.
    pub const DEFAULT_ORDER: [Self; 7] = [
        Self::AppId,
        Self::Bucket,
        Self::SecretId,
        Self::Expiry,
        Self::Now,
        Self::Rand,
        Self::FileId,
    ];
}

/// The fields of a v4 plain text, rendered in any order by [`render_in`](Self::render_in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V4Plain {
    appid: u64,
    bucket: String,
    secret_id: String,
    expiry: u64,
    now: u64,
    rand: u32,
    fileid: String,
}

impl V4Plain {
    /// Renders `a=…&b=…&k=…&e=…&t=…&r=…&f=…` (values as given, not encoded).
    pub fn render(&self) -> String {
        self.render_in(&V4Field::DEFAULT_ORDER)
    }

    /// Renders the listed fields in the listed order, joined by `&`.
    pub fn render_in(&self, order: &[V4Field]) -> String {
        let fields: Vec<String> = order
            .iter()
            .map(|field| match field {
                V4Field::AppId => format!("a={}", self.appid),
                V4Field::Bucket => format!("b={}", self.bucket),
                V4Field::SecretId => format!("k={}", self.secret_id),
                V4Field::Expiry => format!("e={}", self.expiry),
                V4Field::Now => format!("t={}", self.now),
                V4Field::Rand => format!("r={}", self.rand),
                V4Field::FileId => format!("f={}", self.fileid),
            })
            .collect();
        fields.join("&")
    }
}

/// A v4 signer for one bucket, like the Python v4 SDK's `Auth`. `Debug` hides the secret key.
#[derive(Debug, Clone)]
pub struct V4Signer {
    credentials: Credentials,
    appid: u64,
    bucket: String,
}

impl V4Signer {
    /// A signer for bucket `bucket` (short name, e.g. `newbucket`) of `appid`.
    pub fn new(credentials: Credentials, appid: u64, bucket: impl Into<String>) -> Self {
        Self {
            credentials,
            appid,
            bucket: bucket.into(),
        }
    }

    /// The multi-effect plain text (upload, list, stat, create-dir): `e = expire_at`, `t =
    /// now`, `r = rand`; `f` empty when `path` is `None` (the doc) or the [`fileid`] of
    /// `path` (what Python SDK 0.0.26 and Node `getV4Auth` send).
    ///
    /// # Errors
    /// [`SignError::ExpiryNotAfterNow`] unless `expire_at > now`. (The doc's 90-day maximum
    /// is left to the server.)
    pub fn plain_more(
        &self,
        now: u64,
        expire_at: u64,
        rand: u32,
        path: Option<&str>,
    ) -> Result<V4Plain, SignError> {
        if expire_at <= now {
            return Err(SignError::ExpiryNotAfterNow { now, expire_at });
        }
        let fileid = path.map_or_else(String::new, |p| fileid(self.appid, &self.bucket, p));
        Ok(self.plain(expire_at, now, rand, fileid))
    }

    /// The one-time plain text (delete, update): `e = 0`, `f =` [`fileid`] of `path`.
    pub fn plain_once(&self, now: u64, rand: u32, path: &str) -> V4Plain {
        self.plain(0, now, rand, fileid(self.appid, &self.bucket, path))
    }

    /// `sign_more`: [`sign_plain`] of [`plain_more`](Self::plain_more) in `a,b,k,e,t,r,f`
    /// order.
    ///
    /// # Errors
    /// [`SignError::ExpiryNotAfterNow`] unless `expire_at > now`.
    pub fn sign_more(
        &self,
        now: u64,
        expire_at: u64,
        rand: u32,
        path: Option<&str>,
    ) -> Result<String, SignError> {
        let plain = self.plain_more(now, expire_at, rand, path)?;
        Ok(self.sign(&plain))
    }

    /// `sign_once`: [`sign_plain`] of [`plain_once`](Self::plain_once) in `a,b,k,e,t,r,f`
    /// order.
    pub fn sign_once(&self, now: u64, rand: u32, path: &str) -> String {
        self.sign(&self.plain_once(now, rand, path))
    }

    /// Signs `plain` rendered in the default order with this signer's key.
    pub fn sign(&self, plain: &V4Plain) -> String {
        sign_plain(self.credentials.secret_key(), &plain.render())
    }

    fn plain(&self, expiry: u64, now: u64, rand: u32, fileid: String) -> V4Plain {
        V4Plain {
            appid: self.appid,
            bucket: self.bucket.clone(),
            secret_id: self.credentials.secret_id().to_owned(),
            expiry,
            now,
            rand,
            fileid,
        }
    }
}

/// A v4 signature opened by the server that made it: its fields, checked against the key.
///
/// The fields are the plain text's `name=value` pairs, values as sent (`f` still encoded the
/// way the signer wrote it). A field the plain text lacks is empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedSign {
    /// `a`: the APPID.
    pub appid: String,
    /// `b`: the bucket's short name.
    pub bucket: String,
    /// `k`: the SecretId.
    pub secret_id: String,
    /// `e`: expiry in unix seconds; `0` for a one-time signature.
    pub expiry: u64,
    /// `t`: issue time in unix seconds.
    pub now: u64,
    /// `r`: the random number.
    pub rand: String,
    /// `f`: the file id (or folder id), as sent.
    pub fileid: String,
    /// The 20-byte MAC, hex: unique per signature, a one-time signature's id.
    pub mac_hex: String,
}

/// Why a v4 signature was refused by [`open`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    /// Not standard Base64, shorter than a MAC, or a plain text that is not UTF-8 pairs with
    /// numeric `e` and `t`.
    #[error("malformed v4 signature")]
    Malformed,
    /// The MAC does not match the plain text under this key.
    #[error("v4 signature does not match")]
    Mismatch,
}

/// Check a v4 `sign` made with `secret_key` (constant-time MAC comparison) and return its
/// fields; the caller checks them against the request (APPID, bucket, expiry, file id).
///
/// # Errors
/// [`OpenError`].
pub fn open(secret_key: &SecretString, sign: &str) -> Result<OpenedSign, OpenError> {
    let raw = STANDARD
        .decode(sign.trim())
        .map_err(|_| OpenError::Malformed)?;
    if raw.len() <= 20 {
        return Err(OpenError::Malformed);
    }
    let (mac, plain) = raw.split_at(20);
    let plain = std::str::from_utf8(plain).map_err(|_| OpenError::Malformed)?;
    let expected = hmac_sha1(secret_key.expose_secret().as_bytes(), plain.as_bytes());
    if !bool::from(expected.ct_eq(mac)) {
        return Err(OpenError::Mismatch);
    }
    let mut opened = OpenedSign {
        appid: String::new(),
        bucket: String::new(),
        secret_id: String::new(),
        expiry: 0,
        now: 0,
        rand: String::new(),
        fileid: String::new(),
        mac_hex: hex::encode(mac),
    };
    for pair in plain.split('&') {
        let (name, value) = pair.split_once('=').ok_or(OpenError::Malformed)?;
        let number = || value.parse::<u64>().map_err(|_| OpenError::Malformed);
        match name {
            "a" => opened.appid = value.to_owned(),
            "b" => opened.bucket = value.to_owned(),
            "k" => opened.secret_id = value.to_owned(),
            "e" => opened.expiry = number()?,
            "t" => opened.now = number()?,
            "r" => opened.rand = value.to_owned(),
            "f" => opened.fileid = value.to_owned(),
            _ => {}
        }
    }
    Ok(opened)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> V4Signer {
        // Sample credentials of the v4 doc, not a real account.
        let credentials = Credentials::new(
            "AKIDUfLUEUigQiXqm7CVSspKJnuaiIKtxqAv",
            SecretString::from("bLcPnl88WU30VY57ipRhSePfPdOfSruK"),
        );
        V4Signer::new(credentials, 200001, "newbucket")
    }

    #[test]
    fn fileid_encodes_like_python_quote_with_tilde_and_slash_safe() {
        assert_eq!(
            fileid(200001, "newbucket", "/dir/a b(1)!~.jpg"),
            "/200001/newbucket/dir/a%20b%281%29%21~.jpg"
        );
        assert_eq!(
            fileid(200001, "newbucket", "相册/"),
            "/200001/newbucket/%E7%9B%B8%E5%86%8C/"
        );
    }

    #[test]
    fn multi_effect_plain_defaults_to_an_empty_fileid() -> Result<(), SignError> {
        assert_eq!(
            signer()
                .plain_more(1436077115, 1438669115, 11162, None)?
                .render(),
            "a=200001&b=newbucket&k=AKIDUfLUEUigQiXqm7CVSspKJnuaiIKtxqAv\
             &e=1438669115&t=1436077115&r=11162&f="
        );
        Ok(())
    }

    #[test]
    fn multi_effect_plain_can_carry_the_fileid() -> Result<(), SignError> {
        let plain = signer().plain_more(1, 2, 3, Some("a.jpg"))?;
        assert!(plain.render().ends_with("&f=/200001/newbucket/a.jpg"));
        Ok(())
    }

    #[test]
    fn multi_effect_must_expire_after_now() {
        assert_eq!(
            signer().sign_more(10, 10, 1, None),
            Err(SignError::ExpiryNotAfterNow {
                now: 10,
                expire_at: 10
            })
        );
    }

    #[test]
    fn one_time_plain_has_zero_expiry_and_the_fileid() {
        assert_eq!(
            signer()
                .plain_once(1437995645, 1166710792, "tencent_test.jpg")
                .render(),
            "a=200001&b=newbucket&k=AKIDUfLUEUigQiXqm7CVSspKJnuaiIKtxqAv\
             &e=0&t=1437995645&r=1166710792&f=/200001/newbucket/tencent_test.jpg"
        );
    }

    #[test]
    fn signature_is_base64_of_mac_then_plain() -> Result<(), base64::DecodeError> {
        let plain = "a=1&b=b&k=k&e=0&t=1&r=1&f=";
        let key = SecretString::from("key");
        let raw = STANDARD.decode(sign_plain(&key, plain))?;
        assert_eq!(&raw[..20], &hmac_sha1(b"key", plain.as_bytes())[..]);
        assert_eq!(&raw[20..], plain.as_bytes());
        Ok(())
    }

    #[test]
    fn open_reads_back_what_the_signer_wrote_in_any_field_order() -> Result<(), OpenError> {
        let key = SecretString::from("bLcPnl88WU30VY57ipRhSePfPdOfSruK");
        // The v4 document's published one-time signature (order a,k,e,t,r,f,b).
        let sign = "f11dDSuw86CR02Ko1INzsZstbRlhPTIwMDAwMSZrPUFLSURVZkxVRVVpZ1FpWHFtN0NWU3NwS0pudWFpSUt0eHFBdiZlPTAmdD0xNDM3OTk1NjQ1JnI9MTE2NjcxMDc5MiZmPS8yMDAwMDEvbmV3YnVja2V0L3RlbmNlbnRfdGVzdC5qcGcmYj1uZXdidWNrZXQ=";
        let opened = open(&key, sign)?;
        assert_eq!(opened.appid, "200001");
        assert_eq!(opened.bucket, "newbucket");
        assert_eq!(opened.secret_id, "AKIDUfLUEUigQiXqm7CVSspKJnuaiIKtxqAv");
        assert_eq!((opened.expiry, opened.now), (0, 1437995645));
        assert_eq!(opened.fileid, "/200001/newbucket/tencent_test.jpg");
        assert_eq!(opened.mac_hex, "7f5d5d0d2bb0f3a091d362a8d48373b19b2d6d19");
        let mine = signer()
            .sign_more(1, 2, 3, Some("dir/"))
            .map_err(|_| OpenError::Malformed)?;
        assert_eq!(open(&key, &mine)?.fileid, "/200001/newbucket/dir/");
        Ok(())
    }

    #[test]
    fn open_refuses_other_keys_and_altered_or_malformed_signatures() {
        let key = SecretString::from("bLcPnl88WU30VY57ipRhSePfPdOfSruK");
        let sign = signer().sign_once(1, 2, "a.jpg");
        assert_eq!(
            open(&SecretString::from("other"), &sign),
            Err(OpenError::Mismatch)
        );
        let mut raw = STANDARD.decode(&sign).unwrap_or_default();
        if let Some(last) = raw.last_mut() {
            *last ^= 1;
        }
        assert_eq!(open(&key, &STANDARD.encode(&raw)), Err(OpenError::Mismatch));
        assert_eq!(open(&key, "not base64!"), Err(OpenError::Malformed));
        assert_eq!(
            open(&key, &STANDARD.encode([0_u8; 20])),
            Err(OpenError::Malformed)
        );
    }

    #[test]
    fn debug_of_the_signer_hides_the_secret_key() {
        let shown = format!("{:?}", signer());
        assert!(
            !shown.contains("bLcPnl88WU30VY57ipRhSePfPdOfSruK"),
            "{shown}"
        );
    }
}
