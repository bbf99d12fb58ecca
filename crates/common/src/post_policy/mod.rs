//! Browser-style form uploads straight to the object store (what `wx.uploadFile` and an HTML
//! `<form enctype="multipart/form-data">` send): one [`PostPolicy`] — bucket, object key and the
//! conditions the store itself enforces — signed for Tencent COS (`cos::post_object`, the
//! PostObject "签名保护", <https://cloud.tencent.com/document/api/436/14690>) or for any S3 store
//! ([`sigv4`], <https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html>).
//! The result is a [`PostForm`]: the fields the client posts, in order, before the file.
//!
//! Everything is pure: credentials, the clock reading and the key are passed in; nothing is
//! sent. The module is not behind the `s3` feature: it needs only the hash crates, and the COS
//! signer shares it.
//!
//! The policy text is JSON written the way botocore writes it (`json.dumps`: `", "` and
//! `": "` separators; conditions: the caller's in order, then `bucket`, `key`, then the
//! signer's own), so the S3 form is byte for byte what `generate_presigned_post` produces
//! (`tests/fixtures/vectors/s3_post_policy.json`). Unlike Python, non-ASCII characters are
//! written as UTF-8, not `\uXXXX`: the same JSON to the store.

pub mod query;
pub mod sigv4;

use std::fmt;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;
use time::OffsetDateTime;

/// S3's longest object key in UTF-8 bytes
/// (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html>).
pub const MAX_KEY_BYTES: usize = 1024;

/// Form fields that carry a short-lived credential: shown as `[REDACTED]` by `Debug`.
const SECRET_FIELDS: [&str; 2] = ["x-amz-security-token", "x-cos-security-token"];

/// Why a policy or its signing input was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The object key is empty, longer than [`MAX_KEY_BYTES`] or holds a control character.
    #[error("object key {0:?} must be 1 to 1024 bytes without control characters")]
    InvalidKey(String),
    /// A bucket is not lowercase letters, digits, `.` and `-`.
    #[error("bucket {0:?} must be non-empty lowercase letters, digits, '.' and '-'")]
    InvalidBucket(String),
    /// A form field name is empty or not an RFC 9110 token.
    #[error("form field name {0:?} is not a token")]
    InvalidFieldName(String),
    /// A field the signers set themselves (`key`, `policy`, `x-amz-*`, `x-cos-*`, `q-*`…).
    #[error("form field {0:?} is set by the signer, not by a condition")]
    ReservedField(String),
    /// The same field (ASCII case-insensitive) or a second size range.
    #[error("condition on {0:?} given twice")]
    DuplicateCondition(String),
    /// A metadata name is not lowercase letters, digits, `-` and `_`.
    #[error("metadata name {0:?} must be non-empty lowercase letters, digits, '-' and '_'")]
    InvalidMetadataName(String),
    /// `content-length-range` with `min > max`.
    #[error("content-length-range {min}..={max} is empty")]
    EmptyRange {
        /// Smallest allowed body (bytes).
        min: u64,
        /// Largest allowed body (bytes).
        max: u64,
    },
    /// `success_action_status` other than 200, 201 or 204 (the only ones S3 and COS honour).
    #[error("success_action_status {0} is not 200, 201 or 204")]
    InvalidSuccessStatus(u16),
    /// A unix time that is not a date between 1970 and 9999, or `now + expires_in` overflows.
    #[error("unix time {0} is out of range")]
    TimeOutOfRange(u64),
    /// An S3 region is not lowercase letters, digits and `-`.
    #[error("region {0:?} must be non-empty lowercase letters, digits and '-'")]
    InvalidRegion(String),
    /// An access key id is empty or holds `/`, whitespace or a control character.
    #[error("access key id {0:?} must be non-empty without '/', whitespace or controls")]
    InvalidAccessKeyId(String),
}

/// One condition of a policy. Exact matches become a form field of the same value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Condition {
    /// `{"field": "value"}`.
    Exact { field: String, value: String },
    /// `{"<prefix>name": "value"}`, the prefix (`x-amz-meta-`, `x-cos-meta-`) per store.
    Metadata { name: String, value: String },
    /// `["content-length-range", min, max]`, bytes, inclusive.
    ContentLengthRange { min: u64, max: u64 },
}

/// What one form upload may do: the bucket and the one object key it writes, plus the
/// conditions the store checks against the form (exact field values, the body's size range).
///
/// Build it once and sign it for the store at hand (`cos::post_object::sign`,
/// [`sigv4::sign`]). Every exact condition also becomes a form field, so the signed form
/// satisfies its own policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostPolicy {
    bucket: String,
    key: String,
    conditions: Vec<Condition>,
}

impl PostPolicy {
    /// A policy for writing exactly `key` into `bucket`, with no other condition yet.
    ///
    /// # Errors
    /// [`PolicyError::InvalidBucket`], [`PolicyError::InvalidKey`].
    pub fn new(bucket: &str, key: &str) -> Result<Self, PolicyError> {
        let bucket_char =
            |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-.".contains(&b);
        if bucket.is_empty() || !bucket.bytes().all(bucket_char) {
            return Err(PolicyError::InvalidBucket(bucket.to_owned()));
        }
        if key.is_empty() || key.len() > MAX_KEY_BYTES || key.chars().any(char::is_control) {
            return Err(PolicyError::InvalidKey(key.to_owned()));
        }
        Ok(Self {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            conditions: Vec::new(),
        })
    }

    /// The body must be `min..=max` bytes (`["content-length-range", min, max]`).
    ///
    /// # Errors
    /// [`PolicyError::EmptyRange`] when `min > max`; [`PolicyError::DuplicateCondition`] for
    /// a second range.
    pub fn content_length_range(mut self, min: u64, max: u64) -> Result<Self, PolicyError> {
        if min > max {
            return Err(PolicyError::EmptyRange { min, max });
        }
        let has_range = |c: &Condition| matches!(c, Condition::ContentLengthRange { .. });
        if self.conditions.iter().any(has_range) {
            return Err(PolicyError::DuplicateCondition(
                "content-length-range".into(),
            ));
        }
        self.conditions
            .push(Condition::ContentLengthRange { min, max });
        Ok(self)
    }

    /// The form field `field` must be exactly `value` (`{"field": "value"}`), e.g.
    /// `Content-Type`, `Cache-Control`, `acl`. Store-specific fields (`x-amz-*`, `x-cos-*`,
    /// `q-*`) belong to the signers and user metadata goes through
    /// [`metadata`](Self::metadata), so one policy suits every store.
    ///
    /// # Errors
    /// [`PolicyError::InvalidFieldName`], [`PolicyError::ReservedField`],
    /// [`PolicyError::DuplicateCondition`].
    pub fn exact(self, field: &str, value: &str) -> Result<Self, PolicyError> {
        let is_tchar = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
        if field.is_empty() || !field.bytes().all(is_tchar) {
            return Err(PolicyError::InvalidFieldName(field.to_owned()));
        }
        let lower = field.to_ascii_lowercase();
        let reserved = [
            "key",
            "bucket",
            "policy",
            "file",
            "signature",
            "awsaccesskeyid",
        ];
        if reserved.contains(&lower.as_str())
            || ["x-amz-", "x-cos-", "q-"]
                .iter()
                .any(|p| lower.starts_with(p))
            || lower == "content-length-range"
        {
            return Err(PolicyError::ReservedField(field.to_owned()));
        }
        self.push_unique(
            lower,
            Condition::Exact {
                field: field.to_owned(),
                value: value.to_owned(),
            },
        )
    }

    /// The object's `Content-Type` must be `content_type` (stored as the object's type).
    ///
    /// # Errors
    /// [`PolicyError::DuplicateCondition`] when already set.
    pub fn content_type(self, content_type: &str) -> Result<Self, PolicyError> {
        self.exact("Content-Type", content_type)
    }

    /// User metadata `name` must be `value`: the field `x-amz-meta-{name}` on S3,
    /// `x-cos-meta-{name}` on COS, stored with the object (e.g. `openid`).
    ///
    /// # Errors
    /// [`PolicyError::InvalidMetadataName`], [`PolicyError::DuplicateCondition`].
    pub fn metadata(self, name: &str, value: &str) -> Result<Self, PolicyError> {
        let meta_char = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_".contains(&b);
        if name.is_empty() || !name.bytes().all(meta_char) {
            return Err(PolicyError::InvalidMetadataName(name.to_owned()));
        }
        let unique = format!("metadata {name}");
        self.push_unique(
            unique,
            Condition::Metadata {
                name: name.to_owned(),
                value: value.to_owned(),
            },
        )
    }

    /// The store answers a successful upload with `status` (200, 201 or 204) instead of a
    /// redirect (`success_action_status`).
    ///
    /// # Errors
    /// [`PolicyError::InvalidSuccessStatus`], [`PolicyError::DuplicateCondition`].
    pub fn success_action_status(self, status: u16) -> Result<Self, PolicyError> {
        if ![200, 201, 204].contains(&status) {
            return Err(PolicyError::InvalidSuccessStatus(status));
        }
        self.exact("success_action_status", &status.to_string())
    }

    /// The bucket.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The object key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The `content-length-range` bounds (bytes, inclusive), if any.
    pub fn size_range(&self) -> Option<(u64, u64)> {
        self.conditions.iter().find_map(|c| match c {
            Condition::ContentLengthRange { min, max } => Some((*min, *max)),
            _ => None,
        })
    }

    fn push_unique(mut self, unique: String, condition: Condition) -> Result<Self, PolicyError> {
        let taken = |c: &Condition| match c {
            Condition::Exact { field, .. } => field.eq_ignore_ascii_case(&unique),
            Condition::Metadata { name, .. } => format!("metadata {name}") == unique,
            Condition::ContentLengthRange { .. } => false,
        };
        if self.conditions.iter().any(taken) {
            return Err(PolicyError::DuplicateCondition(unique));
        }
        self.conditions.push(condition);
        Ok(self)
    }

    /// The policy JSON: `{"expiration": …, "conditions": [caller's…, bucket, key, auth…]}`,
    /// metadata named with `meta_prefix`; `auth` are the signer's exact conditions.
    pub(crate) fn policy_json(
        &self,
        meta_prefix: &str,
        expiration: &str,
        auth: &[(&str, &str)],
    ) -> String {
        let exact = |field: &str, value: &str| format!("{{{}: {}}}", json(field), json(value));
        let mut conditions: Vec<String> = self
            .conditions
            .iter()
            .map(|c| match c {
                Condition::Exact { field, value } => exact(field, value),
                Condition::Metadata { name, value } => {
                    exact(&format!("{meta_prefix}{name}"), value)
                }
                Condition::ContentLengthRange { min, max } => {
                    format!("[\"content-length-range\", {min}, {max}]")
                }
            })
            .collect();
        conditions.push(exact("bucket", &self.bucket));
        conditions.push(exact("key", &self.key));
        conditions.extend(auth.iter().map(|(field, value)| exact(field, value)));
        format!(
            "{{\"expiration\": {}, \"conditions\": [{}]}}",
            json(expiration),
            conditions.join(", ")
        )
    }

    /// The fields that come before the signer's: `key`, then each exact condition's field in
    /// the order given (metadata named with `meta_prefix`).
    pub(crate) fn leading_fields(&self, meta_prefix: &str) -> Vec<(String, String)> {
        let conditions = self.conditions.iter().filter_map(|c| match c {
            Condition::Exact { field, value } => Some((field.clone(), value.clone())),
            Condition::Metadata { name, value } => {
                Some((format!("{meta_prefix}{name}"), value.clone()))
            }
            Condition::ContentLengthRange { .. } => None,
        });
        std::iter::once(("key".to_owned(), self.key.clone()))
            .chain(conditions)
            .collect()
    }
}

/// A JSON string literal (`serde_json`'s escaping: `\"`, `\\`, `\n`…, `\u00XX`).
fn json(text: &str) -> String {
    Value::from(text).to_string()
}

/// The last second of the year 9999 (`9999-12-31T23:59:59Z`): policies write four-digit years.
const LAST_SECOND_OF_9999: u64 = 253_402_300_799;

/// The UTC calendar time of `unix_secs`.
///
/// The bound is checked here, not left to the `time` crate: with its `large-dates` feature —
/// which another crate of the workspace (bson) turns on — it accepts six-digit years.
///
/// # Errors
/// [`PolicyError::TimeOutOfRange`] past the year 9999.
pub(crate) fn utc(unix_secs: u64) -> Result<OffsetDateTime, PolicyError> {
    (unix_secs <= LAST_SECOND_OF_9999)
        .then(|| i64::try_from(unix_secs).ok())
        .flatten()
        .and_then(|secs| OffsetDateTime::from_unix_timestamp(secs).ok())
        .ok_or(PolicyError::TimeOutOfRange(unix_secs))
}

/// ISO 8601 UTC, `2023-11-14T22:23:20Z`, or `2023-11-14T22:23:20.000Z` with `millis` (what
/// JavaScript's `toISOString` and Tencent's samples write).
pub(crate) fn iso8601(time: OffsetDateTime, millis: bool) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}Z",
        time.year(),
        u8::from(time.month()),
        time.day(),
        time.hour(),
        time.minute(),
        time.second(),
        if millis { ".000" } else { "" }
    )
}

/// A signed upload form: the `(name, value)` fields to post, in this order, before the file
/// part, plus the policy they carry (decoded, for logs and tests).
///
/// `Serialize` writes the fields as one JSON object in order (`"fields":{…}` of an API
/// answer). `Debug` hides security tokens.
#[derive(Clone, PartialEq, Eq)]
pub struct PostForm {
    fields: Vec<(String, String)>,
    policy_json: String,
}

impl PostForm {
    pub(crate) fn new(fields: Vec<(String, String)>, policy_json: String) -> Self {
        Self {
            fields,
            policy_json,
        }
    }

    /// The fields in posting order: `key` first, the file after the last.
    pub fn fields(&self) -> &[(String, String)] {
        &self.fields
    }

    /// The value of the field `name` (exact name), if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }

    /// The policy JSON text whose base64 is the `policy` field.
    pub fn policy_json(&self) -> &str {
        &self.policy_json
    }
}

impl fmt::Debug for PostForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = self.fields.iter().map(|(name, value)| {
            let secret = SECRET_FIELDS.iter().any(|s| name.eq_ignore_ascii_case(s));
            (name, if secret { "[REDACTED]" } else { value.as_str() })
        });
        f.debug_struct("PostForm")
            .field("fields", &shown.collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Serialize for PostForm {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.fields.len()))?;
        for (name, value) in &self.fields {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests;
