//! `weapp_common::cos` against the external vectors in `tests/fixtures/vectors/` (copied
//! verbatim from the project's spec; produced by the official COS SDKs and Tencent's doc
//! 436/7778). Every expected value is read from the fixture files, never restated here.

mod support;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::percent_decode_str;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use support::{Res, TestResult, expect_eq, fixture, text};
use weapp_common::cos::v4::{V4Field, V4Signer, sign_plain};
use weapp_common::cos::{
    Credentials, Endpoint, KeyTime, ObjectRequest, RequestToSign, XmlSignature, presign_put,
    sdk_signed_headers,
};

const XML: &str = "cos_xml_sign.json";
const PRESIGN: &str = "cos_presign.json";
const V4: &str = "cos_v4_sign.json";

fn vector(file: &str, section: &str, id: &str) -> Res<Value> {
    let all = fixture(file)?;
    let found = all[section]
        .as_array()
        .and_then(|v| v.iter().find(|v| v["id"] == id));
    Ok(found.ok_or(format!("{file}: no {section}/{id}"))?.clone())
}

/// A JSON object of strings as `(name, value)` pairs.
fn pairs(value: &Value, pointer: &str) -> Res<Vec<(String, String)>> {
    let object = value.pointer(pointer).and_then(Value::as_object);
    let object = object.ok_or(format!("no object at {pointer}"))?;
    let pair = |(k, v): (&String, &Value)| -> Res<(String, String)> {
        Ok((
            k.clone(),
            v.as_str().ok_or(format!("{pointer}/{k}"))?.to_owned(),
        ))
    };
    object.iter().map(pair).collect()
}

fn credentials(inputs: &Value) -> Res<Credentials> {
    let key = SecretString::from(text(inputs, "/secret_key")?);
    Ok(Credentials::new(text(inputs, "/secret_id")?, key))
}

/// Inputs of the first SDK vector: the `sdk_divergences` entries use the same credentials,
/// bucket, region and key time without repeating them.
fn sdk_defaults() -> Res<Value> {
    Ok(vector(XML, "sdk_vectors", "list_bucket_prefix")?["inputs"].clone())
}

/// Asserts every intermediate value and the authorization of an `official_doc_vectors` or
/// `sdk_vectors` entry.
fn assert_intermediates(vector: &Value, signed: &XmlSignature) -> TestResult {
    let steps = [
        ("sign_key", signed.sign_key().expose_secret()),
        ("url_param_list", signed.url_param_list()),
        ("http_parameters", signed.http_parameters()),
        ("header_list", signed.header_list()),
        ("http_headers", signed.http_headers()),
        ("http_string", signed.http_string()),
        ("sha1_http_string", signed.sha1_http_string()),
        ("string_to_sign", signed.string_to_sign()),
        ("signature", signed.signature()),
    ];
    for (name, actual) in steps {
        expect_eq(actual, vector, &format!("/intermediate/{name}"))?;
    }
    expect_eq(signed.authorization(), vector, "/authorization")
}

fn sign_xml_vector(vector: &Value, headers_pointer: &str) -> Res<XmlSignature> {
    let inputs = &vector["inputs"];
    expect_eq(text(inputs, "/key_time")?, inputs, "/sign_time")?;
    let request = RequestToSign::new(text(inputs, "/method")?, text(inputs, "/uri_pathname")?)?
        .with_params(pairs(inputs, "/query")?)
        .with_headers(pairs(vector, headers_pointer)?);
    Ok(request.sign(&credentials(inputs)?, text(inputs, "/key_time")?.parse()?))
}

fn check_official(id: &str) -> TestResult {
    let vector = vector(XML, "official_doc_vectors", id)?;
    let signed = sign_xml_vector(&vector, "/inputs/signed_headers")?;
    assert_intermediates(&vector, &signed)?;
    expect_eq(signed.signature(), &vector, "/published_signature")
}

/// SDK vectors are checked three ways: the core signer with the recorded signed headers; the
/// SDK whitelist applied to the request headers (plus host) giving those signed headers; and
/// the object-level request (bucket, region, key) giving the same authorization.
fn check_sdk(id: &str) -> TestResult {
    let vector = vector(XML, "sdk_vectors", id)?;
    let inputs = &vector["inputs"];
    assert_intermediates(&vector, &sign_xml_vector(&vector, "/signed_headers")?)?;

    let endpoint = Endpoint::cos(text(inputs, "/bucket")?, text(inputs, "/region")?)?;
    let mut whitelisted = sdk_signed_headers(pairs(inputs, "/request_headers")?);
    whitelisted.push(("host".to_owned(), endpoint.host().to_owned()));
    let mut recorded = pairs(&vector, "/signed_headers")?;
    whitelisted.sort();
    recorded.sort();
    assert_eq!(whitelisted, recorded, "{id}: whitelist");

    let request = ObjectRequest::new(text(inputs, "/method")?, &endpoint, text(inputs, "/key")?)?
        .with_params(pairs(inputs, "/query")?)
        .with_headers(sdk_signed_headers(pairs(inputs, "/request_headers")?));
    expect_eq(
        request.request_to_sign().uri_pathname(),
        inputs,
        "/uri_pathname",
    )?;
    let presigned = request.presign(&credentials(inputs)?, text(inputs, "/key_time")?.parse()?);
    expect_eq(presigned.authorization(), &vector, "/authorization")
}

fn check_v4_sign(id: &str) -> TestResult {
    let vector = vector(V4, "vectors", id)?;
    let original = text(&vector, "/original")?;
    let sign = sign_plain(&SecretString::from(text(&vector, "/secret_key")?), original);
    expect_eq(&sign, &vector, "/sign")?;
    let raw = STANDARD.decode(&sign)?;
    expect_eq(&hex::encode(&raw[..20]), &vector, "/hmac_sha1_hex")?;
    assert_eq!(&raw[20..], original.as_bytes(), "{id}");
    Ok(())
}

/// One `#[test]` per vector id, so a failure names the vector, plus `IDS` listing them.
macro_rules! vector_tests {
    ($check:ident: $($id:ident),+ $(,)?) => {
        pub const IDS: &[&str] = &[$(stringify!($id)),+];
        $(
            #[test]
            fn $id() -> TestResult {
                $check(stringify!($id))
            }
        )+
    };
}

mod official_doc_vectors {
    use super::*;
    vector_tests!(check_official:
        doc2019_put_object, doc2019_get_object, doc2014_put_object, doc2014_get_range);
}

mod sdk_vectors {
    use super::*;
    vector_tests!(check_sdk:
        list_bucket_prefix, get_chinese_space_key, put_special_chars_key, delete_object,
        head_percent_tilde);
}

mod v4_vectors {
    use super::*;
    vector_tests!(check_v4_sign:
        doc_multi_published, doc_once_published, third_party_multi_abk_order,
        doc_multi_section32_plaintext);
}

/// The ids tested above and below; a vector added to a fixture fails here until it is tested.
#[test]
fn every_vector_in_the_fixtures_has_a_test() -> TestResult {
    let covered: [(&str, &str, &[&str]); 5] = [
        (XML, "official_doc_vectors", official_doc_vectors::IDS),
        (XML, "sdk_vectors", sdk_vectors::IDS),
        (
            XML,
            "sdk_divergences",
            &["sort_order_encoded_vs_raw", "empty_header_value"],
        ),
        (PRESIGN, "vectors", &["presign_put_content_type"]),
        (V4, "vectors", v4_vectors::IDS),
    ];
    for (file, section, expected) in covered {
        let all = fixture(file)?;
        let list = all[section]
            .as_array()
            .ok_or(format!("{file}: no {section}"))?;
        let ids: Vec<&str> = list.iter().filter_map(|v| v["id"].as_str()).collect();
        assert_eq!(ids, expected, "{file} {section}");
    }
    Ok(())
}

#[test]
fn divergence_sort_order_follows_the_doc_and_python_sdk() -> TestResult {
    let vector = vector(XML, "sdk_divergences", "sort_order_encoded_vs_raw")?;
    let inputs = &vector["inputs"];
    let signed = RequestToSign::new(text(inputs, "/method")?, text(inputs, "/key")?)?
        .with_params(pairs(inputs, "/query")?)
        .with_headers(pairs(inputs, "/signed_headers")?)
        .sign(
            &credentials(&sdk_defaults()?)?,
            text(inputs, "/key_time")?.parse()?,
        );
    expect_eq(signed.http_parameters(), &vector, "/python_http_parameters")?;
    expect_eq(signed.authorization(), &vector, "/python_sdk_authorization")?;
    assert_ne!(
        signed.http_parameters(),
        text(&vector, "/node_http_parameters")?
    );
    assert_ne!(
        signed.authorization(),
        text(&vector, "/node_sdk_authorization")?
    );
    Ok(())
}

/// The entry gives method, key and headers only. Its headers include the `Authorization` the
/// SDK produced, which the whitelist must drop.
#[test]
fn divergence_empty_header_value_is_signed_as_name_equals() -> TestResult {
    let vector = vector(XML, "sdk_divergences", "empty_header_value")?;
    let inputs = &vector["inputs"];
    let defaults = sdk_defaults()?;
    let endpoint = Endpoint::cos(text(&defaults, "/bucket")?, text(&defaults, "/region")?)?;
    let request = ObjectRequest::new(text(inputs, "/Method")?, &endpoint, text(inputs, "/Key")?)?
        .with_headers(sdk_signed_headers(pairs(inputs, "/Headers")?));
    let key_time = text(&defaults, "/key_time")?.parse()?;
    let presigned = request.presign(&credentials(&defaults)?, key_time);
    expect_eq(
        presigned.authorization(),
        &vector,
        "/python_sdk_authorization",
    )?;
    let http_headers = presigned.signature().http_headers();
    assert!(
        http_headers.ends_with("&x-cos-meta-empty="),
        "{http_headers}"
    );
    Ok(())
}

/// `(name, value)` pairs of a URL's query, percent-decoded (`+` read as a space, as
/// Python's `urlencode` writes it).
fn decoded_query(url: &str) -> Res<Vec<(String, String)>> {
    let (_, query) = url.split_once('?').ok_or(format!("no query in {url}"))?;
    let decode = |s: &str| -> Res<String> {
        Ok(percent_decode_str(&s.replace('+', " "))
            .decode_utf8()?
            .into_owned())
    };
    let pair = |pair: &str| -> Res<(String, String)> {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        Ok((decode(name)?, decode(value)?))
    };
    query.split('&').map(pair).collect()
}

fn object_url_of(url: &str) -> &str {
    url.split_once('?').map_or(url, |(base, _)| base)
}

#[test]
fn presign_put_content_type() -> TestResult {
    let vector = vector(PRESIGN, "vectors", "presign_put_content_type")?;
    let inputs = &vector["inputs"];
    let endpoint = Endpoint::cos(text(inputs, "/bucket")?, text(inputs, "/region")?)?;
    let content_type = text(inputs, "/signed_headers/Content-Type")?;
    let request = ObjectRequest::new(text(inputs, "/method")?, &endpoint, text(inputs, "/key")?)?
        .with_header("Content-Type", content_type)
        .with_params(pairs(inputs, "/query")?);
    let presigned = request.presign(&credentials(inputs)?, text(inputs, "/key_time")?.parse()?);
    expect_eq(presigned.signature().signature(), &vector, "/signature")?;
    expect_eq(presigned.signature().http_string(), &vector, "/http_string")?;
    expect_eq(presigned.authorization(), &vector, "/authorization")?;
    let mut signed = presigned.signed_headers().to_vec();
    let mut recorded = pairs(inputs, "/signed_headers")?;
    signed.sort();
    recorded.sort();
    assert_eq!(signed, recorded);
    for sdk in ["/python_sdk_url", "/node_sdk_url"] {
        let expected = text(&vector, sdk)?;
        assert_eq!(presigned.object_url(), object_url_of(expected), "{sdk}");
        assert_eq!(
            decoded_query(presigned.url())?,
            decoded_query(expected)?,
            "{sdk}"
        );
    }
    // Beyond decoded equality: the q-* values are encoded exactly as the Python SDK does.
    expect_eq(presigned.url(), &vector, "/python_sdk_url")
}

#[test]
fn presign_put_convenience_reproduces_the_vector_url() -> TestResult {
    let vector = vector(PRESIGN, "vectors", "presign_put_content_type")?;
    let inputs = &vector["inputs"];
    let key_time: KeyTime = text(inputs, "/key_time")?.parse()?;
    let presigned = presign_put(
        &credentials(inputs)?,
        &Endpoint::cos(text(inputs, "/bucket")?, text(inputs, "/region")?)?,
        text(inputs, "/key")?,
        text(inputs, "/signed_headers/Content-Type")?,
        key_time.start(),
        key_time.end() - key_time.start(),
    )?;
    expect_eq(presigned.url(), &vector, "/python_sdk_url")?;
    expect_eq(presigned.authorization(), &vector, "/authorization")
}

/// A v4 vector's `original` taken apart, so the builder can be fed the same inputs.
struct V4Inputs {
    signer: V4Signer,
    e: u64,
    t: u64,
    r: u32,
    f: String,
    secret_key: SecretString,
    original: String,
    sign: String,
}

fn v4_inputs(id: &str) -> Res<V4Inputs> {
    let vector = vector(V4, "vectors", id)?;
    let original = text(&vector, "/original")?.to_owned();
    let field = |name: &str| -> Res<String> {
        let prefix = format!("{name}=");
        let found = original
            .split('&')
            .find_map(|pair| pair.strip_prefix(&prefix));
        Ok(found.ok_or(format!("{id}: no {name}="))?.to_owned())
    };
    let secret_key = SecretString::from(text(&vector, "/secret_key")?);
    let credentials = Credentials::new(field("k")?, secret_key.clone());
    Ok(V4Inputs {
        signer: V4Signer::new(credentials, field("a")?.parse()?, field("b")?),
        e: field("e")?.parse()?,
        t: field("t")?.parse()?,
        r: field("r")?.parse()?,
        f: field("f")?,
        secret_key,
        sign: text(&vector, "/sign")?.to_owned(),
        original,
    })
}

#[test]
fn v4_builder_reproduces_the_default_order_multi_effect_vectors() -> TestResult {
    for id in [
        "third_party_multi_abk_order",
        "doc_multi_section32_plaintext",
    ] {
        let v = v4_inputs(id)?;
        assert_eq!(v.f, "", "{id}");
        let plain = v.signer.plain_more(v.t, v.e, v.r, None)?;
        assert_eq!(plain.render(), v.original, "{id}");
        assert_eq!(v.signer.sign_more(v.t, v.e, v.r, None)?, v.sign, "{id}");
    }
    Ok(())
}

#[test]
fn v4_builder_reproduces_the_doc_order_a_k_e_t_r_f_b() -> TestResult {
    use V4Field::{AppId, Bucket, Expiry, FileId, Now, Rand, SecretId};
    let doc_order = [AppId, SecretId, Expiry, Now, Rand, FileId, Bucket];

    let multi = v4_inputs("doc_multi_published")?;
    let plain = multi.signer.plain_more(multi.t, multi.e, multi.r, None)?;
    assert_eq!(plain.render_in(&doc_order), multi.original);
    assert_eq!(
        sign_plain(&multi.secret_key, &plain.render_in(&doc_order)),
        multi.sign
    );

    let once = v4_inputs("doc_once_published")?;
    assert_eq!(once.e, 0);
    let path = once.f.rsplit('/').next().ok_or("no path in f")?;
    let plain = once.signer.plain_once(once.t, once.r, path);
    assert_eq!(plain.render_in(&doc_order), once.original);
    assert_eq!(
        sign_plain(&once.secret_key, &plain.render_in(&doc_order)),
        once.sign
    );
    Ok(())
}
