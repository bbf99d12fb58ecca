//! Where an object lives: the bucket endpoint (`https://{bucket}.cos.{region}.myqcloud.com`
//! or any `http(s)://host[:port]` speaking the COS protocol) and the object URL path.
//!
//! The path rules are cos-python-sdk-v5's (`object_url_encoding` in
//! `tests/fixtures/vectors/cos_presign.json`): the URL path is `quote(key, safe="/-_.~")` with
//! `./` then written `.%2F`, so no client or proxy collapses `.`/`..` segments; the signed
//! path is the raw key with a leading `/`.

use super::SignError;
use super::encode::encode_path;

/// A COS-compatible endpoint: scheme plus the `Host` header value clients will send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    https: bool,
    host: String,
}

impl Endpoint {
    /// The public endpoint `https://{bucket}.cos.{region}.myqcloud.com` (virtual-host style).
    ///
    /// `bucket` is the full `name-appid` (`examplebucket-1250000000`), `region` e.g.
    /// `ap-guangzhou`.
    ///
    /// # Errors
    /// [`SignError::InvalidBucketOrRegion`] unless both are non-empty lowercase ASCII letters,
    /// digits and `-` (COS bucket naming rules).
    pub fn cos(bucket: &str, region: &str) -> Result<Self, SignError> {
        for (what, value) in [("bucket", bucket), ("region", region)] {
            let valid = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-';
            if value.is_empty() || !value.bytes().all(valid) {
                return Err(SignError::InvalidBucketOrRegion {
                    what,
                    value: value.to_owned(),
                });
            }
        }
        Ok(Self {
            https: true,
            host: format!("{bucket}.cos.{region}.myqcloud.com"),
        })
    }

    /// Any endpoint given as `http://host[:port]` or `https://host[:port]` (one trailing `/`
    /// allowed), e.g. a local test server `http://127.0.0.1:9000`.
    ///
    /// The host is lowercased and a default port (80 / 443) dropped, so [`host`](Self::host)
    /// is what an HTTP client puts in its `Host` header — the value the server checks when
    /// `host` is signed.
    ///
    /// # Errors
    /// [`SignError::InvalidBaseUrl`] for another scheme, user info, a path, query or fragment,
    /// an empty or malformed host, or a port that is not 1–65535.
    pub fn parse(base_url: &str) -> Result<Self, SignError> {
        let invalid = |reason| SignError::InvalidBaseUrl {
            url: base_url.to_owned(),
            reason,
        };
        let lower = base_url.to_ascii_lowercase();
        let (https, authority) = if let Some(rest) = lower.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = lower.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(invalid("scheme must be http:// or https://"));
        };
        let authority = authority.strip_suffix('/').unwrap_or(authority);
        if authority.contains(['/', '?', '#']) {
            return Err(invalid("must not have a path, query or fragment"));
        }
        if authority.contains('@') {
            return Err(invalid("must not carry user info"));
        }
        let (host, port) = split_port(authority).ok_or_else(|| invalid("malformed host"))?;
        let port = match port {
            None => None,
            Some(digits) => Some(parse_port(digits).ok_or_else(|| invalid("bad port"))?),
        };
        let default_port = if https { 443 } else { 80 };
        let host = match port {
            Some(port) if port != default_port => format!("{host}:{port}"),
            _ => host.to_owned(),
        };
        Ok(Self { https, host })
    }

    /// The `Host` header value (`host` or `host:port`), lowercase.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// `https://host` or `http://host:port`, without a trailing `/`.
    pub fn base_url(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{}", self.host)
    }

    /// The object's URL, `base_url` + [`object_url_path`].
    ///
    /// # Errors
    /// [`SignError::EmptyObjectKey`] if `key` is empty.
    pub fn object_url(&self, key: &str) -> Result<String, SignError> {
        Ok(format!("{}{}", self.base_url(), object_url_path(key)?))
    }
}

/// The COS v5 region for an older name, else `region` as given: the COS v4 short regions of
/// the 2017 tools (wecos v1, `spec/originals.md` §5.1: `gz` → `ap-guangzhou`) and the album's
/// 2017 config names (§1.1: `cn-north`, `cn-east`, `cn-south`, `cn-southwest`), mapped as
/// cos-js-sdk-v5 maps them. Unknown names, among them wecos's README example `wx`, are kept.
pub fn v5_region(region: &str) -> &str {
    match region {
        "gz" | "cn-south" => "ap-guangzhou",
        "sh" | "cn-east" => "ap-shanghai",
        "tj" | "cn-north" => "ap-beijing-1",
        "bj" => "ap-beijing",
        "cd" | "cn-southwest" => "ap-chengdu",
        "sgp" => "ap-singapore",
        "hk" => "ap-hongkong",
        "ca" => "na-toronto",
        "ger" => "eu-frankfurt",
        other => other,
    }
}

/// Splits `host[:port]` / `[v6]:port`; `None` if the host is empty or has characters no
/// hostname or IP literal has.
fn split_port(authority: &str) -> Option<(&str, Option<&str>)> {
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (inner, after) = v6.split_once(']')?;
        let valid_v6 = !inner.is_empty()
            && inner
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
        if !valid_v6 {
            return None;
        }
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':')?),
        };
        (&authority[..inner.len() + 2], port)
    } else {
        let (host, port) = match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        let valid = |b: u8| b.is_ascii_alphanumeric() || b"-._".contains(&b);
        if host.is_empty() || !host.bytes().all(valid) {
            return None;
        }
        (host, port)
    };
    Some((host, port))
}

fn parse_port(digits: &str) -> Option<u16> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u16>().ok().filter(|port| *port != 0)
}

/// The URL path of an object key, as cos-python-sdk-v5 builds it: one leading `/` of the key
/// dropped, each segment [`Encode`](super::encode::encode)d with `/` kept, then `./` written
/// `.%2F`, prefixed with `/`. `"相册/猫咪 01.jpg"` → `"/%E7%9B%B8%E5%86%8C/%E7%8C%AB%E5%92%AA%2001.jpg"`.
///
/// # Errors
/// [`SignError::EmptyObjectKey`] if `key` is empty (the Python SDK refuses it too).
pub fn object_url_path(key: &str) -> Result<String, SignError> {
    if key.is_empty() {
        return Err(SignError::EmptyObjectKey);
    }
    let key = key.strip_prefix('/').unwrap_or(key);
    Ok(format!("/{}", encode_path(key).replace("./", ".%2F")))
}

/// The `UriPathname` signed for an object key: the raw (decoded) key with a leading `/`
/// added unless it has one (Python `CosS3Auth`).
///
/// # Errors
/// [`SignError::EmptyObjectKey`] if `key` is empty.
pub fn object_sign_path(key: &str) -> Result<String, SignError> {
    match key {
        "" => Err(SignError::EmptyObjectKey),
        _ if key.starts_with('/') => Ok(key.to_owned()),
        _ => Ok(format!("/{key}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cos_endpoint_is_virtual_host_style_https() -> Result<(), SignError> {
        let endpoint = Endpoint::cos("examplebucket-1250000000", "ap-guangzhou")?;
        assert_eq!(
            endpoint.host(),
            "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"
        );
        assert_eq!(
            endpoint.object_url("a b.jpg")?,
            "https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/a%20b.jpg"
        );
        Ok(())
    }

    #[test]
    fn cos_endpoint_refuses_bad_bucket_and_region() {
        for (bucket, region) in [
            ("", "ap-x"),
            ("Bucket-1", "ap-x"),
            ("b-1", "ap/x"),
            ("b-1", ""),
        ] {
            assert!(Endpoint::cos(bucket, region).is_err(), "{bucket} {region}");
        }
    }

    #[test]
    fn parsed_endpoint_keeps_non_default_ports_in_host() -> Result<(), SignError> {
        assert_eq!(
            Endpoint::parse("http://127.0.0.1:9000")?.host(),
            "127.0.0.1:9000"
        );
        assert_eq!(
            Endpoint::parse("HTTP://Example.COM/")?.base_url(),
            "http://example.com"
        );
        assert_eq!(Endpoint::parse("http://cos.local:80")?.host(), "cos.local");
        assert_eq!(
            Endpoint::parse("https://cos.local:443")?.host(),
            "cos.local"
        );
        assert_eq!(
            Endpoint::parse("https://cos.local:80")?.host(),
            "cos.local:80"
        );
        assert_eq!(
            Endpoint::parse("http://[::1]:8080")?.base_url(),
            "http://[::1]:8080"
        );
        Ok(())
    }

    #[test]
    fn parse_refuses_what_is_not_a_bare_base_url() {
        for url in [
            "ftp://h",
            "h:80",
            "http://",
            "http://h/path",
            "http://h?x",
            "http://u@h",
            "http://h:",
            "http://h:0",
            "http://h:65536",
            "http://h:8a",
            "http://h h",
            "http://[zz]:1",
            "http://[::1]x",
        ] {
            assert!(
                matches!(Endpoint::parse(url), Err(SignError::InvalidBaseUrl { .. })),
                "{url}"
            );
        }
    }

    #[test]
    fn url_path_encodes_segments_and_guards_dot_segments() -> Result<(), SignError> {
        assert_eq!(
            object_url_path("相册/猫咪 01.jpg")?,
            "/%E7%9B%B8%E5%86%8C/%E7%8C%AB%E5%92%AA%2001.jpg"
        );
        assert_eq!(
            object_url_path("/a+b&c=d(1)!*'.png")?,
            "/a%2Bb%26c%3Dd%281%29%21%2A%27.png"
        );
        assert_eq!(object_url_path("a/../b/./c")?, "/a/..%2Fb/.%2Fc");
        assert_eq!(object_url_path("dir/")?, "/dir/");
        assert_eq!(object_url_path(""), Err(SignError::EmptyObjectKey));
        Ok(())
    }

    #[test]
    fn sign_path_is_the_raw_key_with_one_leading_slash() -> Result<(), SignError> {
        assert_eq!(object_sign_path("相册/猫咪 01.jpg")?, "/相册/猫咪 01.jpg");
        assert_eq!(object_sign_path("/a")?, "/a");
        assert_eq!(object_sign_path(""), Err(SignError::EmptyObjectKey));
        Ok(())
    }
}
