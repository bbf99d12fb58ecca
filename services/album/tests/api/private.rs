//! A private bucket (`storage.public_read = false`) on the real S3 server: the test's private
//! bucket (`WEAPP_TEST_S3_PRIVATE_BUCKET`, created by `scripts/up` without anonymous access)
//! refuses plain URLs, and the album hands out SigV4-presigned ones that fetch the image.

use crate::helpers::{client_filepath, img_url, photo, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_and_upload_urls_are_signed_and_fetch_the_image() {
    let bucket = weapp_testkit::env_or("WEAPP_TEST_S3_PRIVATE_BUCKET", "album-private");
    let app = spawn_app(|settings| {
        settings.cos.bucket = bucket.clone();
        settings.storage.public_read = false;
        settings.list.url_expires_secs = 600;
    })
    .await;
    let reply = app.upload("rocket.jpg").await;
    assert_eq!(reply["code"], 0, "{reply}");
    let url = img_url(&reply);
    assert!(url.contains(&format!("/{bucket}/")), "{url}");
    assert!(url.contains("X-Amz-Expires=600&"), "{url}");
    let fetch = |url: String| {
        let http = app.http.clone();
        async move {
            let response = http
                .get(&url)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            (
                response.status().as_u16(),
                response.bytes().await.unwrap_or_default(),
            )
        }
    };
    let (status, bytes) = fetch(url.clone()).await;
    assert_eq!(status, 200, "{url}");
    assert!(bytes.as_ref() == photo("rocket.jpg").as_slice());
    let plain = url.split('?').next().unwrap_or_default().to_owned();
    assert_eq!(fetch(plain.clone()).await.0, 403, "the bucket is private");
    let listed = app.list().await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].split('?').next(), Some(plain.as_str()));
    assert_eq!(fetch(listed[0].clone()).await.0, 200);
    // The original client deletes by the URL's path: the signature is not part of it.
    let deleted = app
        .delete_json(serde_json::json!({ "filepath": client_filepath(&listed[0]) }))
        .await;
    assert_eq!(deleted["code"], 0, "{deleted}");
    assert!(app.list().await.is_empty());
}
