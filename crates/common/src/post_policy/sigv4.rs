//! The AWS Signature Version 4 POST policy: browser form uploads to S3 and S3-compatible stores
//! (SeaweedFS, MinIO, COS's S3 endpoint).
//!
//! Rules (<https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html>,
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-authentication-HTTPPOST.html>):
//!
//! 1. the policy's conditions also name `x-amz-algorithm` (`AWS4-HMAC-SHA256`),
//!    `x-amz-credential` (`AKID/YYYYMMDD/region/s3/aws4_request`), `x-amz-date`
//!    (`YYYYMMDDTHHMMSSZ`) and, with temporary credentials, `x-amz-security-token`;
//! 2. `StringToSign` = base64 of the policy's UTF-8 bytes, which is also the `policy` field;
//! 3. signing key = HMAC-SHA256 chain `"AWS4" + secret` → date → region → `s3` →
//!    `aws4_request` (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv4.html>);
//! 4. `x-amz-signature` = hex HMAC-SHA256(signing key, `StringToSign`).
//!
//! Pinned by `tests/fixtures/vectors/s3_post_policy.json`: the AWS example
//! (<https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-post-example.html>), AWS's
//! signing-key example and botocore's `generate_presigned_post` with a frozen clock.

use std::{
    fmt,
    sync::{Arc, Mutex, PoisonError},
};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretString};

use super::{PolicyError, PostForm, PostPolicy, iso8601, utc};
use crate::crypto::hmac_sha256;

/// The only algorithm of SigV4 POST.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The service name in the credential scope of S3 requests.
pub const SERVICE: &str = "s3";

/// An S3 key pair and, for temporary credentials, its session token.
///
/// `Debug` shows the access key id only; the secret and the token print `[REDACTED]`.
#[derive(Clone)]
pub struct S3Credentials {
    access_key_id: String,
    secret_access_key: SecretString,
    session_token: Option<SecretString>,
    /// The signing key last derived, shared by clones (see [`S3Credentials::signing_key`]).
    last_key: Arc<Mutex<Option<CachedKey>>>,
}

/// A derived signing key with the UTC day (`YYYYMMDD`) and region it holds for.
struct CachedKey {
    date: String,
    region: String,
    key: SigningKey,
}

impl S3Credentials {
    /// A permanent key pair.
    ///
    /// # Errors
    /// [`PolicyError::InvalidAccessKeyId`] for an empty id or one with `/`, whitespace or a
    /// control character (it is a segment of `x-amz-credential`).
    pub fn new(access_key_id: &str, secret_access_key: SecretString) -> Result<Self, PolicyError> {
        let bad = |c: char| c == '/' || c.is_whitespace() || c.is_control();
        if access_key_id.is_empty() || access_key_id.contains(bad) {
            return Err(PolicyError::InvalidAccessKeyId(access_key_id.to_owned()));
        }
        Ok(Self {
            access_key_id: access_key_id.to_owned(),
            secret_access_key,
            session_token: None,
            last_key: Arc::default(),
        })
    }

    /// Adds the session token of temporary credentials (`x-amz-security-token`).
    #[must_use]
    pub fn with_session_token(mut self, token: SecretString) -> Self {
        self.session_token = Some(token);
        self
    }

    /// The access key id (public: it travels in `x-amz-credential`).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The signing key of `date` (`YYYYMMDD`) in `region` for S3: the key last derived when
    /// it is for the same day and region (a key holds for a whole UTC day; deriving it is four
    /// HMAC-SHA256 steps, otherwise repeated for every presigned URL and form), else derived
    /// and kept. Shared by this value's clones.
    pub(super) fn signing_key(&self, date: &str, region: &str) -> SigningKey {
        let mut last = self.last_key.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(cached) = last.as_ref()
            && cached.date == date
            && cached.region == region
        {
            return cached.key.clone();
        }
        let key = SigningKey::derive(&self.secret_access_key, date, region, SERVICE);
        *last = Some(CachedKey {
            date: date.to_owned(),
            region: region.to_owned(),
            key: key.clone(),
        });
        key
    }

    pub(super) fn session_token_text(&self) -> Option<&str> {
        self.session_token.as_ref().map(ExposeSecret::expose_secret)
    }
}

impl fmt::Debug for S3Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let token = self.session_token.as_ref().map(|_| "[REDACTED]");
        f.debug_struct("S3Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"[REDACTED]")
            .field("session_token", &token)
            .finish()
    }
}

/// The SigV4 signing key and the chain that derives it, each step 32 raw bytes. All of them
/// sign anything of their scope for the day: `Debug` prints none.
#[derive(Clone)]
pub struct SigningKey {
    date_key: [u8; 32],
    region_key: [u8; 32],
    service_key: [u8; 32],
    signing_key: [u8; 32],
}

impl SigningKey {
    /// `kDate = HMAC("AWS4" + secret, date)`, `kRegion = HMAC(kDate, region)`,
    /// `kService = HMAC(kRegion, service)`, `kSigning = HMAC(kService, "aws4_request")`;
    /// `date` is `YYYYMMDD`. Any text is accepted: a wrong scope only makes the store refuse.
    pub fn derive(
        secret_access_key: &SecretString,
        date: &str,
        region: &str,
        service: &str,
    ) -> Self {
        let secret = format!("AWS4{}", secret_access_key.expose_secret());
        let date_key = hmac_sha256(secret.as_bytes(), date.as_bytes());
        let region_key = hmac_sha256(&date_key, region.as_bytes());
        let service_key = hmac_sha256(&region_key, service.as_bytes());
        let signing_key = hmac_sha256(&service_key, b"aws4_request");
        Self {
            date_key,
            region_key,
            service_key,
            signing_key,
        }
    }

    /// `kDate`. Secret.
    pub fn date_key(&self) -> &[u8; 32] {
        &self.date_key
    }

    /// `kRegion`. Secret.
    pub fn region_key(&self) -> &[u8; 32] {
        &self.region_key
    }

    /// `kService`. Secret.
    pub fn service_key(&self) -> &[u8; 32] {
        &self.service_key
    }

    /// `kSigning`, the signing key itself. Secret.
    pub fn signing_key(&self) -> &[u8; 32] {
        &self.signing_key
    }

    /// The signature of `string_to_sign` (for a POST policy: the exact base64 text of the
    /// policy): 64 lowercase hex digits of HMAC-SHA256(kSigning, string_to_sign).
    pub fn sign(&self, string_to_sign: &str) -> String {
        hex::encode(hmac_sha256(&self.signing_key, string_to_sign.as_bytes()))
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey([REDACTED])")
    }
}

/// Signs `policy` for a form upload to an S3 store in `region`, issued at `now` (unix
/// seconds, UTC) and valid for `expires_in` seconds (the policy's `expiration`).
///
/// Fields, in order: `key`, the policy's exact fields as added (`Content-Type`,
/// `x-amz-meta-*`, `success_action_status`…), `policy`, `x-amz-algorithm`,
/// `x-amz-credential`, `x-amz-date`, `x-amz-security-token` (temporary credentials only),
/// `x-amz-signature`. The same inputs give botocore's `generate_presigned_post` fields.
///
/// # Errors
/// [`PolicyError::InvalidRegion`]; [`PolicyError::TimeOutOfRange`] when `now` or
/// `now + expires_in` is not a date before the year 10000.
///
/// # Example
/// ```
/// use secrecy::SecretString;
/// use weapp_common::post_policy::{PostPolicy, sigv4};
///
/// let policy = PostPolicy::new("album", "photos/1700000000123-a1b2c3d4.png")?
///     .content_length_range(1, 5 * 1024 * 1024)?
///     .content_type("image/png")?
///     .metadata("openid", "o_wx_123")?
///     .success_action_status(204)?;
/// let credentials = sigv4::S3Credentials::new("AKIDEXAMPLE", SecretString::from("secret"))?;
/// let form = sigv4::sign(&policy, &credentials, "us-east-1", 1_700_000_000, 600)?;
/// assert_eq!(form.fields()[0], ("key".into(), "photos/1700000000123-a1b2c3d4.png".into()));
/// assert_eq!(form.get("x-amz-date"), Some("20231114T221320Z"));
/// # Ok::<(), weapp_common::post_policy::PolicyError>(())
/// ```
pub fn sign(
    policy: &PostPolicy,
    credentials: &S3Credentials,
    region: &str,
    now: u64,
    expires_in: u64,
) -> Result<PostForm, PolicyError> {
    let region_char = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-';
    if region.is_empty() || !region.bytes().all(region_char) {
        return Err(PolicyError::InvalidRegion(region.to_owned()));
    }
    let issued = utc(now)?;
    let expires_at = now
        .checked_add(expires_in)
        .ok_or(PolicyError::TimeOutOfRange(u64::MAX))?;
    let expiration = iso8601(utc(expires_at)?, false);
    let date = format!(
        "{:04}{:02}{:02}",
        issued.year(),
        u8::from(issued.month()),
        issued.day()
    );
    let amz_date = format!(
        "{date}T{:02}{:02}{:02}Z",
        issued.hour(),
        issued.minute(),
        issued.second()
    );
    let credential = format!(
        "{}/{date}/{region}/{SERVICE}/aws4_request",
        credentials.access_key_id
    );
    let mut auth = vec![
        ("x-amz-algorithm", ALGORITHM),
        ("x-amz-credential", credential.as_str()),
        ("x-amz-date", amz_date.as_str()),
    ];
    if let Some(token) = &credentials.session_token {
        auth.push(("x-amz-security-token", token.expose_secret()));
    }
    let policy_json = policy.policy_json("x-amz-meta-", &expiration, &auth);
    let policy_base64 = STANDARD.encode(policy_json.as_bytes());
    let signature = credentials.signing_key(&date, region).sign(&policy_base64);

    let mut fields = policy.leading_fields("x-amz-meta-");
    fields.push(("policy".into(), policy_base64));
    fields.extend(auth.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())));
    fields.push(("x-amz-signature".into(), signature));
    Ok(PostForm::new(fields, policy_json))
}

#[cfg(test)]
mod tests;
