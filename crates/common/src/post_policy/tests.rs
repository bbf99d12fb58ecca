use super::*;

type TestResult = Result<(), PolicyError>;

fn album_policy() -> Result<PostPolicy, PolicyError> {
    PostPolicy::new("album", "photos/1.png")?
        .content_length_range(1, 5_242_880)?
        .content_type("image/png")?
        .metadata("openid", "o_wx_123")?
        .success_action_status(204)
}

#[test]
fn conditions_keep_the_callers_order_then_bucket_key_and_auth() -> TestResult {
    let json = album_policy()?.policy_json("x-amz-meta-", "2023-11-14T22:23:20Z", &[("a", "b")]);
    assert_eq!(
        json,
        "{\"expiration\": \"2023-11-14T22:23:20Z\", \"conditions\": [\
         [\"content-length-range\", 1, 5242880], {\"Content-Type\": \"image/png\"}, \
         {\"x-amz-meta-openid\": \"o_wx_123\"}, {\"success_action_status\": \"204\"}, \
         {\"bucket\": \"album\"}, {\"key\": \"photos/1.png\"}, {\"a\": \"b\"}]}"
    );
    Ok(())
}

#[test]
fn the_policy_text_is_valid_json_whatever_the_values() -> Result<(), Box<dyn std::error::Error>> {
    let tricky = "a\"b\\c\n\u{1}/张";
    let policy = PostPolicy::new("b", "k张")?.exact("acl", tricky)?;
    let json = policy.policy_json("x-cos-meta-", "e", &[]);
    let parsed: Value = serde_json::from_str(&json)?;
    assert_eq!(parsed["conditions"][0]["acl"], tricky);
    assert_eq!(parsed["conditions"][2]["key"], "k张");
    Ok(())
}

#[test]
fn leading_fields_are_key_then_each_exact_condition_in_order() -> TestResult {
    let fields = album_policy()?.leading_fields("x-cos-meta-");
    let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "key",
            "Content-Type",
            "x-cos-meta-openid",
            "success_action_status"
        ]
    );
    assert_eq!(fields[0].1, "photos/1.png");
    Ok(())
}

#[test]
fn keys_and_buckets_are_checked() {
    for key in ["", "a\nb", "\u{7f}"] {
        assert_eq!(
            PostPolicy::new("b", key),
            Err(PolicyError::InvalidKey(key.into()))
        );
    }
    let long = "k".repeat(MAX_KEY_BYTES + 1);
    assert!(matches!(
        PostPolicy::new("b", &long),
        Err(PolicyError::InvalidKey(_))
    ));
    assert!(PostPolicy::new("b", &long[1..]).is_ok());
    for bucket in ["", "Album", "a b", "a/b", "a_b"] {
        assert_eq!(
            PostPolicy::new(bucket, "k"),
            Err(PolicyError::InvalidBucket(bucket.into()))
        );
    }
}

#[test]
fn signer_fields_cannot_be_set_as_conditions() -> TestResult {
    let policy = PostPolicy::new("b", "k")?;
    for field in [
        "key",
        "Key",
        "bucket",
        "policy",
        "Policy",
        "file",
        "x-amz-date",
        "X-Amz-Signature",
        "x-amz-meta-openid",
        "x-cos-meta-openid",
        "q-signature",
        "q-ak",
        "content-length-range",
        "AWSAccessKeyId",
        "signature",
    ] {
        assert_eq!(
            policy.clone().exact(field, "v"),
            Err(PolicyError::ReservedField(field.into())),
            "{field}"
        );
    }
    for field in ["", "a b", "a\"b", "a:b", "张"] {
        assert_eq!(
            policy.clone().exact(field, "v"),
            Err(PolicyError::InvalidFieldName(field.into()))
        );
    }
    Ok(())
}

#[test]
fn a_field_or_range_given_twice_is_refused() -> TestResult {
    let policy = album_policy()?;
    assert!(matches!(
        policy.clone().exact("content-type", "image/jpeg"),
        Err(PolicyError::DuplicateCondition(_))
    ));
    assert!(matches!(
        policy.clone().metadata("openid", "other"),
        Err(PolicyError::DuplicateCondition(_))
    ));
    assert!(matches!(
        policy.clone().content_length_range(0, 1),
        Err(PolicyError::DuplicateCondition(_))
    ));
    assert!(matches!(
        policy.success_action_status(201),
        Err(PolicyError::DuplicateCondition(_))
    ));
    Ok(())
}

#[test]
fn ranges_metadata_names_and_statuses_are_checked() -> TestResult {
    let policy = PostPolicy::new("b", "k")?;
    assert_eq!(
        policy.clone().content_length_range(2, 1),
        Err(PolicyError::EmptyRange { min: 2, max: 1 })
    );
    assert_eq!(
        policy.clone().content_length_range(7, 7)?.size_range(),
        Some((7, 7))
    );
    assert_eq!(policy.size_range(), None);
    for name in ["", "OpenId", "a b", "a:b"] {
        assert_eq!(
            policy.clone().metadata(name, "v"),
            Err(PolicyError::InvalidMetadataName(name.into()))
        );
    }
    for status in [0, 202, 303, 404] {
        assert_eq!(
            policy.clone().success_action_status(status),
            Err(PolicyError::InvalidSuccessStatus(status))
        );
    }
    Ok(())
}

#[test]
fn iso8601_writes_utc_with_or_without_milliseconds() -> TestResult {
    assert_eq!(iso8601(utc(0)?, false), "1970-01-01T00:00:00Z");
    assert_eq!(iso8601(utc(951_782_400)?, true), "2000-02-29T00:00:00.000Z");
    assert_eq!(
        iso8601(utc(253_402_300_799)?, false),
        "9999-12-31T23:59:59Z"
    );
    assert_eq!(
        utc(253_402_300_800),
        Err(PolicyError::TimeOutOfRange(253_402_300_800))
    );
    assert_eq!(utc(u64::MAX), Err(PolicyError::TimeOutOfRange(u64::MAX)));
    Ok(())
}

fn form_with_token() -> PostForm {
    PostForm::new(
        vec![
            ("key".into(), "k".into()),
            ("x-amz-security-token".into(), "tokenvalue".into()),
            ("x-amz-signature".into(), "ab".into()),
        ],
        "{\"conditions\": [{\"x-amz-security-token\": \"tokenvalue\"}]}".into(),
    )
}

#[test]
fn debug_of_a_form_hides_security_tokens() {
    let shown = format!("{:?}", form_with_token());
    assert!(!shown.contains("tokenvalue"), "{shown}");
    assert!(
        shown.contains("[REDACTED]") && shown.contains("x-amz-signature"),
        "{shown}"
    );
}

#[test]
fn a_form_serializes_as_one_ordered_object() -> Result<(), serde_json::Error> {
    let form = form_with_token();
    assert_eq!(
        serde_json::to_string(&form)?,
        "{\"key\":\"k\",\"x-amz-security-token\":\"tokenvalue\",\"x-amz-signature\":\"ab\"}"
    );
    assert_eq!(form.get("key"), Some("k"));
    assert_eq!(form.get("Key"), None);
    Ok(())
}
