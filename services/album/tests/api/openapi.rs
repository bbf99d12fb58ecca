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

    let (status, body) = call(
        http.post(app.url("/applet/album/delete"))
            .json(&serde_json::json!({ "filepaths": "not a list" })),
    )
    .await;
    document.assert_conforms("post", "/applet/album/delete", status, &body);
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

    for query in [
        "contentType=image/png&size=10",
        "contentType=image/gif&size=10",
        "size=0",
        "size=99999999",
    ] {
        let (status, body) = app
            .get_json(&format!("/applet/album/upload-url?{query}"))
            .await;
        document.assert_conforms("get", "/applet/album/upload-url", status, &body);
    }
    for query in ["contentType=image/png", "contentType=text/plain"] {
        let (status, body) = app
            .get_json(&format!("/applet/album/upload-form?{query}"))
            .await;
        document.assert_conforms("get", "/applet/album/upload-form", status, &body);
    }
    let form = crate::form::form(&app, "image/jpeg").await;
    assert_eq!(
        crate::form::post_form(&app, &form, photo("rocket.jpg")).await,
        204
    );
    for key in [form["key"].clone(), Value::from("../x.jpg")] {
        let (status, body) = call(
            http.post(app.url("/applet/album/confirm"))
                .json(&serde_json::json!({ "key": key })),
        )
        .await;
        document.assert_conforms("post", "/applet/album/confirm", status, &body);
    }
    let (status, body) = app.get_json("/applet/album/list?after=..%2Fx.jpg").await;
    document.assert_conforms("get", "/applet/album/list", status, &body);

    for cos_path in ["/", "/elsewhere"] {
        let (status, body) = app
            .get_json(&format!("/applet/album/qc_cos/config?cos_path={cos_path}"))
            .await;
        document.assert_conforms("get", "/applet/album/qc_cos/config", status, &body);
    }
    let (_, signed) = app.get_json("/applet/album/qc_cos/config?cos_path=/").await;
    let v4 = "/applet/album/v4/files/v2/{appid}/{bucket}/{path}";
    for (name, bytes) in [
        ("1-v4.jpg", photo("rocket.jpg")),
        ("1-v4.jpg", photo("rocket.jpg")),
        ("1-t.jpg", photo("not-an-image.txt")),
    ] {
        let form = reqwest::multipart::Form::new().text("op", "upload").part(
            "filecontent",
            reqwest::multipart::Part::bytes(bytes).file_name("a.jpg"),
        );
        let (status, body) = call(
            http.post(app.url(&format!(
                "/applet/album/v4/files/v2/1250000000/{}/{}{name}",
                app.target.bucket, app.prefix
            )))
            .header("authorization", signed["sign"].as_str().unwrap_or_default())
            .multipart(form),
        )
        .await;
        document.assert_conforms("post", v4, status, &body);
    }

    for path in ["/healthz", "/readyz"] {
        let (status, body) = app.get_json(path).await;
        document.assert_conforms("get", path, status, &body);
    }
    let (status, body) = call(http.put(app.url("/applet/album/list"))).await;
    document.assert_conforms("get", "/applet/album/list", status, &body);
}
