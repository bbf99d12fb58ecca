//! `POST /applet/album/delete` on the real S3 server.

use crate::helpers::{client_filepath, img_url, spawn_app};

fn js_error(name: &str, message: &str) -> serde_json::Value {
    serde_json::json!({"code":-1,"msg":"failed","data":{"name":name,"message":message}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_original_client_deletes_by_url_path() {
    let app = spawn_app(|_| {}).await;
    let url = img_url(&app.upload("rocket.jpg").await);
    let kept = img_url(&app.upload("chelsea.png").await);
    let reply = app
        .delete_json(serde_json::json!({"filepath": client_filepath(&url)}))
        .await;
    assert_eq!(reply, serde_json::json!({"code":0,"msg":"ok","data":{}}));
    assert_eq!(app.list().await, vec![kept]);
    assert_eq!(app.stored_keys().await.len(), 1);
    let status = app
        .http
        .get(&url)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0);
    assert_eq!(status, 404, "the deleted image is gone from the bucket");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn urlencoded_and_uri_encoded_filepaths_work() {
    let app = spawn_app(|_| {}).await;
    let url = img_url(&app.upload("rocket.jpg").await);
    let encoded: String = client_filepath(&url)
        .bytes()
        .map(|b| format!("%{b:02X}"))
        .collect();
    let reply: serde_json::Value = app
        .http
        .post(app.url("/applet/album/delete"))
        .form(&[("filepath", encoded)])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_default();
    assert_eq!(reply["code"], 0, "{reply}");
    assert!(app.stored_keys().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_object_deletes_fine() {
    let app = spawn_app(|_| {}).await;
    let filepath = format!(
        "/{}/{}1700000000000-gone.jpg",
        app.target.bucket, app.prefix
    );
    let reply = app
        .delete_json(serde_json::json!({ "filepath": filepath }))
        .await;
    assert_eq!(reply["code"], 0, "{reply}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_escapes_are_a_uri_error() {
    let app = spawn_app(|_| {}).await;
    let reply = app
        .delete_json(serde_json::json!({"filepath": "/%E0%A4%A"}))
        .await;
    assert_eq!(reply, js_error("URIError", "URI malformed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paths_outside_the_folder_are_forbidden_and_nothing_is_deleted() {
    let app = spawn_app(|_| {}).await;
    let url = img_url(&app.upload("rocket.jpg").await);
    let key_name = url.rsplit('/').next().unwrap_or_default().to_owned();
    let prefix = app.prefix.clone();
    for filepath in [
        format!("/{key_name}"),
        format!("/{prefix}../{prefix}{key_name}"),
        format!("/{prefix}%2E%2E/{prefix}{key_name}"),
        format!("/other/{key_name}"),
        format!("/{prefix}"),
        "/".to_owned(),
        String::new(),
    ] {
        let reply = app
            .delete_json(serde_json::json!({ "filepath": filepath }))
            .await;
        assert_eq!(
            reply,
            js_error("Error", "operation forbidden"),
            "{filepath:?}"
        );
    }
    let missing = app.delete_json(serde_json::json!({})).await;
    assert_eq!(missing, js_error("Error", "operation forbidden"));
    assert_eq!(app.stored_keys().await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_json_is_a_syntax_error_in_the_envelope() {
    let app = spawn_app(|_| {}).await;
    let response = app
        .http
        .post(app.url("/applet/album/delete"))
        .header("content-type", "application/json")
        .body("{\"filepath\":")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), 200);
    let reply: serde_json::Value = response.json().await.unwrap_or_default();
    assert_eq!(reply["code"], -1);
    assert_eq!(reply["data"]["name"], "SyntaxError");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_is_refused_in_the_envelope() {
    let app = spawn_app(|_| {}).await;
    let filepath = "/a".repeat(60 * 1024);
    let reply = app
        .delete_json(serde_json::json!({ "filepath": filepath }))
        .await;
    assert_eq!(reply["data"]["name"], "PayloadTooLargeError", "{reply}");
}
