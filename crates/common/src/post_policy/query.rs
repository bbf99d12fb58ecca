//! SigV4 query-string authentication: presigned URLs — the `GET` of an image in a private
//! bucket, the `PUT` of a direct upload with its headers signed
//! (<https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html>).
//!
//! Unlike `object_store`'s signer, which reads the clock and refuses to sign `Content-Length`,
//! the signing time is an input (the album signs image URLs at the start of a time window, so
//! the same image keeps the same URL for a while and clients can cache it) and any header may
//! be signed (a direct upload binds its exact `Content-Length`).
//!
//! 1. canonical request = `{METHOD}\n{URI-encoded path}\n{sorted query}\n{canonical headers}\n{signed header names}\nUNSIGNED-PAYLOAD`;
//! 2. string to sign = `AWS4-HMAC-SHA256\n{X-Amz-Date}\n{scope}\n{hex SHA-256(canonical request)}`;
//! 3. `X-Amz-Signature` = hex HMAC-SHA256(signing key, string to sign).
//!
//! Pinned by AWS's published example (`GET /test.txt` of `examplebucket`, 2013-05-24).

use std::{borrow::Cow, fmt::Write as _};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha2::{Digest, Sha256};

use super::{
    PolicyError,
    sigv4::{ALGORITHM, S3Credentials, SERVICE},
    utc,
};

/// What SigV4 leaves unencoded: RFC 3986 unreserved characters.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Appends `text` percent-encoded as SigV4 wants it (all but the unreserved characters).
fn push_encoded(out: &mut String, text: &str) {
    out.extend(utf8_percent_encode(text, UNRESERVED));
}

/// A presigned `GET` of the object at `path` (its URI path, each segment already decoded, e.g.
/// `/album/photos/1-a.jpg`) on `origin` (`http://127.0.0.1:8333`, `https://bucket.s3.amazonaws.com`),
/// signed at `signed_at` (unix seconds) and valid `expires_in` seconds from then.
///
/// # Errors
/// [`PolicyError::InvalidRegion`]; [`PolicyError::TimeOutOfRange`] for a time past 9999.
pub fn presign_get(
    credentials: &S3Credentials,
    region: &str,
    origin: &str,
    path: &str,
    signed_at: u64,
    expires_in: u64,
) -> Result<String, PolicyError> {
    presign(
        credentials,
        region,
        &Request {
            method: "GET",
            origin,
            path,
            headers: &[],
            query: &[],
        },
        signed_at,
        expires_in,
    )
}

/// One request to presign.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// `GET`, `PUT`, …
    pub method: &'a str,
    /// `scheme://host[:port]`.
    pub origin: &'a str,
    /// The object's URI path, segments decoded (`/album/photos/1-a.jpg`).
    pub path: &'a str,
    /// Headers the client must send exactly (names any case; `host` is always signed).
    pub headers: &'a [(&'a str, &'a str)],
    /// The request's own query parameters (`uploads`, `uploadId`, `prefix`…), signed with it.
    pub query: &'a [(&'a str, &'a str)],
}

/// A presigned URL of `request`, signed at `signed_at` (unix seconds), valid `expires_in`
/// seconds from then; the client must send each of `request.headers` with its value.
///
/// # Errors
/// [`PolicyError::InvalidRegion`]; [`PolicyError::TimeOutOfRange`] for a time past 9999.
pub fn presign(
    credentials: &S3Credentials,
    region: &str,
    request: &Request<'_>,
    signed_at: u64,
    expires_in: u64,
) -> Result<String, PolicyError> {
    let Request {
        method,
        origin,
        path,
        headers,
        query: own_query,
    } = *request;
    let region_char = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-';
    if region.is_empty() || !region.bytes().all(region_char) {
        return Err(PolicyError::InvalidRegion(region.to_owned()));
    }
    let host = origin
        .split_once("://")
        .map_or(origin, |(_, rest)| rest)
        .trim_end_matches('/');
    let issued = utc(signed_at)?;
    let mut amz_date = String::with_capacity(16);
    push_digits(&mut amz_date, issued.year().unsigned_abs(), 4);
    push_digits(&mut amz_date, u32::from(u8::from(issued.month())), 2);
    push_digits(&mut amz_date, u32::from(issued.day()), 2);
    amz_date.push('T');
    push_digits(&mut amz_date, u32::from(issued.hour()), 2);
    push_digits(&mut amz_date, u32::from(issued.minute()), 2);
    push_digits(&mut amz_date, u32::from(issued.second()), 2);
    amz_date.push('Z');
    let date = &amz_date[..8];
    let scope = [date, region, SERVICE, "aws4_request"].join("/");
    let mut canonical_path = String::with_capacity(path.len() + 16);
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            canonical_path.push('/');
        }
        push_encoded(&mut canonical_path, segment);
    }
    let credential = [credentials.access_key_id(), scope.as_str()].join("/");
    let expires = expires_in.to_string();
    // Header names in lower case, `host` last added, then sorted by name.
    let mut canonical_headers: Vec<(Cow<'_, str>, &str)> = headers
        .iter()
        .map(|(name, value)| (lower_case(name), value.trim()))
        .filter(|(name, _)| name != "host")
        .collect();
    canonical_headers.push((Cow::Borrowed("host"), host));
    canonical_headers.sort_unstable();
    let mut signed_headers = String::with_capacity(canonical_headers.len() * 16);
    for (i, (name, _)) in canonical_headers.iter().enumerate() {
        if i > 0 {
            signed_headers.push(';');
        }
        signed_headers.push_str(name);
    }
    let mut query: Vec<(&str, &str)> = Vec::with_capacity(6 + own_query.len());
    query.extend([
        ("X-Amz-Algorithm", ALGORITHM),
        ("X-Amz-Credential", credential.as_str()),
        ("X-Amz-Date", amz_date.as_str()),
        ("X-Amz-Expires", expires.as_str()),
        ("X-Amz-SignedHeaders", signed_headers.as_str()),
    ]);
    if let Some(token) = credentials.session_token_text() {
        query.push(("X-Amz-Security-Token", token));
    }
    query.extend(own_query.iter().copied());
    // SigV4 sorts the parameters by name, byte for byte (`X-Amz-*` before lower-case names).
    query.sort_unstable();
    let origin = origin.trim_end_matches('/');
    // The URL is origin + canonical path + `?` + canonical query + the signature: the
    // canonical query is written once, into the URL, and hashed from there.
    let mut url = String::with_capacity(origin.len() + canonical_path.len() + 512);
    url.push_str(origin);
    url.push_str(&canonical_path);
    url.push('?');
    let query_start = url.len();
    for (i, (name, value)) in query.iter().enumerate() {
        if i > 0 {
            url.push('&');
        }
        url.push_str(name);
        url.push('=');
        push_encoded(&mut url, value);
    }
    let canonical_query = &url[query_start..];
    let mut canonical_request = Sha256::new();
    for part in [method, "\n", &canonical_path, "\n", canonical_query, "\n"] {
        canonical_request.update(part.as_bytes());
    }
    for (name, value) in &canonical_headers {
        for part in [name.as_ref(), ":", value, "\n"] {
            canonical_request.update(part.as_bytes());
        }
    }
    for part in ["\n", &signed_headers, "\nUNSIGNED-PAYLOAD"] {
        canonical_request.update(part.as_bytes());
    }
    let string_to_sign = [
        ALGORITHM,
        &amz_date,
        &scope,
        &hex::encode(canonical_request.finalize()),
    ]
    .join("\n");
    let signature = credentials.signing_key(date, region).sign(&string_to_sign);
    url.push_str("&X-Amz-Signature=");
    url.push_str(&signature);
    Ok(url)
}

/// `text` in lower case, borrowed when it already is.
fn lower_case(text: &str) -> Cow<'_, str> {
    if text.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(text.to_ascii_lowercase())
    } else {
        Cow::Borrowed(text)
    }
}

/// Appends `value` zero-padded to `width` decimal digits.
fn push_digits(out: &mut String, value: u32, width: usize) {
    // Writing to a String cannot fail.
    let _ = write!(out, "{value:0width$}");
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;

    fn aws_example() -> S3Credentials {
        S3Credentials::new(
            "AKIAIOSFODNN7EXAMPLE",
            SecretString::from("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_aws_published_example_signs_alike() -> Result<(), PolicyError> {
        // https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html:
        // GET https://examplebucket.s3.amazonaws.com/test.txt, 2013-05-24T00:00:00Z, 86400 s.
        let url = presign_get(
            &aws_example(),
            "us-east-1",
            "https://examplebucket.s3.amazonaws.com",
            "/test.txt",
            1_369_353_600,
            86_400,
        )?;
        assert_eq!(
            url,
            "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request\
             &X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\
             &X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
        );
        Ok(())
    }

    #[test]
    fn paths_are_encoded_per_segment_and_the_time_is_an_input() -> Result<(), PolicyError> {
        let sign = |at| {
            presign_get(
                &aws_example(),
                "us-east-1",
                "http://127.0.0.1:8333",
                "/album/猫 1.jpg",
                at,
                60,
            )
        };
        let url = sign(1_700_000_000)?;
        assert!(
            url.starts_with("http://127.0.0.1:8333/album/%E7%8C%AB%201.jpg?X-Amz-Algorithm="),
            "{url}"
        );
        assert_eq!(url, sign(1_700_000_000)?, "the same inputs, the same URL");
        assert_ne!(url, sign(1_700_000_001)?);
        assert!(presign_get(&aws_example(), "US", "http://h", "/a", 0, 1).is_err());
        Ok(())
    }

    #[test]
    fn a_kept_signing_key_serves_only_its_own_day_and_region() -> Result<(), PolicyError> {
        // One credentials value signs across a day boundary and in two regions; each URL
        // must be what credentials that never signed before produce.
        let shared = aws_example();
        let day = 86_400;
        for (region, at) in [
            ("us-east-1", 1_369_353_600),
            ("us-east-1", 1_369_353_600 + day - 1),
            ("us-east-1", 1_369_353_600 + day),
            ("eu-west-1", 1_369_353_600 + day),
            ("us-east-1", 1_369_353_600),
        ] {
            let url = |credentials: &S3Credentials| {
                presign_get(credentials, region, "http://h", "/a.jpg", at, 60)
            };
            assert_eq!(url(&shared)?, url(&aws_example())?, "{region} at {at}");
        }
        Ok(())
    }

    #[test]
    fn signed_headers_are_listed_sorted_and_bind_the_signature() -> Result<(), PolicyError> {
        let put = |length: &'static str| {
            presign(
                &aws_example(),
                "us-east-1",
                &Request {
                    method: "PUT",
                    origin: "http://127.0.0.1:8333",
                    path: "/album/1-a.jpg",
                    headers: &[("Content-Type", "image/jpeg"), ("Content-Length", length)],
                    query: &[],
                },
                1_700_000_000,
                300,
            )
        };
        let url = put("10")?;
        assert!(
            url.contains("&X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost&"),
            "{url}"
        );
        assert_ne!(url, put("11")?);
        Ok(())
    }
}
