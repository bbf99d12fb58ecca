//! Form uploads straight to the real S3 server, posted exactly as `wx.uploadFile({url, name:
//! 'file', filePath, formData: data.fields})` sends them: the fields as text parts in their
//! order, then the file. SeaweedFS checks the SigV4 POST policy (key, type, size range, owner,
//! expiry); the album checks the bytes before listing.

use std::time::SystemTime;

use album::verify::millis;
use serde_json::{Value, json};

use crate::{
    direct::confirm,
    helpers::{TestApp, photo, spawn_app},
};

/// `GET upload-form` (`?contentType=`), asserting it signed.
pub async fn form(app: &TestApp, content_type: &str) -> Value {
    let (status, body) = app
        .get_json(&format!(
            "/applet/album/upload-form?contentType={content_type}"
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["code"], 0, "{body}");
    body["data"].clone()
}

/// POST `data.fields` then `bytes` as `data.fileField`, like `wx.uploadFile`; the status.
pub async fn post_form(app: &TestApp, data: &Value, bytes: Vec<u8>) -> u16 {
    post_fields(
        app,
        data,
        data["fields"].as_object().cloned().unwrap_or_default(),
        bytes,
    )
    .await
}

/// The same with other `fields`.
pub async fn post_fields(
    app: &TestApp,
    data: &Value,
    fields: serde_json::Map<String, Value>,
    bytes: Vec<u8>,
) -> u16 {
    let mut form = reqwest::multipart::Form::new();
    for (name, value) in fields {
        form = form.text(name, value.as_str().unwrap_or_default().to_owned());
    }
    let file = reqwest::multipart::Part::bytes(bytes).file_name("tmp_0d2b8a.jpg");
    form = form.part(
        data["fileField"].as_str().unwrap_or("file").to_owned(),
        file,
    );
    app.http
        .post(data["url"].as_str().unwrap_or_default())
        .multipart(form)
        .send()
        .await
        .map(|response| response.status().as_u16())
        .unwrap_or_else(|e| panic!("POST failed: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wx_upload_file_form_lands_in_the_store_and_is_listed_once_confirmed() {
    let app = spawn_app(|_| {}).await;
    let data = form(&app, "image/jpeg").await;
    assert_eq!(data["fileField"], "file");
    assert_eq!(data["maxSize"], 5 * 1024 * 1024);
    assert_eq!(data["expiresIn"], 300);
    let names: Vec<&str> = data["fields"]
        .as_object()
        .map(|fields| fields.keys().map(String::as_str).collect())
        .unwrap_or_default();
    assert_eq!(names.first(), Some(&"key"), "{names:?}");
    assert!(
        names.contains(&"policy") && names.contains(&"x-amz-signature"),
        "{names:?}"
    );
    assert_eq!(post_form(&app, &data, photo("rocket.jpg")).await, 204);
    let key = data["key"].as_str().unwrap_or_default();
    let confirmed = confirm(&app, key).await;
    assert_eq!(confirmed["code"], 0, "{confirmed}");
    assert_eq!(
        app.list().await,
        vec![data["imgUrl"].as_str().unwrap_or_default().to_owned()]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_over_the_range_is_refused_by_the_store() {
    let app = spawn_app(|settings| settings.upload.max_file_size = 100 * 1024).await;
    let data = form(&app, "image/jpeg").await;
    assert_eq!(data["maxSize"], 100 * 1024);
    let big = photo("rocket.jpg");
    assert!(
        big.len() > 100 * 1024,
        "the fixture is larger than the limit"
    );
    assert_eq!(post_form(&app, &data, big).await, 400, "EntityTooLarge");
    assert!(app.stored_keys().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn altered_fields_are_refused_by_the_store() {
    let app = spawn_app(|_| {}).await;
    let data = form(&app, "image/jpeg").await;
    let fields = data["fields"].as_object().cloned().unwrap_or_default();
    for (name, value) in [
        ("key", format!("{}other.jpg", app.prefix)),
        ("Content-Type", "text/html".to_owned()),
        ("x-amz-signature", "0".repeat(64)),
    ] {
        let mut altered = fields.clone();
        altered.insert(name.to_owned(), Value::String(value));
        assert_eq!(
            post_fields(&app, &data, altered, photo("rocket.jpg")).await,
            403,
            "{name}"
        );
    }
    assert!(app.stored_keys().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gif_under_a_jpeg_ticket_is_deleted_and_never_listed() {
    let app = spawn_app(|_| {}).await;
    let data = form(&app, "image/jpeg").await;
    let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x00\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;".to_vec();
    assert_eq!(
        post_form(&app, &data, gif).await,
        204,
        "the store cannot tell"
    );
    assert_eq!(
        confirm(&app, data["key"].as_str().unwrap_or_default()).await,
        json!({"code":-1,"msg":"仅jpg/png格式","data":{}})
    );
    assert!(app.stored_keys().await.is_empty());
    assert!(app.list().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_posted_again_after_its_upload_is_undone_at_the_final_check() {
    let app = spawn_app(|_| {}).await;
    let data = form(&app, "image/jpeg").await;
    assert_eq!(post_form(&app, &data, photo("rocket.jpg")).await, 204);
    let key = data["key"].as_str().unwrap_or_default();
    assert_eq!(confirm(&app, key).await["code"], 0);
    // A POST policy can be used again until it expires (SeaweedFS, like S3, allows it).
    assert_eq!(post_form(&app, &data, photo("retina.jpg")).await, 204);
    let final_check = millis(SystemTime::now()) + 300_000 + 120_000 + 1_000;
    app.checker
        .pass(final_check)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        app.stored_keys().await.is_empty(),
        "the spent ticket's second object is gone"
    );
    assert!(app.list().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirming_an_unknown_key_or_nothing_uploaded_says_so() {
    let app = spawn_app(|_| {}).await;
    assert_eq!(
        confirm(&app, &format!("{}1-nothing.jpg", app.prefix)).await,
        json!({"code":-1,"msg":"参数错误","data":{}})
    );
    assert_eq!(
        confirm(&app, "../outside.jpg").await,
        json!({"code":-1,"msg":"参数错误","data":{}})
    );
    let data = form(&app, "image/png").await;
    assert_eq!(
        confirm(&app, data["key"].as_str().unwrap_or_default()).await,
        json!({"code":-1,"msg":"图片上传失败，请稍候再试","data":{}})
    );
}
