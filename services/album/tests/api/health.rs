//! `/healthz` and `/readyz` against a reachable and an unreachable S3 server.

use crate::helpers::{spawn_app, spawn_unready};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_when_the_store_answers() {
    let app = spawn_app(|_| {}).await;
    let ok = serde_json::json!({"code":0,"msg":"ok","data":{}});
    assert_eq!(app.get_json("/healthz").await, (200, ok.clone()));
    assert_eq!(app.get_json("/readyz").await, (200, ok));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_ready_when_the_store_is_unreachable_but_still_alive() {
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    let app = spawn_unready(|settings| {
        settings.storage.endpoint = "http://127.0.0.1:1".into();
        settings.storage.request_timeout_secs = 2;
    })
    .await;
    let (status, body) = app.get_json("/readyz").await;
    assert_eq!(status, 503);
    assert_eq!(
        body,
        serde_json::json!({"code":-1,"msg":"storage unavailable","data":{}})
    );
    assert_eq!(app.get_json("/healthz").await.0, 200);
    // The original routes answer in their envelope, never with a 500.
    assert_eq!(
        app.get_json("/applet/album/list").await,
        (200, serde_json::json!({"code":-1,"msg":"failed","data":{}}))
    );
}
