//! The `cos` object of `wecos.config.json` (`spec/originals.md` §5.1): both generations'
//! keys (v1 `bucketname` + `appid` with COS v4 short regions, v2 `bucket`), and ours for any S3
//! store (`endpoint`, `path_style`, `timeout_secs`, `max_retries`).

use std::ops::RangeInclusive;

use secrecy::SecretString;
use serde_json::Value;
use weapp_common::cos::v5_region;

use super::{ConfigError, Fields, to_usize};

/// Per-request timeout; one day is far beyond any image upload.
const TIMEOUT_SECS: RangeInclusive<u64> = 1..=86_400;
/// Retries per request; more would only delay reporting a store that is down.
const MAX_RETRIES: RangeInclusive<u64> = 0..=100;

/// The `cos` object: Tencent COS (default) or any S3 store (`endpoint`).
///
/// `Debug` shows `secret_key` as `[REDACTED]`.
#[derive(Debug, Clone)]
pub struct CosConfig {
    /// `secret_id`, non-empty.
    pub secret_id: String,
    /// `secret_key`, non-empty; never in `Debug` output or error messages.
    pub secret_key: SecretString,
    /// A v5 region such as `ap-guangzhou`. For COS the v1 short names are mapped
    /// ([`weapp_common::cos::v5_region`]); with an `endpoint` the region is kept as given.
    pub region: String,
    /// `bucket` (v2, `name-appid`), or v1 `bucketname` + `-` + `appid`; `bucket` wins when both
    /// forms are given. For COS it is `name-<digits>` with a name of lowercase letters, digits
    /// and `-`; with an `endpoint` any non-empty name.
    pub bucket: String,
    /// `folder`, the object-key prefix: `""` for `/` or none, else `a/b/` (no leading slash,
    /// one trailing slash, no empty segments, no `.`/`..` segments).
    pub folder: String,
    /// Ours: `endpoint`, an S3 store's `http(s)://host[:port]` (e.g. `http://127.0.0.1:8333`),
    /// without a trailing `/`. `None` (absent, `null` or `""`) = COS at
    /// `https://{bucket}.cos.{region}.myqcloud.com` (see [`crate::store::Store::from_config`]).
    pub endpoint: Option<String>,
    /// Ours: `path_style`, path-style requests (`{endpoint}/{bucket}/{key}`); default `true`
    /// with an `endpoint`, `false` for COS (virtual-host style).
    pub path_style: bool,
    /// Ours: `timeout_secs`, per-request timeout in seconds, default 30, 1–86400.
    pub timeout_secs: u64,
    /// Ours: `max_retries`, retries per request after the first attempt, default 3, 0–100.
    pub max_retries: usize,
}

pub(super) fn cos_config(cos: &Fields<'_>) -> Result<CosConfig, ConfigError> {
    let endpoint = match cos.str("endpoint")? {
        None | Some("") => None,
        Some(url) => Some(parse_endpoint(url)?),
    };
    let path_style = cos.bool("path_style")?.unwrap_or(endpoint.is_some());
    let timeout_secs = cos.int("timeout_secs", TIMEOUT_SECS)?.unwrap_or(30);
    let max_retries = to_usize(cos.int("max_retries", MAX_RETRIES)?.unwrap_or(3));
    let folder = normalize_folder(cos.str("folder")?.unwrap_or_default())?;
    let bucket = cos.non_empty_str("bucket")?;
    let bucketname = cos.non_empty_str("bucketname")?;
    let appid = match cos.map.get("appid") {
        Some(Value::Number(n)) if n.is_u64() => Some(n.to_string()),
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        None | Some(Value::Null | Value::String(_)) => None,
        Some(other) => return Err(cos.wrong("appid", "a string or a non-negative integer", other)),
    };

    let secret_id = cos.required("secret_id", "cos.secret_id")?.to_owned();
    let secret_key = SecretString::from(cos.required("secret_key", "cos.secret_key")?);
    let region = cos.required("region", "cos.region")?;
    let region = if endpoint.is_some() {
        region.to_owned()
    } else {
        let region = v5_region(region);
        if !region.bytes().all(is_cos_name_byte) {
            return Err(ConfigError::Invalid {
                key: "cos.region",
                reason: "must be lowercase letters, digits and \"-\" (e.g. \"ap-guangzhou\")"
                    .to_owned(),
            });
        }
        region.to_owned()
    };
    let bucket = match (bucket, bucketname, appid) {
        (Some(bucket), _, _) => bucket.to_owned(),
        (None, Some(name), Some(appid)) => format!("{name}-{appid}"),
        _ => return Err(ConfigError::Bucket),
    };
    if endpoint.is_none() && !is_cos_bucket(&bucket) {
        return Err(ConfigError::Bucket);
    }
    Ok(CosConfig {
        secret_id,
        secret_key,
        region,
        bucket,
        folder,
        endpoint,
        path_style,
        timeout_secs,
        max_retries,
    })
}

/// `http(s)://host[:port]` as url normalizes it, without the trailing `/`.
fn parse_endpoint(text: &str) -> Result<String, ConfigError> {
    let invalid = |reason: &str| ConfigError::Invalid {
        key: "cos.endpoint",
        reason: format!("must be an http(s) URL such as \"http://127.0.0.1:8333\": {reason}"),
    };
    let url = url::Url::parse(text).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme is not http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("no host"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it has a path, query or fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("it carries user info"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// `"/"`, `""` → `""`; `"/a//b"` → `"a/b/"`. `.`/`..` segments are refused: object stores
/// and URL clients treat them differently.
fn normalize_folder(folder: &str) -> Result<String, ConfigError> {
    let segments: Vec<&str> = folder.split('/').filter(|s| !s.is_empty()).collect();
    if segments.iter().any(|s| matches!(*s, "." | "..")) {
        return Err(ConfigError::Invalid {
            key: "cos.folder",
            reason: "must not contain \".\" or \"..\" segments".to_owned(),
        });
    }
    Ok(segments.iter().map(|s| format!("{s}/")).collect())
}

/// COS bucket `name-appid`: `name` lowercase letters, digits and `-`, `appid` digits.
fn is_cos_bucket(bucket: &str) -> bool {
    bucket.rsplit_once('-').is_some_and(|(name, appid)| {
        !name.is_empty()
            && name.bytes().all(is_cos_name_byte)
            && !appid.is_empty()
            && appid.bytes().all(|b| b.is_ascii_digit())
    })
}

fn is_cos_name_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'
}
