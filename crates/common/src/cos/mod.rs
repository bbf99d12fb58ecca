//! Tencent COS request signing: the XML API v5 `Authorization` (`q-sign-algorithm=sha1`),
//! presigned URLs carrying the same signature in the query string, and the legacy COS v4
//! JSON API signature that the 2017 demos used.
//!
//! Everything here is pure: credentials, the signing window and the random number are passed
//! in, no clock is read and nothing is sent. The rules come from Tencent's signing document
//! (<https://cloud.tencent.com/document/product/436/7778>) and are pinned by the vector files
//! in `tests/fixtures/vectors/` (`cos_xml_sign.json`, `cos_presign.json`, `cos_v4_sign.json`,
//! `cos_post_policy.json`).
//!
//! - [`encode`]: the percent-encoding every rule shares.
//! - [`xml`]: the v5 `Authorization` with every intermediate value exposed.
//! - [`endpoint`]: the bucket endpoint and the object URL path.
//! - [`presign`]: presigned URLs and the presigned `PUT` for direct uploads.
//! - [`post_object`]: the PostObject policy signature of form uploads (doc 436/14690).
//! - [`v4`]: the legacy v4 `sign_more` / `sign_once` signatures.

pub mod encode;
pub mod endpoint;
pub mod post_object;
pub mod presign;
pub mod v4;
pub mod xml;

use std::fmt;
use std::str::FromStr;

use secrecy::SecretString;
use serde::Deserialize;

pub use endpoint::{Endpoint, v5_region};
pub use presign::{ObjectRequest, Presigned, presign_put};
pub use xml::{RequestToSign, XmlSignature, is_sdk_signed_header, sdk_signed_headers};

/// A COS API key pair (`SecretId` / `SecretKey`).
///
/// The `SecretId` is public (it travels as `q-ak` / `k=`); the `SecretKey` stays wrapped in
/// [`SecretString`] and `Debug` prints `[REDACTED]` in its place. Deserializes from
/// `{"secret_id": "...", "secret_key": "..."}` so the config loader can build it directly.
#[derive(Clone, Deserialize)]
pub struct Credentials {
    secret_id: String,
    secret_key: SecretString,
}

impl Credentials {
    /// Wraps a key pair; nothing is checked (COS rejects a wrong pair at request time).
    pub fn new(secret_id: impl Into<String>, secret_key: SecretString) -> Self {
        Self {
            secret_id: secret_id.into(),
            secret_key,
        }
    }

    /// The `SecretId` (`AKID...`), sent in clear as `q-ak`.
    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    /// The `SecretKey`, still wrapped; only the signers expose it.
    pub fn secret_key(&self) -> &SecretString {
        &self.secret_key
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("secret_id", &self.secret_id)
            .field("secret_key", &"[REDACTED]")
            .finish()
    }
}

/// The validity window of a v5 signature, `start;end` in unix seconds (UTC).
///
/// It is both `q-key-time` and `q-sign-time`: every SDK sends the same value twice
/// (`algorithm_summary` in `cos_xml_sign.json`). `Display` gives the wire form `start;end`;
/// `FromStr` parses it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyTime {
    start: u64,
    end: u64,
}

impl KeyTime {
    /// A window from `start` to `end` (unix seconds, inclusive).
    ///
    /// # Errors
    /// [`SignError::KeyTimeReversed`] when `end < start`.
    pub fn new(start: u64, end: u64) -> Result<Self, SignError> {
        if end < start {
            return Err(SignError::KeyTimeReversed { start, end });
        }
        Ok(Self { start, end })
    }

    /// The window `now;now+expires_in` (seconds) used by this project's presigned URLs.
    ///
    /// (The Python SDK starts 60 s early to absorb clock skew; pass `now - 60` to `new` for
    /// that behaviour.)
    ///
    /// # Errors
    /// [`SignError::KeyTimeOverflow`] when `now + expires_in` does not fit in a `u64`.
    pub fn from_now(now: u64, expires_in: u64) -> Result<Self, SignError> {
        let end = now
            .checked_add(expires_in)
            .ok_or(SignError::KeyTimeOverflow { now, expires_in })?;
        Self::new(now, end)
    }

    /// First second of validity (unix seconds).
    pub fn start(&self) -> u64 {
        self.start
    }

    /// Last second of validity (unix seconds).
    pub fn end(&self) -> u64 {
        self.end
    }
}

impl fmt::Display for KeyTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{};{}", self.start, self.end)
    }
}

impl FromStr for KeyTime {
    type Err = SignError;

    /// Parses `start;end` (two decimal unix times).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let malformed = || SignError::MalformedKeyTime(s.to_owned());
        let (start, end) = s.split_once(';').ok_or_else(malformed)?;
        let parse = |part: &str| {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(malformed());
            }
            part.parse::<u64>().map_err(|_| malformed())
        };
        Self::new(parse(start)?, parse(end)?)
    }
}

/// Why a signing input was refused. Signing itself cannot fail once the inputs are valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// The key time ends before it starts.
    #[error("COS key time ends ({end}) before it starts ({start})")]
    KeyTimeReversed {
        /// Requested start (unix seconds).
        start: u64,
        /// Requested end (unix seconds).
        end: u64,
    },
    /// `now + expires_in` overflows.
    #[error("COS key time overflows: now={now}, expires_in={expires_in}")]
    KeyTimeOverflow {
        /// Start (unix seconds).
        now: u64,
        /// Requested lifetime (seconds).
        expires_in: u64,
    },
    /// A key time string is not `start;end`.
    #[error("COS key time {0:?} is not \"<start>;<end>\" in unix seconds")]
    MalformedKeyTime(String),
    /// The HTTP method is empty or not an RFC 9110 token.
    #[error("HTTP method {0:?} is not a token")]
    InvalidMethod(String),
    /// The signed `UriPathname` must begin with `/`.
    #[error("COS UriPathname {0:?} does not begin with '/'")]
    RelativePath(String),
    /// An object key is empty.
    #[error("COS object key is empty")]
    EmptyObjectKey,
    /// A bucket (`name-appid`) or region is not lowercase letters, digits and `-`.
    #[error("COS {what} {value:?} must be non-empty lowercase letters, digits and '-'")]
    InvalidBucketOrRegion {
        /// `"bucket"` or `"region"`.
        what: &'static str,
        /// The rejected value.
        value: String,
    },
    /// A base URL is not `http(s)://host[:port]`.
    #[error("base URL {url:?} is invalid: {reason}")]
    InvalidBaseUrl {
        /// The rejected URL.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A v4 multi-effect signature must expire after it is issued.
    #[error("COS v4 expiry {expire_at} is not after now ({now})")]
    ExpiryNotAfterNow {
        /// Issue time (unix seconds).
        now: u64,
        /// Requested expiry (unix seconds).
        expire_at: u64,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_credentials_hides_the_secret_key() {
        let credentials = Credentials::new("AKIDexample", SecretString::from("topsecretvalue"));
        let shown = format!("{credentials:?}");
        assert!(shown.contains("AKIDexample"), "{shown}");
        assert!(!shown.contains("topsecretvalue"), "{shown}");
        assert!(shown.contains("[REDACTED]"), "{shown}");
    }

    #[test]
    fn credentials_deserialize_from_config_shaped_json() -> Result<(), serde_json::Error> {
        let credentials: Credentials =
            serde_json::from_str(r#"{"secret_id":"AKIDx","secret_key":"k"}"#)?;
        assert_eq!(credentials.secret_id(), "AKIDx");
        assert!(!format!("{credentials:?}").contains("\"k\""));
        Ok(())
    }

    #[test]
    fn key_time_displays_and_parses_the_wire_form() -> Result<(), SignError> {
        let key_time: KeyTime = "1557989151;1557996351".parse()?;
        assert_eq!((key_time.start(), key_time.end()), (1557989151, 1557996351));
        assert_eq!(key_time.to_string(), "1557989151;1557996351");
        Ok(())
    }

    #[test]
    fn key_time_from_now_adds_the_lifetime() -> Result<(), SignError> {
        assert_eq!(
            KeyTime::from_now(1700000000, 3600)?.to_string(),
            "1700000000;1700003600"
        );
        Ok(())
    }

    #[test]
    fn key_time_rejects_reversed_overflowing_and_malformed_windows() {
        assert_eq!(
            KeyTime::new(10, 9),
            Err(SignError::KeyTimeReversed { start: 10, end: 9 })
        );
        assert!(matches!(
            KeyTime::from_now(u64::MAX, 1),
            Err(SignError::KeyTimeOverflow { .. })
        ));
        for bad in ["", "1", "1;", ";2", "1;2;3", "+1;2", "a;b", "1 ;2"] {
            assert!(
                matches!(bad.parse::<KeyTime>(), Err(SignError::MalformedKeyTime(_))),
                "{bad:?}"
            );
        }
    }
}
