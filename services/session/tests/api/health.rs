//! `/healthz` and `/readyz`: both backends are checked.

use serde_json::json;

use crate::helpers::{Spawn, call, spawn_app, spawn_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_when_redis_and_mongodb_answer() {
    let app = spawn_app().await;
    let ok = json!({"code":0,"msg":"ok","data":{}});
    assert_eq!(
        call(app.http.get(app.url("/healthz"))).await,
        (200, ok.clone())
    );
    assert_eq!(call(app.http.get(app.url("/readyz"))).await, (200, ok));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_ready_when_both_are_unreachable_but_alive() {
    // Port 1 on loopback: nothing listens.
    let app = spawn_with(Spawn::default(), |settings| {
        settings.redis.url = "redis://127.0.0.1:1".to_owned().into();
        settings.mongo.url = "mongodb://127.0.0.1:1/?directConnection=true"
            .to_owned()
            .into();
        settings.mongo.timeout_ms = 500;
    })
    .await;
    let (status, body) = call(app.http.get(app.url("/readyz"))).await;
    assert_eq!(
        (status, body),
        (
            503,
            json!({"code":-1,"msg":"redis and mongodb unavailable","data":{}})
        )
    );
    assert_eq!(call(app.http.get(app.url("/healthz"))).await.0, 200);
}
