//! The COS PostObject policy signature ("签名保护" of
//! <https://cloud.tencent.com/document/api/436/14690>): browser and `wx.uploadFile` form
//! uploads straight to a COS bucket.
//!
//! 1. `KeyTime` = `q-key-time` = `start;end` (unix seconds); the policy names it as
//!    `{"q-sign-time": KeyTime}` beside `{"q-sign-algorithm": "sha1"}` and `{"q-ak": SecretId}`;
//! 2. `SignKey = hex(HMAC-SHA1(SecretKey, KeyTime))`;
//! 3. `StringToSign = hex(SHA1(policy))`, the policy text itself (the bytes whose base64 is
//!    the `policy` field), not its base64;
//! 4. `Signature = hex(HMAC-SHA1(SignKey as hex text, StringToSign))` = `q-signature`.
//!
//! The doc's worked example (with every intermediate value) is pinned in
//! `tests/fixtures/vectors/cos_post_policy.json`. The policy's `expiration` is the key time's
//! end, written like JavaScript's `toISOString` as Tencent's samples do.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretString};

use super::{Credentials, KeyTime};
use crate::crypto::{hmac_sha1_hex, sha1_hex};
use crate::post_policy::{PolicyError, PostForm, PostPolicy, iso8601, utc};

/// The PostObject signature of one exact policy text, with every intermediate value of the
/// doc. `Debug` hides [`sign_key`](Self::sign_key).
#[derive(Clone)]
pub struct PostObjectSignature {
    secret_id: String,
    key_time: String,
    policy_base64: String,
    sign_key: SecretString,
    string_to_sign: String,
    signature: String,
}

impl PostObjectSignature {
    /// Signs `policy_json` exactly as given (it must already name `q-sign-algorithm`, `q-ak`
    /// and `q-sign-time` for COS to accept it; [`sign`] builds such a text).
    pub fn sign(credentials: &Credentials, key_time: KeyTime, policy_json: &str) -> Self {
        let key_time = key_time.to_string();
        let sign_key = hmac_sha1_hex(
            credentials.secret_key().expose_secret().as_bytes(),
            key_time.as_bytes(),
        );
        let string_to_sign = sha1_hex(policy_json.as_bytes());
        let signature = hmac_sha1_hex(sign_key.as_bytes(), string_to_sign.as_bytes());
        Self {
            secret_id: credentials.secret_id().to_owned(),
            key_time,
            policy_base64: STANDARD.encode(policy_json.as_bytes()),
            sign_key: SecretString::from(sign_key),
            string_to_sign,
            signature,
        }
    }

    /// `KeyTime` as sent: `start;end`.
    pub fn key_time(&self) -> &str {
        &self.key_time
    }

    /// The `policy` field: standard base64 of the policy text.
    pub fn policy_base64(&self) -> &str {
        &self.policy_base64
    }

    /// `SignKey`: 40 lowercase hex digits. Secret: it signs anything for the whole window.
    pub fn sign_key(&self) -> &SecretString {
        &self.sign_key
    }

    /// `StringToSign`: 40 lowercase hex digits of SHA-1(policy text).
    pub fn string_to_sign(&self) -> &str {
        &self.string_to_sign
    }

    /// `Signature` (`q-signature`): 40 lowercase hex digits.
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// The signature fields of the form in the doc's order: `policy`, `q-sign-algorithm`,
    /// `q-ak`, `q-key-time`, `q-signature`.
    pub fn fields(&self) -> [(&'static str, &str); 5] {
        [
            ("policy", &self.policy_base64),
            ("q-sign-algorithm", "sha1"),
            ("q-ak", &self.secret_id),
            ("q-key-time", &self.key_time),
            ("q-signature", &self.signature),
        ]
    }
}

impl fmt::Debug for PostObjectSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostObjectSignature")
            .field("secret_id", &self.secret_id)
            .field("key_time", &self.key_time)
            .field("sign_key", &"[REDACTED]")
            .field("string_to_sign", &self.string_to_sign)
            .field("signature", &self.signature)
            .finish_non_exhaustive()
    }
}

/// Signs `policy` for a PostObject upload valid during `key_time` (the policy expires at its
/// end).
///
/// Fields, in order: `key`, the policy's exact fields as added (`Content-Type`,
/// `x-cos-meta-*`, `success_action_status`…), `policy`, `q-sign-algorithm`, `q-ak`,
/// `q-key-time`, `q-signature` — the order of the doc's examples. Post them, then the file,
/// to the bucket's endpoint (`https://{bucket}.cos.{region}.myqcloud.com/`).
///
/// # Errors
/// [`PolicyError::TimeOutOfRange`] when the key time ends after the year 9999.
///
/// # Example
/// ```
/// use secrecy::SecretString;
/// use weapp_common::cos::{Credentials, KeyTime, post_object};
/// use weapp_common::post_policy::PostPolicy;
///
/// let policy = PostPolicy::new("album-1250000000", "photos/1700000000123-a1b2c3d4.png")?
///     .content_length_range(1, 5 * 1024 * 1024)?
///     .content_type("image/png")?
///     .metadata("openid", "o_wx_123")?;
/// let credentials = Credentials::new("AKIDexample", SecretString::from("secret"));
/// let key_time = KeyTime::new(1_700_000_000, 1_700_000_600).expect("ordered window");
/// let form = post_object::sign(&policy, &credentials, key_time)?;
/// assert_eq!(form.get("x-cos-meta-openid"), Some("o_wx_123"));
/// assert_eq!(form.get("q-key-time"), Some("1700000000;1700000600"));
/// # Ok::<(), weapp_common::post_policy::PolicyError>(())
/// ```
pub fn sign(
    policy: &PostPolicy,
    credentials: &Credentials,
    key_time: KeyTime,
) -> Result<PostForm, PolicyError> {
    let expiration = iso8601(utc(key_time.end())?, true);
    let key_time_text = key_time.to_string();
    let auth = [
        ("q-sign-algorithm", "sha1"),
        ("q-ak", credentials.secret_id()),
        ("q-sign-time", key_time_text.as_str()),
    ];
    let policy_json = policy.policy_json("x-cos-meta-", &expiration, &auth);
    let signature = PostObjectSignature::sign(credentials, key_time, &policy_json);
    let mut fields = policy.leading_fields("x-cos-meta-");
    fields.extend(
        signature
            .fields()
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned())),
    );
    Ok(PostForm::new(fields, policy_json))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn album_policy(key: &str, size: u64, content_type: &str, openid: &str) -> PostPolicy {
        PostPolicy::new("album-1250000000", key)
            .and_then(|p| p.content_length_range(1, size))
            .and_then(|p| p.content_type(content_type))
            .and_then(|p| p.metadata("openid", openid))
            .and_then(|p| p.success_action_status(204))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn signature(policy: &PostPolicy, secret_id: &str, secret: &str, window: (u64, u64)) -> String {
        let credentials = Credentials::new(secret_id, SecretString::from(secret));
        let key_time = KeyTime::new(window.0, window.1).unwrap_or_else(|e| panic!("{e}"));
        let form = sign(policy, &credentials, key_time).unwrap_or_else(|e| panic!("{e}"));
        form.get("q-signature").unwrap_or_default().to_owned()
    }

    #[test]
    fn altering_any_input_changes_the_signature() {
        let window = (1_700_000_000, 1_700_000_600);
        let policies = [
            ("a/1.png", 100, "image/png", "o1"),
            ("a/2.png", 100, "image/png", "o1"),
            ("a/1.png", 101, "image/png", "o1"),
            ("a/1.png", 100, "image/gif", "o1"),
            ("a/1.png", 100, "image/png", "o2"),
        ]
        .map(|(key, size, content_type, openid)| album_policy(key, size, content_type, openid));
        let mut signatures: Vec<String> = policies
            .iter()
            .map(|policy| signature(policy, "AKIDa", "secret", window))
            .collect();
        let base = &policies[0];
        signatures.extend([
            signature(base, "AKIDb", "secret", window),
            signature(base, "AKIDa", "secreu", window),
            signature(base, "AKIDa", "secret", (window.0 + 1, window.1)),
            signature(base, "AKIDa", "secret", (window.0, window.1 + 1)),
        ]);
        let distinct: HashSet<&String> = signatures.iter().collect();
        assert_eq!(distinct.len(), signatures.len());
    }

    #[test]
    fn fields_come_out_in_a_fixed_order() -> Result<(), Box<dyn std::error::Error>> {
        let policy = album_policy("a/1.png", 100, "image/png", "o1");
        let form = sign(&policy, &credentials(), KeyTime::new(1, 2)?)?;
        let names: Vec<&str> = form.fields().iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "key",
                "Content-Type",
                "x-cos-meta-openid",
                "success_action_status",
                "policy",
                "q-sign-algorithm",
                "q-ak",
                "q-key-time",
                "q-signature",
            ]
        );
        assert!(form.policy_json().contains("{\"q-sign-time\": \"1;2\"}"));
        assert!(
            form.policy_json()
                .starts_with("{\"expiration\": \"1970-01-01T00:00:02.000Z\"")
        );
        Ok(())
    }

    fn credentials() -> Credentials {
        Credentials::new("AKIDexample", SecretString::from("topsecretvalue"))
    }

    #[test]
    fn debug_of_a_signature_hides_the_sign_key() -> Result<(), super::super::SignError> {
        let signed = PostObjectSignature::sign(&credentials(), KeyTime::new(1, 2)?, "{}");
        let shown = format!("{signed:?}");
        assert!(
            !shown.contains(signed.sign_key().expose_secret()),
            "{shown}"
        );
        assert!(!shown.contains("topsecretvalue"), "{shown}");
        assert!(shown.contains("[REDACTED]"), "{shown}");
        Ok(())
    }

    #[test]
    fn the_string_to_sign_is_the_sha1_of_the_policy_text_not_of_its_base64()
    -> Result<(), super::super::SignError> {
        let signed = PostObjectSignature::sign(&credentials(), KeyTime::new(1, 2)?, "abc");
        assert_eq!(
            signed.string_to_sign(),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(signed.policy_base64(), "YWJj");
        Ok(())
    }

    #[test]
    fn a_key_time_past_the_year_9999_is_refused() -> Result<(), Box<dyn std::error::Error>> {
        let policy = PostPolicy::new("b-1250000000", "k")?;
        let key_time = KeyTime::new(0, 253_402_300_800)?; // 10000-01-01T00:00:00Z
        assert_eq!(
            sign(&policy, &credentials(), key_time),
            Err(PolicyError::TimeOutOfRange(253_402_300_800))
        );
        Ok(())
    }
}
