//! Direct upload on the real S3 server: the signed URL is accepted by SeaweedFS (which checks
//! SigV4 signatures) and any tampering is rejected by it.

use crate::helpers::{TestApp, photo, spawn_app};

struct Signed {
    img_url: String,
    upload_url: String,
    content_type: String,
}

async fn sign(app: &TestApp, content_type: &str) -> Signed {
    let (status, body) = app
        .get_json(&format!(
            "/applet/album/upload-url?contentType={content_type}"
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["code"], 0, "{body}");
    let data = &body["data"];
    assert_eq!(data["method"], "PUT");
    assert_eq!(data["expiresIn"], 300);
    let key = data["key"].as_str().unwrap_or_default();
    assert!(key.starts_with(&app.prefix), "{key} is in the folder");
    Signed {
        img_url: data["imgUrl"].as_str().unwrap_or_default().to_owned(),
        upload_url: data["uploadUrl"].as_str().unwrap_or_default().to_owned(),
        content_type: data["headers"]["Content-Type"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    }
}

async fn put(app: &TestApp, url: &str, content_type: &str, bytes: Vec<u8>) -> u16 {
    app.http
        .put(url)
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .map(|response| response.status().as_u16())
        .unwrap_or_else(|e| panic!("PUT failed: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_put_lands_in_the_album() {
    let app = spawn_app(|_| {}).await;
    let signed = sign(&app, "image/png").await;
    assert_eq!(signed.content_type, "image/png");
    assert!(
        signed.upload_url.contains("X-Amz-Signature="),
        "{}",
        signed.upload_url
    );
    let status = put(&app, &signed.upload_url, "image/png", photo("chelsea.png")).await;
    assert_eq!(status, 200);
    let bytes = app
        .http
        .get(&signed.img_url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .bytes()
        .await
        .unwrap_or_default();
    assert!(bytes.as_ref() == photo("chelsea.png").as_slice());
    assert_eq!(app.list().await, vec![signed.img_url]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secret_is_not_in_the_reply() {
    let app = spawn_app(|_| {}).await;
    let (_, body) = app.get_json("/applet/album/upload-url").await;
    let text = body.to_string();
    assert!(!text.contains(&app.target.secret_key), "secret leaked");
    assert_eq!(
        body["data"]["headers"]["Content-Type"], "image/jpeg",
        "default type"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_signature_is_rejected_by_the_store() {
    let app = spawn_app(|_| {}).await;
    let signed = sign(&app, "image/jpeg").await;
    let last = signed.upload_url.chars().last().unwrap_or('0');
    let flipped = if last == '0' { '1' } else { '0' };
    let tampered = format!(
        "{}{flipped}",
        &signed.upload_url[..signed.upload_url.len() - 1]
    );
    let status = put(&app, &tampered, "image/jpeg", photo("rocket.jpg")).await;
    assert_eq!(status, 403);
    assert!(app.stored_keys().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_key_or_content_type_is_rejected_by_the_store() {
    let app = spawn_app(|_| {}).await;
    let signed = sign(&app, "image/jpeg").await;
    let other_key = signed.upload_url.replacen(".jpg?", "x.jpg?", 1);
    assert_ne!(other_key, signed.upload_url);
    assert_eq!(
        put(&app, &other_key, "image/jpeg", photo("rocket.jpg")).await,
        403
    );
    let status = put(&app, &signed.upload_url, "text/html", photo("rocket.jpg")).await;
    assert_eq!(status, 403, "the content type is bound to the signature");
    assert!(app.stored_keys().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_image_types_are_signed() {
    let app = spawn_app(|_| {}).await;
    for content_type in ["image/gif", "text/html", "application/octet-stream"] {
        let (status, body) = app
            .get_json(&format!(
                "/applet/album/upload-url?contentType={content_type}"
            ))
            .await;
        assert_eq!(status, 200);
        assert_eq!(
            body,
            serde_json::json!({"code":-1,"msg":"仅jpg/png格式","data":{}}),
            "{content_type}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_urls_are_not_cached() {
    let app = spawn_app(|_| {}).await;
    let response = app
        .http
        .get(app.url("/applet/album/upload-url"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.headers()["cache-control"], "no-store");
}
