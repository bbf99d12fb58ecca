use std::collections::HashSet;

use super::*;

type TestResult = Result<(), PolicyError>;

/// Everything a signature depends on, to alter one input at a time.
#[derive(Clone)]
struct Inputs {
    bucket: &'static str,
    key: &'static str,
    range: (u64, u64),
    content_type: &'static str,
    meta: (&'static str, &'static str),
    status: u16,
    access_key_id: &'static str,
    secret: &'static str,
    token: Option<&'static str>,
    region: &'static str,
    now: u64,
    expires_in: u64,
}

const BASE: Inputs = Inputs {
    bucket: "album",
    key: "photos/1.png",
    range: (1, 5_242_880),
    content_type: "image/png",
    meta: ("openid", "o_wx_123"),
    status: 204,
    access_key_id: "AKIDEXAMPLE",
    secret: "topsecretvalue",
    token: None,
    region: "us-east-1",
    now: 1_700_000_000,
    expires_in: 600,
};

fn form(inputs: &Inputs) -> Result<PostForm, PolicyError> {
    let policy = PostPolicy::new(inputs.bucket, inputs.key)?
        .content_length_range(inputs.range.0, inputs.range.1)?
        .content_type(inputs.content_type)?
        .metadata(inputs.meta.0, inputs.meta.1)?
        .success_action_status(inputs.status)?;
    let mut credentials =
        S3Credentials::new(inputs.access_key_id, SecretString::from(inputs.secret))?;
    if let Some(token) = inputs.token {
        credentials = credentials.with_session_token(SecretString::from(token));
    }
    sign(
        &policy,
        &credentials,
        inputs.region,
        inputs.now,
        inputs.expires_in,
    )
}

fn signature(inputs: &Inputs) -> Result<String, PolicyError> {
    let form = form(inputs)?;
    Ok(form.get("x-amz-signature").unwrap_or_default().to_owned())
}

#[test]
fn altering_any_input_changes_the_signature() -> TestResult {
    let variants = [
        Inputs {
            bucket: "album2",
            ..BASE
        },
        Inputs {
            key: "photos/2.png",
            ..BASE
        },
        Inputs {
            range: (0, 5_242_880),
            ..BASE
        },
        Inputs {
            range: (1, 5_242_881),
            ..BASE
        },
        Inputs {
            content_type: "image/jpeg",
            ..BASE
        },
        Inputs {
            meta: ("openid", "o_wx_124"),
            ..BASE
        },
        Inputs {
            meta: ("owner", "o_wx_123"),
            ..BASE
        },
        Inputs {
            status: 201,
            ..BASE
        },
        Inputs {
            access_key_id: "AKIDEXAMPLF",
            ..BASE
        },
        Inputs {
            secret: "topsecretvaluf",
            ..BASE
        },
        Inputs {
            token: Some("token"),
            ..BASE
        },
        Inputs {
            region: "us-east-2",
            ..BASE
        },
        Inputs {
            now: BASE.now + 1,
            ..BASE
        },
        Inputs {
            expires_in: BASE.expires_in + 1,
            ..BASE
        },
    ];
    let mut seen = HashSet::from([signature(&BASE)?]);
    for (i, variant) in variants.iter().enumerate() {
        assert!(
            seen.insert(signature(variant)?),
            "variant {i} kept a signature"
        );
    }
    Ok(())
}

#[test]
fn fields_come_out_in_a_fixed_order() -> TestResult {
    let names =
        |form: &PostForm| -> Vec<String> { form.fields().iter().map(|(n, _)| n.clone()).collect() };
    let expected = [
        "key",
        "Content-Type",
        "x-amz-meta-openid",
        "success_action_status",
        "policy",
        "x-amz-algorithm",
        "x-amz-credential",
        "x-amz-date",
        "x-amz-signature",
    ];
    assert_eq!(names(&form(&BASE)?), expected);
    let with_token = form(&Inputs {
        token: Some("t"),
        ..BASE
    })?;
    let mut expected_with_token = expected.to_vec();
    expected_with_token.insert(8, "x-amz-security-token");
    assert_eq!(names(&with_token), expected_with_token);
    Ok(())
}

#[test]
fn the_form_carries_the_scope_and_dates_of_now() -> TestResult {
    let form = form(&BASE)?;
    assert_eq!(form.get("x-amz-algorithm"), Some(ALGORITHM));
    assert_eq!(
        form.get("x-amz-credential"),
        Some("AKIDEXAMPLE/20231114/us-east-1/s3/aws4_request")
    );
    assert_eq!(form.get("x-amz-date"), Some("20231114T221320Z"));
    assert!(
        form.policy_json()
            .starts_with("{\"expiration\": \"2023-11-14T22:23:20Z\"")
    );
    let policy = STANDARD.encode(form.policy_json());
    assert_eq!(form.get("policy"), Some(policy.as_str()));
    Ok(())
}

#[test]
fn secrets_never_appear_in_debug() -> TestResult {
    let credentials = S3Credentials::new("AKIDEXAMPLE", SecretString::from("topsecretvalue"))?
        .with_session_token(SecretString::from("sessiontokenvalue"));
    let key = SigningKey::derive(
        &SecretString::from("topsecretvalue"),
        "20231114",
        "r",
        SERVICE,
    );
    let form = form(&Inputs {
        token: Some("sessiontokenvalue"),
        ..BASE
    })?;
    for shown in [
        format!("{credentials:?}"),
        format!("{key:?}"),
        format!("{form:?}"),
    ] {
        assert!(!shown.contains("topsecretvalue"), "{shown}");
        assert!(!shown.contains("sessiontokenvalue"), "{shown}");
        assert!(!shown.contains(&hex::encode(key.signing_key())), "{shown}");
        assert!(shown.contains("[REDACTED]"), "{shown}");
    }
    assert!(format!("{credentials:?}").contains("AKIDEXAMPLE"));
    Ok(())
}

#[test]
fn bad_regions_access_keys_and_times_are_refused() -> TestResult {
    for region in ["", "US-EAST-1", "us east", "a/b"] {
        assert_eq!(
            form(&Inputs { region, ..BASE }).err(),
            Some(PolicyError::InvalidRegion(region.into()))
        );
    }
    for id in ["", "AKID/X", "AKID X", "AKID\n"] {
        assert_eq!(
            S3Credentials::new(id, SecretString::from("s")).err(),
            Some(PolicyError::InvalidAccessKeyId(id.into()))
        );
    }
    let year_10000 = 253_402_300_800;
    assert_eq!(
        form(&Inputs {
            now: year_10000,
            ..BASE
        })
        .err(),
        Some(PolicyError::TimeOutOfRange(year_10000))
    );
    assert_eq!(
        form(&Inputs {
            now: year_10000 - 1,
            expires_in: 1,
            ..BASE
        })
        .err(),
        Some(PolicyError::TimeOutOfRange(year_10000))
    );
    assert_eq!(
        form(&Inputs {
            expires_in: u64::MAX,
            ..BASE
        })
        .err(),
        Some(PolicyError::TimeOutOfRange(u64::MAX))
    );
    Ok(())
}
