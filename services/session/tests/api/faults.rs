//! Redis or MongoDB going away (a proxy in front of each is cut): clear errors, `/readyz`
//! failing, nothing half-written, and recovery without a restart.

use std::time::Duration;

use mongodb::bson::doc;
use serde_json::json;

use crate::helpers::{Spawn, call, spawn_with, wait_ready};

const LIST: &str = "/applet/session/paints/list";
const SAVE: &str = "/applet/session/paints/save";
const RECOVERY: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_is_a_clear_503_and_the_service_recovers_by_itself() {
    let app = spawn_with(Spawn { proxies: true }, |_| {}).await;
    wait_ready(&app, 200, RECOVERY).await;
    let login = app.wx_login("uma", "Uma").await;
    call(login.headers(app.http.get(app.url(LIST)))).await;
    let redis = app
        .redis_proxy
        .as_ref()
        .unwrap_or_else(|| panic!("proxied"));

    redis.down().await;
    let (status, body) = call(app.http.get(app.url(LIST)).header("X-WX-Code", &login.code)).await;
    assert_eq!(status, 503);
    assert_eq!(
        body,
        json!({"F2C224D4-2BCE-4C64-AF9F-A6D872000D1A":1,"error":{"name":"Error","message":"session store unavailable, please retry"}})
    );
    let (status, body) = call(app.http.get(app.url("/readyz"))).await;
    assert_eq!(
        (status, body),
        (503, json!({"code":-1,"msg":"redis unavailable","data":{}}))
    );
    let relogin = app.wx_login("uma", "Uma").await;
    let (status, _) = call(relogin.headers(app.http.get(app.url(LIST)))).await;
    assert_eq!(status, 503, "a login cannot be stored while Redis is down");
    let (status, body) = call(
        app.http
            .get(app.url("/applet/session/login"))
            .header("x-wx-code", "uma-modern-1"),
    )
    .await;
    assert_eq!(status, 503);
    assert_eq!(body["error"]["reason"], "ERR_SERVICE_UNAVAILABLE");

    redis.up();
    wait_ready(&app, 200, RECOVERY).await;
    let (_, body) = call(app.http.get(app.url(LIST)).header("X-WX-Code", &login.code)).await;
    assert_eq!(
        body["code"], 0,
        "the session stored before the outage is back: {body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mongodb_down_is_a_clear_503_nothing_is_half_written_and_it_recovers() {
    let app = spawn_with(Spawn { proxies: true }, |_| {}).await;
    wait_ready(&app, 200, RECOVERY).await;
    let login = app.wx_login("vic", "Vic").await;
    call(login.headers(app.http.get(app.url(LIST)))).await;
    let code = login.code.as_str();
    let save = |id: &str| {
        app.http
            .post(app.url(SAVE))
            .header("X-WX-Code", code)
            .json(&json!({"id": id, "actions": "[]"}))
    };
    assert_eq!(call(save("before")).await.1["code"], 0);
    let mongo = app
        .mongo_proxy
        .as_ref()
        .unwrap_or_else(|| panic!("proxied"));

    mongo.down().await;
    let unavailable =
        json!({"code":-1,"msg":"fail","error":{"reason":"database unavailable, please retry"}});
    assert_eq!(call(save("during")).await, (503, unavailable.clone()));
    assert_eq!(
        call(app.http.get(app.url(LIST)).header("X-WX-Code", code)).await,
        (503, unavailable)
    );
    let (status, body) = call(app.http.get(app.url("/readyz"))).await;
    assert_eq!(
        (status, body),
        (
            503,
            json!({"code":-1,"msg":"mongodb unavailable","data":{}})
        )
    );

    mongo.up();
    wait_ready(&app, 200, RECOVERY).await;
    let (_, body) = call(app.http.get(app.url(LIST)).header("X-WX-Code", code)).await;
    assert_eq!(body["data"], json!([{"id":"before","actions":"[]"}]));
    assert_eq!(
        app.paints()
            .count_documents(doc! {})
            .await
            .unwrap_or_default(),
        1
    );
    assert_eq!(call(save("after")).await.1["code"], 0);
}
