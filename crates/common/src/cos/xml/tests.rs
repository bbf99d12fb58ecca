//! Behaviour of the v5 signer beyond the published vectors. Expected signatures were computed
//! by an independent Python implementation of `algorithm_summary` (hashlib/hmac + `quote`).

use secrecy::{ExposeSecret, SecretString};

use super::*;

const HOST: &str = "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com";

fn credentials() -> Credentials {
    // Sample credentials of doc 436/7778, not a real account.
    Credentials::new(
        "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
        SecretString::from("BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz"),
    )
}

fn key_time() -> Result<KeyTime, SignError> {
    KeyTime::new(1700000000, 1700003600)
}

#[test]
fn upper_case_query_names_are_lower_cased_but_values_keep_case() -> Result<(), SignError> {
    let signed = RequestToSign::new("GET", "/photo.jpg")?
        .with_param("Response-Content-Type", "image/png")
        .with_param("X-Custom", "A B")
        .with_header("Host", HOST)
        .sign(&credentials(), key_time()?);
    assert_eq!(signed.url_param_list(), "response-content-type;x-custom");
    assert_eq!(
        signed.http_parameters(),
        "response-content-type=image%2Fpng&x-custom=A%20B"
    );
    assert_eq!(signed.header_list(), "host");
    assert_eq!(
        signed.signature(),
        "510eef15f8863cea812201bee88e4fa5541cd97a"
    );
    Ok(())
}

#[test]
fn empty_query_value_is_signed_as_name_equals() -> Result<(), SignError> {
    let signed = RequestToSign::new("GET", "/")?
        .with_param("acl", "")
        .with_header("host", HOST)
        .sign(&credentials(), key_time()?);
    assert_eq!(signed.url_param_list(), "acl");
    assert_eq!(signed.http_parameters(), "acl=");
    assert_eq!(
        signed.signature(),
        "8be09eddef231792be19d6ae2167a11d0cff6508"
    );
    Ok(())
}

#[test]
fn emoji_key_appears_raw_in_the_http_string() -> Result<(), SignError> {
    let signed = RequestToSign::new("PUT", "/emoji/😀 smile.png")?
        .with_header("Content-Type", "image/png")
        .with_header("host", HOST)
        .sign(&credentials(), key_time()?);
    assert_eq!(
        signed.http_string(),
        format!("put\n/emoji/😀 smile.png\n\ncontent-type=image%2Fpng&host={HOST}\n")
    );
    assert_eq!(
        signed.signature(),
        "92c268c4800e9cd644e5996c149693d2d3af821f"
    );
    Ok(())
}

#[test]
fn reserved_characters_are_encoded_in_values_but_not_in_the_path() -> Result<(), SignError> {
    let signed = RequestToSign::new("GET", "/a;b=c&d+e/f?g#h")?
        .with_param("q", "x=y&z;w+v/u")
        .with_header("host", HOST)
        .sign(&credentials(), key_time()?);
    assert_eq!(
        signed.http_string(),
        format!("get\n/a;b=c&d+e/f?g#h\nq=x%3Dy%26z%3Bw%2Bv%2Fu\nhost={HOST}\n")
    );
    assert_eq!(
        signed.signature(),
        "99477c9143ebb9c363219da13825b046b3589a15"
    );
    Ok(())
}

#[test]
fn host_is_not_signed_unless_the_caller_adds_it() -> Result<(), SignError> {
    let signed = RequestToSign::new("PUT", "/x")?
        .with_header("Content-Type", "text/plain")
        .sign(&credentials(), key_time()?);
    assert_eq!(signed.header_list(), "content-type");
    assert_eq!(signed.http_headers(), "content-type=text%2Fplain");
    assert_eq!(
        signed.signature(),
        "047f839d48e374f40afd384dbf8510eeec15c74a"
    );
    Ok(())
}

#[test]
fn header_with_empty_value_is_signed_as_name_equals() -> Result<(), SignError> {
    let signed = RequestToSign::new("PUT", "/e.txt")?
        .with_header("x-cos-meta-empty", "")
        .with_header("Content-Type", "text/plain")
        .with_header("host", HOST)
        .sign(&credentials(), key_time()?);
    assert_eq!(signed.header_list(), "content-type;host;x-cos-meta-empty");
    assert!(signed.http_headers().ends_with("&x-cos-meta-empty="));
    assert_eq!(
        signed.signature(),
        "7fd207ff312cabce7756337cddb8f8b503ff8dd2"
    );
    Ok(())
}

#[test]
fn repeated_names_are_all_kept_in_their_given_order() -> Result<(), SignError> {
    let signed = RequestToSign::new("GET", "/")?
        .with_params([("b", "2"), ("a", "1"), ("b", "1")])
        .with_header("host", HOST)
        .sign(&credentials(), key_time()?);
    assert_eq!(signed.url_param_list(), "a;b;b");
    assert_eq!(signed.http_parameters(), "a=1&b=2&b=1");
    assert_eq!(
        signed.signature(),
        "3c2450055f0730b7398fe17794f7b2d028e2a8a5"
    );
    Ok(())
}

#[test]
fn encoded_names_are_lower_cased_including_their_hex_digits() -> Result<(), SignError> {
    let signed = RequestToSign::new("GET", "/")?
        .with_param("中文", "z")
        .with_param("a:b", "Y:")
        .sign(&credentials(), key_time()?);
    assert_eq!(signed.url_param_list(), "%e4%b8%ad%e6%96%87;a%3ab");
    assert_eq!(signed.http_parameters(), "%e4%b8%ad%e6%96%87=z&a%3ab=Y%3A");
    Ok(())
}

#[test]
fn method_is_lower_cased_in_the_http_string() -> Result<(), SignError> {
    let signed = RequestToSign::new("DeLeTe", "/x")?.sign(&credentials(), key_time()?);
    assert_eq!(signed.http_string(), "delete\n/x\n\n\n");
    Ok(())
}

#[test]
fn authorization_repeats_the_key_time_and_names_the_lists() -> Result<(), SignError> {
    let signed = RequestToSign::new("PUT", "/x")?
        .with_header("Content-Type", "text/plain")
        .sign(&credentials(), key_time()?);
    assert_eq!(
        signed.authorization(),
        "q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q\
         &q-sign-time=1700000000;1700003600&q-key-time=1700000000;1700003600\
         &q-header-list=content-type&q-url-param-list=\
         &q-signature=047f839d48e374f40afd384dbf8510eeec15c74a"
    );
    assert_eq!(
        signed.string_to_sign(),
        format!(
            "sha1\n1700000000;1700003600\n{}\n",
            signed.sha1_http_string()
        )
    );
    Ok(())
}

#[test]
fn debug_of_a_signature_hides_the_sign_key() -> Result<(), SignError> {
    let signed = RequestToSign::new("GET", "/")?.sign(&credentials(), key_time()?);
    let shown = format!("{signed:?}");
    assert!(
        !shown.contains(signed.sign_key().expose_secret()),
        "{shown}"
    );
    Ok(())
}

#[test]
fn invalid_methods_and_relative_paths_are_refused() {
    for method in ["", "GET /", "PU\nT", "获取"] {
        assert_eq!(
            RequestToSign::new(method, "/"),
            Err(SignError::InvalidMethod(method.to_owned()))
        );
    }
    assert_eq!(
        RequestToSign::new("GET", "photo.jpg"),
        Err(SignError::RelativePath("photo.jpg".to_owned()))
    );
}

#[test]
fn sdk_whitelist_keeps_listed_and_vendor_headers_only() {
    let kept = sdk_signed_headers([
        ("Date", "Thu, 16 May 2019 06:45:51 GMT"),
        ("Content-Type", "text/plain"),
        ("X-COS-ACL", "private"),
        ("x-ci-foo", "1"),
        ("Pic-Operations", "{}"),
        ("Authorization", "x"),
        ("User-Agent", "wx"),
        ("x-cosmetic", "no"),
    ]);
    let names: Vec<&str> = kept.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        ["Content-Type", "X-COS-ACL", "x-ci-foo", "Pic-Operations"]
    );
}

#[test]
fn has_header_ignores_ascii_case() -> Result<(), SignError> {
    let request = RequestToSign::new("GET", "/")?.with_header("HOST", HOST);
    assert!(request.has_header("host"));
    assert!(!request.has_header("content-type"));
    Ok(())
}
