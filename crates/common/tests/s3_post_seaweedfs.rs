//! The SigV4 POST form of `weapp_common::post_policy::sigv4` against the real S3 server of the
//! local stack (SeaweedFS 4.48, `WEAPP_TEST_S3_*`): the form it signs is accepted, and the store
//! itself refuses a body over the size range, another content type, another key, altered
//! metadata, an expired policy and a bad signature. Each test writes under its own random
//! prefix and removes what it wrote before asserting.
//!
//! The posts are built by hand the way `wx.uploadFile({name: 'file', formData})` and browsers
//! send them: the fields in order, then the file part.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use object_store::aws::AmazonS3;
use object_store::path::Path;
use object_store::{Attribute, ObjectStoreExt};
use reqwest::multipart::{Form, Part};
use secrecy::SecretString;
use weapp_common::post_policy::sigv4::{self, S3Credentials};
use weapp_common::post_policy::{PostForm, PostPolicy};
use weapp_testkit::{S3Target, random_name};

/// Largest body the test policy admits (bytes).
const MAX_SIZE: u64 = 1024;
/// A PNG signature followed by filler: the store does not look inside.
const PNG_HEAD: &[u8] = b"\x89PNG\r\n\x1a\n";

struct Stack {
    target: S3Target,
    store: Arc<AmazonS3>,
    prefix: String,
    http: reqwest::Client,
}

/// What one post did: the store's status, and the `Code` and `Message` of its error body.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    status: u16,
    code: String,
    message: String,
}

impl Outcome {
    /// Asserts a refusal: `status`, `code`, and a message saying `why`.
    fn assert_refused(&self, status: u16, code: &str, why: &str) {
        assert_eq!(
            (self.status, self.code.as_str()),
            (status, code),
            "{self:?}"
        );
        assert!(self.message.contains(why), "{self:?}");
    }
}

/// The text of the first `<tag>…</tag>` of an S3 error body, empty when there is none.
fn element(xml: &str, tag: &str) -> String {
    xml.split_once(&format!("<{tag}>"))
        .and_then(|(_, rest)| rest.split_once(&format!("</{tag}>")))
        .map(|(text, _)| text.to_owned())
        .unwrap_or_default()
}

impl Stack {
    fn new() -> Self {
        let target = S3Target::from_env();
        assert!(
            target.has_credentials(),
            "no S3 credentials: run scripts/up (or scripts/test), or set WEAPP_TEST_S3_*"
        );
        Self {
            store: target.client(),
            prefix: format!("t-post-{}/", random_name(10)),
            http: reqwest::Client::new(),
            target,
        }
    }

    fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// The album-shaped policy: one key, 1..=MAX_SIZE bytes, image/png, owner metadata, 204.
    fn policy(&self, name: &str) -> PostPolicy {
        PostPolicy::new(&self.target.bucket, &self.key(name))
            .and_then(|p| p.content_length_range(1, MAX_SIZE))
            .and_then(|p| p.content_type("image/png"))
            .and_then(|p| p.metadata("openid", "o_wx_owner"))
            .and_then(|p| p.success_action_status(204))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The signed form for `name`, issued `age` seconds ago and valid for `expires_in`.
    fn form(&self, name: &str, age: u64, expires_in: u64) -> PostForm {
        let credentials = S3Credentials::new(
            &self.target.access_key,
            SecretString::from(self.target.secret_key.clone()),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_else(|e| panic!("{e}"));
        let policy = self.policy(name);
        sigv4::sign(
            &policy,
            &credentials,
            &self.target.region,
            now - age,
            expires_in,
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Posts `fields` in order, then `body` as the file part, to the bucket (path style).
    async fn post(&self, fields: &[(String, String)], body: Vec<u8>) -> Outcome {
        let mut form = Form::new();
        for (name, value) in fields {
            form = form.text(name.clone(), value.clone());
        }
        let part = Part::bytes(body)
            .file_name("photo.png")
            .mime_str("image/png")
            .unwrap_or_else(|e| panic!("{e}"));
        let url = format!(
            "{}/{}",
            self.target.endpoint.trim_end_matches('/'),
            self.target.bucket
        );
        let response = self
            .http
            .post(url)
            .multipart(form.part("file", part))
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST to the S3 server: {e}"));
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        Outcome {
            status,
            code: element(&text, "Code"),
            message: element(&text, "Message"),
        }
    }

    /// Content type and `openid` metadata of the object `name`, `None` when it is absent.
    async fn stored(&self, name: &str) -> Option<(usize, String, String)> {
        let result = self.store.get(&Path::from(self.key(name))).await.ok()?;
        let attribute = |a: &Attribute| result.attributes.get(a).map(|v| v.to_string());
        let content_type = attribute(&Attribute::ContentType).unwrap_or_default();
        let openid = attribute(&Attribute::Metadata("openid".into())).unwrap_or_default();
        let size = result.meta.size;
        Some((
            usize::try_from(size).unwrap_or(usize::MAX),
            content_type,
            openid,
        ))
    }

    /// Removes every object this test may have written (absent ones are fine).
    async fn clean(&self, names: &[&str]) {
        for name in names {
            let _ = self.store.delete(&Path::from(self.key(name))).await;
        }
    }
}

fn body(len: u64) -> Vec<u8> {
    let len = usize::try_from(len).unwrap_or(usize::MAX);
    PNG_HEAD
        .iter()
        .copied()
        .chain(std::iter::repeat(b'x'))
        .take(len)
        .collect()
}

#[tokio::test]
async fn a_signed_form_is_stored_with_its_type_and_owner() {
    let stack = Stack::new();
    let form = stack.form("ok.png", 0, 300);
    let outcome = stack.post(form.fields(), body(MAX_SIZE)).await;
    let stored = stack.stored("ok.png").await;
    stack.clean(&["ok.png"]).await;

    assert_eq!((outcome.status, outcome.code.as_str()), (204, ""));
    let expected_size = usize::try_from(MAX_SIZE).unwrap_or(usize::MAX);
    assert_eq!(
        stored,
        Some((
            expected_size,
            "image/png".to_owned(),
            "o_wx_owner".to_owned()
        ))
    );
}

/// Posts the signed form of `ok.png` (issued `age` seconds ago, valid `expires_in`) after
/// `alter` changed its fields, with a `len`-byte body. Returns the outcome and whether anything
/// arrived under `ok.png` or `other.png`, both removed before returning.
async fn attempt(
    stack: &Stack,
    (age, expires_in): (u64, u64),
    len: u64,
    alter: impl FnOnce(&mut [(String, String)]),
) -> (Outcome, bool) {
    let form = stack.form("ok.png", age, expires_in);
    let mut fields = form.fields().to_vec();
    alter(&mut fields);
    let outcome = stack.post(&fields, body(len)).await;
    let arrived =
        stack.stored("ok.png").await.is_some() || stack.stored("other.png").await.is_some();
    stack.clean(&["ok.png", "other.png"]).await;
    (outcome, arrived)
}

/// Sets the field `name` (which must be there) to what `value` makes of its current value.
fn set(fields: &mut [(String, String)], name: &str, value: impl FnOnce(&str) -> String) {
    let field = fields.iter_mut().find(|(n, _)| n == name);
    let field = field.unwrap_or_else(|| panic!("no field {name}"));
    field.1 = value(&field.1);
}

const FRESH: (u64, u64) = (0, 300);

#[tokio::test]
async fn a_body_over_the_size_range_is_refused() {
    let stack = Stack::new();
    let (outcome, arrived) = attempt(&stack, FRESH, MAX_SIZE + 1, |_| {}).await;
    outcome.assert_refused(400, "EntityTooLarge", "exceeds the maximum allowed");
    assert!(!arrived);
}

#[tokio::test]
async fn another_content_type_is_refused() {
    let stack = Stack::new();
    let (outcome, arrived) = attempt(&stack, FRESH, 16, |fields| {
        set(fields, "Content-Type", |_| "image/gif".into());
    })
    .await;
    outcome.assert_refused(403, "AccessDenied", "Policy Condition failed");
    assert!(!arrived);
}

#[tokio::test]
async fn another_key_is_refused() {
    let stack = Stack::new();
    let other = stack.key("other.png");
    let (outcome, arrived) =
        attempt(&stack, FRESH, 16, |fields| set(fields, "key", |_| other)).await;
    outcome.assert_refused(403, "AccessDenied", "Policy Condition failed");
    assert!(!arrived);
}

#[tokio::test]
async fn altered_owner_metadata_is_refused() {
    let stack = Stack::new();
    let (outcome, arrived) = attempt(&stack, FRESH, 16, |fields| {
        set(fields, "x-amz-meta-openid", |_| "o_wx_intruder".into());
    })
    .await;
    outcome.assert_refused(403, "AccessDenied", "Policy Condition failed");
    assert!(!arrived);
}

#[tokio::test]
async fn a_bad_signature_is_refused() {
    let stack = Stack::new();
    // The same signature with its first hex digit changed.
    let flip = |signature: &str| {
        let first = if signature.starts_with('0') { "1" } else { "0" };
        format!("{first}{}", signature.get(1..).unwrap_or_default())
    };
    let (outcome, arrived) = attempt(&stack, FRESH, 16, |fields| {
        set(fields, "x-amz-signature", flip)
    })
    .await;
    outcome.assert_refused(403, "SignatureDoesNotMatch", "signature");
    assert!(!arrived);
}

#[tokio::test]
async fn an_expired_policy_is_refused() {
    let stack = Stack::new();
    // Issued an hour ago, valid for a minute.
    let (outcome, arrived) = attempt(&stack, (3600, 60), 16, |_| {}).await;
    outcome.assert_refused(403, "AccessDenied", "Policy expired");
    assert!(!arrived);
}
