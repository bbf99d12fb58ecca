//! Direct `PUT` uploads on the real S3 server: SeaweedFS checks the SigV4 signature, which binds
//! the key, `Content-Type`, `Content-Length` and `If-None-Match: *`; the album lists the object
//! only once it has seen its bytes.

use std::time::SystemTime;

use album::verify::millis;
use serde_json::json;

use crate::helpers::{TestApp, photo, spawn_app};

pub struct Signed {
    pub key: String,
    pub img_url: String,
    pub upload_url: String,
    pub headers: Vec<(String, String)>,
}

/// `GET upload-url` for `size` bytes of `content_type`; asserts it signed.
pub async fn sign(app: &TestApp, content_type: &str, size: usize) -> Signed {
    let (status, body) = app
        .get_json(&format!(
            "/applet/album/upload-url?contentType={content_type}&size={size}"
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["code"], 0, "{body}");
    let data = &body["data"];
    assert_eq!(data["method"], "PUT");
    assert_eq!(data["expiresIn"], 300);
    let key = data["key"].as_str().unwrap_or_default().to_owned();
    assert!(key.starts_with(&app.prefix), "{key} is in the folder");
    let headers = data["headers"]
        .as_object()
        .map(|headers| {
            headers
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    Signed {
        key,
        img_url: data["imgUrl"].as_str().unwrap_or_default().to_owned(),
        upload_url: data["uploadUrl"].as_str().unwrap_or_default().to_owned(),
        headers,
    }
}

/// `PUT` `bytes` to `url` with the signed headers (reqwest sets `Content-Length` itself).
pub async fn put(app: &TestApp, url: &str, signed: &Signed, bytes: Vec<u8>) -> u16 {
    let mut request = app.http.put(url).body(bytes);
    for (name, value) in &signed.headers {
        if !name.eq_ignore_ascii_case("content-length") {
            request = request.header(name, value);
        }
    }
    request
        .send()
        .await
        .map(|response| response.status().as_u16())
        .unwrap_or_else(|e| panic!("PUT failed: {e}"))
}

/// `POST confirm` for `key`.
pub async fn confirm(app: &TestApp, key: &str) -> serde_json::Value {
    app.http
        .post(app.url("/applet/album/confirm"))
        .json(&json!({ "key": key }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_put_is_listed_once_confirmed() {
    let app = spawn_app(|_| {}).await;
    let bytes = photo("chelsea.png");
    let signed = sign(&app, "image/png", bytes.len()).await;
    assert!(
        signed.upload_url.contains("X-Amz-Signature="),
        "{}",
        signed.upload_url
    );
    assert!(
        signed.upload_url.contains("content-length"),
        "{}",
        signed.upload_url
    );
    assert_eq!(
        put(&app, &signed.upload_url, &signed, bytes.clone()).await,
        200
    );
    assert!(
        app.list().await.is_empty(),
        "not listed before the album saw it"
    );
    let confirmed = confirm(&app, &signed.key).await;
    assert_eq!(confirmed["code"], 0, "{confirmed}");
    assert_eq!(confirmed["data"]["imgUrl"], signed.img_url.as_str());
    let fetched = app
        .http
        .get(&signed.img_url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .bytes()
        .await
        .unwrap_or_default();
    assert!(fetched.as_ref() == bytes.as_slice());
    assert_eq!(app.list().await, vec![signed.img_url]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_megabytes_on_a_small_ticket_are_refused_by_the_store() {
    let app = spawn_app(|_| {}).await;
    let signed = sign(&app, "image/png", 1000).await;
    let random: Vec<u8> = (0..20 * 1024 * 1024_u64)
        .map(|i| (i.wrapping_mul(7919) % 251) as u8)
        .collect();
    let mut request = app.http.put(&signed.upload_url).body(random);
    for (name, value) in &signed.headers {
        if !name.eq_ignore_ascii_case("content-length") {
            request = request.header(name, value);
        }
    }
    // SeaweedFS answers 403 at once and may close the connection before the body is sent.
    match request.send().await {
        Ok(response) => assert_eq!(response.status(), 403),
        Err(error) => assert!(error.is_request() || error.is_body(), "{error}"),
    }
    assert!(app.stored_keys().await.is_empty());
    assert!(app.list().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_size_over_the_limit_or_missing_is_never_signed() {
    let app = spawn_app(|_| {}).await;
    for (query, msg) in [
        ("size=5242881", "单个不超过5MB"),
        ("size=0", "参数错误"),
        ("size=abc", "参数错误"),
        ("", "参数错误"),
    ] {
        let (status, body) = app
            .get_json(&format!(
                "/applet/album/upload-url?contentType=image/png&{query}"
            ))
            .await;
        assert_eq!(status, 200);
        assert_eq!(body, json!({"code":-1,"msg":msg,"data":{}}), "{query}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_bytes_of_the_signed_size_are_deleted_and_never_listed() {
    let app = spawn_app(|_| {}).await;
    let junk = vec![0x42_u8; 4096];
    let signed = sign(&app, "image/jpeg", junk.len()).await;
    assert_eq!(
        put(&app, &signed.upload_url, &signed, junk).await,
        200,
        "the store cannot tell"
    );
    assert_eq!(
        confirm(&app, &signed.key).await,
        json!({"code":-1,"msg":"仅jpg/png格式","data":{}})
    );
    assert!(app.stored_keys().await.is_empty(), "deleted");
    assert!(app.list().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unconfirmed_upload_is_checked_lazily_and_listed() {
    let app = spawn_app(|_| {}).await;
    let bytes = photo("rocket.jpg");
    let signed = sign(&app, "image/jpeg", bytes.len()).await;
    assert_eq!(put(&app, &signed.upload_url, &signed, bytes).await, 200);
    let soon = millis(SystemTime::now()) + 2_000;
    assert_eq!(
        app.checker
            .pass(soon)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        1
    );
    assert_eq!(app.list().await, vec![signed.img_url]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_cannot_overwrite_nor_be_used_twice() {
    let app = spawn_app(|_| {}).await;
    let bytes = photo("rocket.jpg");
    let signed = sign(&app, "image/jpeg", bytes.len()).await;
    assert_eq!(
        put(&app, &signed.upload_url, &signed, bytes.clone()).await,
        200
    );
    assert_eq!(
        put(&app, &signed.upload_url, &signed, bytes).await,
        412,
        "If-None-Match: * is signed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_urls_other_keys_and_other_types_are_refused_by_the_store() {
    let app = spawn_app(|_| {}).await;
    let bytes = photo("rocket.jpg");
    let signed = sign(&app, "image/jpeg", bytes.len()).await;
    let last = signed.upload_url.chars().last().unwrap_or('0');
    let flipped = if last == '0' { '1' } else { '0' };
    let tampered = format!(
        "{}{flipped}",
        &signed.upload_url[..signed.upload_url.len() - 1]
    );
    assert_eq!(put(&app, &tampered, &signed, bytes.clone()).await, 403);
    let other_key = signed.upload_url.replacen(".jpg?", "x.jpg?", 1);
    assert_ne!(other_key, signed.upload_url);
    assert_eq!(put(&app, &other_key, &signed, bytes.clone()).await, 403);
    let mut html = Signed {
        headers: signed.headers.clone(),
        ..signed
    };
    for (name, value) in &mut html.headers {
        if name == "Content-Type" {
            *value = "text/html".into();
        }
    }
    assert_eq!(put(&app, &html.upload_url, &html, bytes).await, 403);
    assert!(app.stored_keys().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_replies_hold_no_secret_and_are_not_cached() {
    let app = spawn_app(|_| {}).await;
    for path in [
        "/applet/album/upload-url?size=10",
        "/applet/album/upload-form",
    ] {
        let response = app
            .http
            .get(app.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
        let text = response.text().await.unwrap_or_default();
        assert!(
            !text.contains(&app.target.secret_key),
            "secret leaked by {path}"
        );
        assert!(text.contains("image/jpeg"), "default type: {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_image_types_are_signed() {
    let app = spawn_app(|_| {}).await;
    for route in ["upload-url", "upload-form"] {
        for content_type in ["image/gif", "text/html", "application/octet-stream"] {
            let (status, body) = app
                .get_json(&format!(
                    "/applet/album/{route}?contentType={content_type}&size=10"
                ))
                .await;
            assert_eq!(status, 200);
            assert_eq!(
                body,
                json!({"code":-1,"msg":"仅jpg/png格式","data":{}}),
                "{route} {content_type}"
            );
        }
    }
}
