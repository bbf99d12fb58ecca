//! `POST /applet/album/upload` on the real S3 server: real photos in, identical bytes out, and
//! every kind of bad input answered in the envelope with nothing stored.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{img_url, photo, spawn_app};

const BOUNDARY: &str = "----weappBoundary7MA4YWxkTrZu0gW";

fn multipart_head(field: &str, file_name: &str) -> Vec<u8> {
    format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\nContent-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes()
}

fn failure(msg: &str) -> serde_json::Value {
    serde_json::json!({"code":-1,"msg":msg,"data":{}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_real_photo_round_trips_byte_for_byte() {
    let app = spawn_app(|_| {}).await;
    for (name, mime) in [
        ("rocket.jpg", "image/jpeg"),
        ("retina.jpg", "image/jpeg"),
        ("chelsea-small.jpg", "image/jpeg"),
        ("chelsea.png", "image/png"),
        ("astronaut-256.png", "image/png"),
        ("coffee-alpha.png", "image/png"),
    ] {
        let reply = app.upload(name).await;
        assert_eq!(reply["code"], 0, "{name}: {reply}");
        assert_eq!(reply["msg"], "ok");
        let url = img_url(&reply);
        let extension = if mime == "image/png" { ".png" } else { ".jpg" };
        assert!(url.ends_with(extension), "{url}");
        assert!(url.contains(&app.prefix), "{url} is in the folder");
        // The bucket is public-read, like the original COS bucket: the URL works as is.
        let response = app
            .http
            .get(&url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(response.status(), 200, "{url}");
        assert_eq!(response.headers()["content-type"], mime, "{name}");
        let bytes = response.bytes().await.unwrap_or_default();
        assert!(bytes.as_ref() == photo(name).as_slice(), "{name} differs");
    }
    assert_eq!(app.stored_keys().await.len(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_type_comes_from_the_bytes_not_the_name() {
    let app = spawn_app(|_| {}).await;
    // A PNG called .jpg is stored as .png; text and a GIF called .jpg are refused.
    let reply = app
        .upload_as("image", "holiday.jpg", photo("chelsea.png"))
        .await;
    assert!(img_url(&reply).ends_with(".png"), "{reply}");
    for name in ["not-an-image.txt", "fake.jpg"] {
        let reply = app.upload_as("image", "photo.jpg", photo(name)).await;
        assert_eq!(reply, failure("仅jpg/png格式"), "{name}");
    }
    assert_eq!(app.stored_keys().await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_over_the_limit_is_refused_and_not_stored() {
    let app = spawn_app(|settings| settings.upload.max_file_size = 200 * 1024).await;
    let reply = app.upload("retina.jpg").await;
    assert_eq!(reply, failure("单个不超过0.2MB"));
    assert!(app.stored_keys().await.is_empty());
    // The default limit names 5MB, as the original did.
    let app = spawn_app(|_| {}).await;
    let mut big = photo("rocket.jpg");
    big.resize(5 * 1024 * 1024 + 1, 0);
    assert_eq!(
        app.upload_as("image", "big.jpg", big).await,
        failure("单个不超过5MB")
    );
    assert!(app.stored_keys().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_image_field_is_a_parameter_error() {
    let app = spawn_app(|_| {}).await;
    let reply = app
        .upload_as("file", "rocket.jpg", photo("rocket.jpg"))
        .await;
    assert_eq!(reply, failure("参数错误"));
    let reply = app
        .http
        .post(app.url("/applet/album/upload"))
        .json(&serde_json::json!({"image": "nope"}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json::<serde_json::Value>()
        .await
        .unwrap_or_default();
    assert_eq!(reply, failure("参数错误"));
    let empty = app
        .http
        .post(app.url("/applet/album/upload"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json::<serde_json::Value>()
        .await
        .unwrap_or_default();
    assert_eq!(empty, failure("参数错误"));
    assert!(app.stored_keys().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_multipart_body_stores_nothing() {
    let app = spawn_app(|_| {}).await;
    let mut body = multipart_head("image", "rocket.jpg");
    body.extend_from_slice(&photo("rocket.jpg"));
    // No closing boundary: the body ends in the middle of the part.
    let reply: serde_json::Value = app
        .http
        .post(app.url("/applet/album/upload"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_default();
    assert_eq!(reply, failure("图片上传失败，请稍候再试"));
    assert!(app.stored_keys().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_hangs_up_mid_upload_stores_nothing() {
    let app = spawn_app(|_| {}).await;
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut body = multipart_head("image", "retina.jpg");
    let photo = photo("retina.jpg");
    body.extend_from_slice(&photo[..photo.len() / 2]);
    let mut stream = tokio::net::TcpStream::connect(&address)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let head = format!(
        "POST /applet/album/upload HTTP/1.1\r\nHost: {address}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {}\r\n\r\n",
        body.len() * 2
    );
    stream
        .write_all(head.as_bytes())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    stream
        .write_all(&body)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    stream.shutdown().await.unwrap_or_else(|e| panic!("{e}"));
    // The server answers (or closes) once it sees the body end early; wait for that rather than
    // for a fixed time.
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    drop(stream);
    // A later upload completes; the aborted one never appears.
    let reply = app.upload("chelsea-small.jpg").await;
    assert_eq!(reply["code"], 0);
    assert_eq!(app.stored_keys().await.len(), 1);
    assert_eq!(app.list().await, vec![img_url(&reply)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_image_streams_as_multipart_upload_and_arrives_whole() {
    let app = spawn_app(|settings| {
        settings.upload.max_file_size = 20 * 1024 * 1024;
        settings.upload.multipart_threshold = 5 * 1024 * 1024;
    })
    .await;
    // A real photo padded past the threshold (bytes after the JPEG end marker are ignored by
    // decoders; the album only sniffs the head).
    let mut big = photo("retina.jpg");
    big.resize(11 * 1024 * 1024 + 7, 0x5A);
    let reply = app.upload_as("image", "big.jpg", big.clone()).await;
    assert_eq!(reply["code"], 0, "{reply}");
    let bytes = app
        .http
        .get(img_url(&reply))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .bytes()
        .await
        .unwrap_or_default();
    assert_eq!(bytes.len(), big.len());
    assert!(bytes.as_ref() == big.as_slice());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_multipart_upload_is_aborted_without_an_object() {
    let app = spawn_app(|settings| {
        settings.upload.max_file_size = 8 * 1024 * 1024;
        settings.upload.multipart_threshold = 5 * 1024 * 1024;
    })
    .await;
    let mut big = photo("rocket.jpg");
    big.resize(12 * 1024 * 1024, 0x5A);
    let reply = app.upload_as("image", "big.jpg", big).await;
    assert_eq!(reply, failure("单个不超过8MB"));
    assert!(app.stored_keys().await.is_empty());
    assert!(app.list().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiny_files_are_answered_not_crashed_on() {
    let app = spawn_app(|_| {}).await;
    let tiny_jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    let reply = app.upload_as("image", "tiny.jpg", tiny_jpeg).await;
    assert_eq!(reply["code"], 0, "{reply}");
    for bytes in [b"hi".to_vec(), Vec::new()] {
        let reply = app.upload_as("image", "tiny.jpg", bytes).await;
        assert_eq!(reply, failure("仅jpg/png格式"));
    }
    let reply = app.upload_as("other", "x.txt", b"x".to_vec()).await;
    assert_eq!(reply, failure("参数错误"));
    assert_eq!(app.stored_keys().await.len(), 1);
}
