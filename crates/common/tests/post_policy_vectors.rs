//! Form-upload policies against the external vectors in `tests/fixtures/vectors/`:
//! `cos_post_policy.json` (Tencent doc 436/14690's worked example, and forms built by an
//! independent implementation) and `s3_post_policy.json` (the AWS SigV4 POST example, AWS's
//! signing-key example, botocore's `generate_presigned_post`). Every expected value is read
//! from the fixture files, never restated here.

mod support;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use support::{Res, TestResult, expect_eq, fixture, text};
use weapp_common::cos::post_object::{self, PostObjectSignature};
use weapp_common::cos::{Credentials, KeyTime};
use weapp_common::post_policy::sigv4::{self, S3Credentials, SigningKey};
use weapp_common::post_policy::{PostForm, PostPolicy};

const COS: &str = "cos_post_policy.json";
const S3: &str = "s3_post_policy.json";

fn array<'a>(value: &'a Value, pointer: &str) -> Res<&'a Vec<Value>> {
    let found = value.pointer(pointer).and_then(Value::as_array);
    Ok(found.ok_or(format!("no array at {pointer}"))?)
}

/// The vectors of `section` of `file`; there must be some.
fn vectors(file: &str, section: &str) -> Res<Vec<Value>> {
    let all = fixture(file)?;
    let list = array(&all, &format!("/{section}"))?.clone();
    assert!(!list.is_empty(), "{file}: {section} is empty");
    Ok(list)
}

/// `[[name, value], …]` as pairs.
fn field_pairs(value: &Value, pointer: &str) -> Res<Vec<(String, String)>> {
    let pair = |item: &Value| -> Res<(String, String)> {
        Ok((text(item, "/0")?.to_owned(), text(item, "/1")?.to_owned()))
    };
    array(value, pointer)?.iter().map(pair).collect()
}

/// The vector's `inputs` as a [`PostPolicy`]: `["content-length-range", min, max]` and
/// `{"field": value}` conditions, `{meta_prefix + name: value}` as metadata.
fn policy(inputs: &Value, meta_prefix: &str) -> Res<PostPolicy> {
    let mut policy = PostPolicy::new(text(inputs, "/bucket")?, text(inputs, "/key")?)?;
    for condition in array(inputs, "/conditions")? {
        if let Some(object) = condition.as_object() {
            for (field, value) in object {
                let value = value.as_str().ok_or("condition value")?;
                policy = match field.strip_prefix(meta_prefix) {
                    Some(name) => policy.metadata(name, value)?,
                    None if field == "success_action_status" => {
                        policy.success_action_status(value.parse()?)?
                    }
                    None => policy.exact(field, value)?,
                };
            }
        } else {
            assert_eq!(text(condition, "/0")?, "content-length-range");
            let bound = |i: &str| condition.pointer(i).and_then(Value::as_u64).ok_or("bound");
            policy = policy.content_length_range(bound("/1")?, bound("/2")?)?;
        }
    }
    Ok(policy)
}

fn cos_credentials(inputs: &Value) -> Res<Credentials> {
    let key = SecretString::from(text(inputs, "/secret_key")?);
    Ok(Credentials::new(text(inputs, "/secret_id")?, key))
}

/// Every intermediate of a COS vector against a signature of its policy text.
fn assert_cos_intermediates(vector: &Value, signed: &PostObjectSignature) -> TestResult {
    expect_eq(signed.sign_key().expose_secret(), vector, "/sign_key")?;
    expect_eq(signed.string_to_sign(), vector, "/string_to_sign")?;
    expect_eq(signed.signature(), vector, "/signature")
}

#[test]
fn cos_doc_example_gives_every_published_intermediate() -> TestResult {
    for vector in &vectors(COS, "official_doc_vectors")? {
        let inputs = &vector["inputs"];
        let key_time: KeyTime = text(inputs, "/key_time")?.parse()?;
        let signed = PostObjectSignature::sign(
            &cos_credentials(inputs)?,
            key_time,
            text(vector, "/policy_json")?,
        );
        expect_eq(signed.key_time(), inputs, "/key_time")?;
        expect_eq(signed.policy_base64(), vector, "/policy_base64")?;
        assert_cos_intermediates(vector, &signed)?;
        let fields: Vec<(String, String)> = signed
            .fields()
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        assert_eq!(fields, field_pairs(vector, "/fields")?, "{}", vector["id"]);
    }
    Ok(())
}

#[test]
fn cos_forms_match_the_independent_implementation_field_for_field() -> TestResult {
    for vector in &vectors(COS, "built_vectors")? {
        let inputs = &vector["inputs"];
        let credentials = cos_credentials(inputs)?;
        let key_time: KeyTime = text(inputs, "/key_time")?.parse()?;
        let form = post_object::sign(&policy(inputs, "x-cos-meta-")?, &credentials, key_time)?;
        expect_eq(form.policy_json(), vector, "/policy_json")?;
        assert_eq!(
            form.fields(),
            field_pairs(vector, "/fields")?,
            "{}",
            vector["id"]
        );
        let signed = PostObjectSignature::sign(&credentials, key_time, form.policy_json());
        assert_cos_intermediates(vector, &signed)?;
    }
    Ok(())
}

fn assert_chain(key: &SigningKey, expected: &Value) -> TestResult {
    let steps = [
        ("/k_date", key.date_key()),
        ("/k_region", key.region_key()),
        ("/k_service", key.service_key()),
        ("/k_signing", key.signing_key()),
    ];
    for (pointer, actual) in steps {
        assert_eq!(hex::encode(actual), text(expected, pointer)?, "{pointer}");
    }
    Ok(())
}

/// The signing key of an AWS example's secret, date, region and service.
fn example_key(example: &Value) -> Res<SigningKey> {
    let secret = SecretString::from(text(example, "/secret_access_key")?);
    Ok(SigningKey::derive(
        &secret,
        text(example, "/date")?,
        text(example, "/region")?,
        text(example, "/service")?,
    ))
}

#[test]
fn aws_signing_key_example_gives_every_published_step() -> TestResult {
    let example = &fixture(S3)?["aws_doc_signing_key"];
    let key = example_key(example)?;
    assert_chain(&key, example)
}

#[test]
fn aws_post_example_signs_the_published_base64_with_its_crlf_lines() -> TestResult {
    let example = &fixture(S3)?["aws_doc_post_example"];
    let policy_json = text(example, "/policy_json")?;
    assert!(
        policy_json.contains("\r\n"),
        "the published policy has CRLF line ends"
    );
    let published = text(example, "/policy_base64")?;
    assert_eq!(STANDARD.encode(policy_json), published);
    let key = example_key(example)?;
    assert_chain(&key, &example["signing_key_chain_cross_checked"])?;
    assert_eq!(key.sign(published), text(example, "/signature")?);
    Ok(())
}

fn sorted(mut fields: Vec<(String, String)>) -> Vec<(String, String)> {
    fields.sort();
    fields
}

#[test]
fn s3_forms_match_botocore_generate_presigned_post() -> TestResult {
    for vector in &vectors(S3, "botocore_vectors")? {
        let inputs = &vector["inputs"];
        let secret = SecretString::from(text(inputs, "/secret_access_key")?);
        let mut credentials = S3Credentials::new(text(inputs, "/access_key_id")?, secret)?;
        if let Some(token) = inputs["session_token"].as_str() {
            credentials = credentials.with_session_token(SecretString::from(token));
        }
        let number = |p: &str| inputs.pointer(p).and_then(Value::as_u64).ok_or("number");
        let form: PostForm = sigv4::sign(
            &policy(inputs, "x-amz-meta-")?,
            &credentials,
            text(inputs, "/region")?,
            number("/now")?,
            number("/expires_in")?,
        )?;
        expect_eq(form.policy_json(), vector, "/policy_json")?;
        assert_eq!(
            sorted(form.fields().to_vec()),
            sorted(field_pairs(vector, "/fields")?),
            "{}",
            vector["id"]
        );
    }
    Ok(())
}
