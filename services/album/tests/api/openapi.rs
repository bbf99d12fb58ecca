//! Real responses validated against the published contract, `proto/album.openapi.yaml`: the
//! schema a test uses is the one the document gives for that path, method and status.

use serde_json::Value;
use weapp_testkit::OpenApi;

use crate::helpers::{client_filepath, img_url, photo, spawn_app};

fn document() -> OpenApi {
    OpenApi::load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../proto/album.openapi.yaml"
    ))
}

async fn call(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_album_reply_conforms_to_the_contract() {
    let document = document();
    let app = spawn_app(|_| {}).await;
    let http = &app.http;

    let (status, body) = app.get_json("/applet/album/list").await;
    document.assert_conforms("get", "/applet/album/list", status, &body);

    let upload = app.upload("rocket.jpg").await;
    document.assert_conforms("post", "/applet/album/upload", 200, &upload);
    for reply in [
        app.upload_as("image", "x.jpg", photo("not-an-image.txt"))
            .await,
        app.upload_as("file", "x.jpg", photo("rocket.jpg")).await,
    ] {
        assert_eq!(reply["code"], -1);
        document.assert_conforms("post", "/applet/album/upload", 200, &reply);
    }

    let (status, body) = app.get_json("/applet/album/list").await;
    assert_eq!(body["data"].as_array().map(Vec::len), Some(1));
    document.assert_conforms("get", "/applet/album/list", status, &body);

    let delete = |filepath: Value| {
        http.post(app.url("/applet/album/delete"))
            .json(&serde_json::json!({ "filepath": filepath }))
    };
    for filepath in [
        Value::from("/%E0%A4%A"),
        Value::from("/../x.jpg"),
        Value::from(client_filepath(&img_url(&upload))),
    ] {
        let (status, body) = call(delete(filepath)).await;
        document.assert_conforms("post", "/applet/album/delete", status, &body);
    }
    let (status, body) = call(
        http.post(app.url("/applet/album/delete"))
            .header("content-type", "application/json")
            .body("{oops"),
    )
    .await;
    document.assert_conforms("post", "/applet/album/delete", status, &body);

    for content_type in ["image/png", "image/gif"] {
        let path = format!("/applet/album/upload-url?contentType={content_type}");
        let (status, body) = app.get_json(&path).await;
        document.assert_conforms("get", "/applet/album/upload-url", status, &body);
    }

    for path in ["/healthz", "/readyz"] {
        let (status, body) = app.get_json(path).await;
        document.assert_conforms("get", path, status, &body);
    }
    let (status, body) = call(http.put(app.url("/applet/album/list"))).await;
    document.assert_conforms("get", "/applet/album/list", status, &body);
}
