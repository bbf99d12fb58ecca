use std::time::Duration;

use secrecy::SecretString;
use weapp_common::config::Secret;

use super::*;

fn album() -> Signer {
    Signer::new(
        StoreSigner::Album,
        MacKey::from_config(&Secret::from("test-signing-key")),
    )
}

fn cos() -> anyhow::Result<Signer> {
    Ok(Signer::new(
        StoreSigner::Cos {
            // Sample credentials of COS doc 436/7778, not a real account.
            credentials: Credentials::new(
                "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
                SecretString::from("BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz"),
            ),
            endpoint: Endpoint::cos("examplebucket-1250000000", "ap-guangzhou")?,
            bucket: "examplebucket-1250000000".into(),
        },
        MacKey::from_config(&Secret::from("k")),
    ))
}

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn grant<'a>(key: &'a str, size: u64, owner: Option<&'a str>) -> Grant<'a> {
    Grant {
        key,
        kind: ImageKind::Jpeg,
        size,
        owner,
        expires_in: 300,
        now: now(),
    }
}

fn query_value<'a>(url: &'a str, name: &str) -> &'a str {
    url.split(['?', '&'])
        .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
        .unwrap_or_default()
}

#[tokio::test]
async fn album_put_urls_carry_a_signature_the_album_verifies() -> anyhow::Result<()> {
    let signer = album();
    let ticket = signer
        .sign_put(
            &grant("1-a.jpg", 10, None),
            "http://h/applet/album/files/1-a.jpg",
        )
        .await?;
    assert!(
        ticket
            .upload_url
            .starts_with("http://h/applet/album/files/1-a.jpg?expires=1700000300&signature="),
        "{}",
        ticket.upload_url
    );
    let signed = Signed {
        method: "PUT",
        key: "1-a.jpg",
        content_type: "image/jpeg",
        expires: 1_700_000_300,
    };
    assert!(signer.mac().verify(
        &signed,
        query_value(&ticket.upload_url, "signature"),
        1_700_000_000
    ));
    assert_eq!(
        ticket.headers,
        [
            ("Content-Type".to_owned(), "image/jpeg".to_owned()),
            ("Content-Length".to_owned(), "10".to_owned())
        ]
    );
    Ok(())
}

#[tokio::test]
async fn cos_put_urls_sign_length_type_owner_and_no_overwrite() -> anyhow::Result<()> {
    let signer = cos()?;
    let ticket = signer
        .sign_put(&grant("p/1-a.jpg", 1234, Some("o_alice")), "")
        .await?;
    let url = &ticket.upload_url;
    assert!(
        url.starts_with(
            "https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/p/1-a.jpg?"
        ),
        "{url}"
    );
    assert_eq!(
        query_value(url, "q-header-list"),
        "content-length%3Bcontent-type%3Bhost%3Bx-cos-forbid-overwrite%3Bx-cos-meta-openid",
        "{url}"
    );
    assert!(!url.contains("BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz"));
    assert!(
        !url.contains("o_alice"),
        "the owner travels as a header only"
    );
    let names: Vec<_> = ticket.headers.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "Content-Type",
            "Content-Length",
            "x-cos-forbid-overwrite",
            "x-cos-meta-openid"
        ]
    );
    let other_size = signer
        .sign_put(&grant("p/1-a.jpg", 1235, Some("o_alice")), "")
        .await?;
    assert_ne!(
        query_value(url, "q-signature"),
        query_value(&other_size.upload_url, "q-signature")
    );
    Ok(())
}

#[tokio::test]
async fn private_get_urls_are_signed_for_each_backend() -> anyhow::Result<()> {
    let url = cos()?.sign_get("p/1-a.jpg", "", 3600, now()).await?;
    assert_eq!(
        query_value(&url, "q-sign-time"),
        "1700000000%3B1700003600",
        "{url}"
    );
    assert!(!query_value(&url, "q-signature").is_empty());

    let signer = album();
    let url = signer
        .sign_get("1-a.jpg", "http://h/applet/album/files/1-a.jpg", 60, now())
        .await?;
    let signed = Signed {
        method: "GET",
        key: "1-a.jpg",
        content_type: "",
        expires: 1_700_000_060,
    };
    assert!(
        signer
            .mac()
            .verify(&signed, query_value(&url, "signature"), 1_700_000_000)
    );
    Ok(())
}

#[test]
fn album_forms_list_the_fields_then_the_file() -> anyhow::Result<()> {
    let signer = album();
    let form = signer.sign_form(&grant("1-a.jpg", 99, None), "http://h/applet/album/files")?;
    assert_eq!(form.url, "http://h/applet/album/files");
    assert_eq!(form.file_field, "file");
    let names: Vec<_> = form.fields.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["key", "Content-Type", "expires", "signature"]);
    let signed = Signed {
        method: "POST",
        key: "1-a.jpg",
        content_type: "image/jpeg",
        expires: 1_700_000_300,
    };
    assert!(
        signer
            .mac()
            .verify(&signed, &form.fields[3].1, 1_700_000_000)
    );
    Ok(())
}

#[test]
fn cos_forms_carry_the_post_object_policy_fields_in_order() -> anyhow::Result<()> {
    let form = cos()?.sign_form(&grant("p/1-a.jpg", 5000, Some("o_alice")), "")?;
    assert_eq!(
        form.url,
        "https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/"
    );
    let names: Vec<_> = form.fields.iter().map(|(k, _)| k.as_str()).collect();
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
            "q-signature"
        ]
    );
    assert_eq!(form.fields[7].1, "1700000000;1700000300");
    Ok(())
}

#[test]
fn debug_hides_keys() -> anyhow::Result<()> {
    assert_eq!(format!("{:?}", album()), "Signer::Album([REDACTED])");
    assert!(!format!("{:?}", cos()?).contains("BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz"));
    Ok(())
}

fn s3_post(url: &str, access_key_id: &str) -> anyhow::Result<form::S3Post> {
    form::S3Post::new(
        url,
        "album",
        "us-east-1",
        access_key_id,
        SecretString::from("s3-test-secret"),
    )
}

#[tokio::test]
async fn s3_put_urls_are_built_on_the_bucket_url_parsed_at_start_up() -> anyhow::Result<()> {
    let signer = Signer::new(
        StoreSigner::S3 {
            post: s3_post("http://127.0.0.1:8333/album/", "AKIDTEST")?,
        },
        MacKey::from_config(&Secret::from("k")),
    );
    let first = signer.sign_put(&grant("1-a.jpg", 10, None), "").await?;
    assert!(
        first.upload_url.starts_with(
            "http://127.0.0.1:8333/album/1-a.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKIDTEST%2F20231114%2Fus-east-1%2Fs3%2Faws4_request"
        ),
        "{}",
        first.upload_url
    );
    // Signed again (now with the signing key kept from the first): the same inputs give the
    // same URL; another key gives another signature. Whether the key was reused is pinned in
    // weapp-common (`a_kept_signing_key_serves_only_its_own_day_and_region`).
    let again = signer.sign_put(&grant("1-a.jpg", 10, None), "").await?;
    assert_eq!(again.upload_url, first.upload_url);
    let other = signer.sign_put(&grant("1-b.jpg", 10, None), "").await?;
    assert_ne!(
        query_value(&other.upload_url, "X-Amz-Signature"),
        query_value(&first.upload_url, "X-Amz-Signature")
    );
    Ok(())
}

#[test]
fn s3_signers_refuse_a_bad_bucket_url_or_access_key_id_when_built() {
    assert!(s3_post("not a url", "AKIDTEST").is_err());
    assert!(s3_post("http://127.0.0.1:8333/album", "").is_err());
    assert!(s3_post("http://127.0.0.1:8333/album", "AKID/TEST").is_err());
}
