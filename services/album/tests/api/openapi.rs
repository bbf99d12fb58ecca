//! Real responses validated against the published contract, `proto/album.openapi.yaml`: the
//! schema a test uses is the one the document gives for that path, method and status.

use serde_json::Value;

use crate::helpers::{client_filepath, img_url, photo, spawn_app};

fn document() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../proto/album.openapi.yaml"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Follow a local `$ref` (`#/components/...`) within the document.
fn resolve<'a>(document: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            let target = document
                .pointer(pointer)
                .unwrap_or_else(|| panic!("dangling $ref {reference}"));
            resolve(document, target)
        }
        None => node,
    }
}

/// Assert that `body` is what the document promises for `method path` with `status`.
fn assert_conforms(document: &Value, method: &str, path: &str, status: u16, body: &Value) {
    let operation = document["paths"][path]
        .get(method)
        .unwrap_or_else(|| panic!("{method} {path} is not in the document"));
    let response = operation["responses"]
        .get(status.to_string())
        .unwrap_or_else(|| panic!("{method} {path} has no {status} response"));
    let response = resolve(document, response);
    let schema = &response["content"]["application/json"]["schema"];
    assert!(
        schema.is_object(),
        "{method} {path} {status} has no JSON schema"
    );
    let mut root = schema.clone();
    root["components"] = document["components"].clone();
    let validator = jsonschema::validator_for(&root)
        .unwrap_or_else(|e| panic!("schema of {method} {path} {status}: {e}"));
    let errors: Vec<String> = validator.iter_errors(body).map(|e| e.to_string()).collect();
    assert!(
        errors.is_empty(),
        "{method} {path} {status}: {body} does not conform: {errors:?}"
    );
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
    assert_conforms(&document, "get", "/applet/album/list", status, &body);

    let upload = app.upload("rocket.jpg").await;
    assert_conforms(&document, "post", "/applet/album/upload", 200, &upload);
    for reply in [
        app.upload_as("image", "x.jpg", photo("not-an-image.txt"))
            .await,
        app.upload_as("file", "x.jpg", photo("rocket.jpg")).await,
    ] {
        assert_eq!(reply["code"], -1);
        assert_conforms(&document, "post", "/applet/album/upload", 200, &reply);
    }

    let (status, body) = app.get_json("/applet/album/list").await;
    assert_eq!(body["data"].as_array().map(Vec::len), Some(1));
    assert_conforms(&document, "get", "/applet/album/list", status, &body);

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
        assert_conforms(&document, "post", "/applet/album/delete", status, &body);
    }
    let (status, body) = call(
        http.post(app.url("/applet/album/delete"))
            .header("content-type", "application/json")
            .body("{oops"),
    )
    .await;
    assert_conforms(&document, "post", "/applet/album/delete", status, &body);

    for content_type in ["image/png", "image/gif"] {
        let path = format!("/applet/album/upload-url?contentType={content_type}");
        let (status, body) = app.get_json(&path).await;
        assert_conforms(&document, "get", "/applet/album/upload-url", status, &body);
    }

    for path in ["/healthz", "/readyz"] {
        let (status, body) = app.get_json(path).await;
        assert_conforms(&document, "get", path, status, &body);
    }
    let (status, body) = call(http.put(app.url("/applet/album/list"))).await;
    assert_conforms(&document, "get", "/applet/album/list", status, &body);
}
