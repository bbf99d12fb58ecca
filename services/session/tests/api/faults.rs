//! Redis or MongoDB going away (the relay in front of each is taken down) or freezing (the
//! relay stops forwarding and closes nothing, so requests hang until their timeouts): clear
//! errors, `/readyz` failing, nothing half-written, and recovery without a restart.

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

/// Long enough for whatever a relay held to reach its backend and be answered.
const SETTLE: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_redis_link_is_a_clear_503_and_the_next_request_after_it_succeeds() {
    let app = spawn_with(Spawn { proxies: true }, |_| {}).await;
    let login = app.wx_login("wes", "Wes").await;
    assert_eq!(
        call(login.headers(app.http.get(app.url(LIST)))).await.0,
        200
    );
    let redis = app
        .redis_proxy
        .as_ref()
        .unwrap_or_else(|| panic!("proxied"));

    redis.freeze();
    let (status, body) = call(app.http.get(app.url(LIST)).header("X-WX-Code", &login.code)).await;
    assert_eq!(
        (status, body),
        (
            503,
            json!({"F2C224D4-2BCE-4C64-AF9F-A6D872000D1A":1,"error":{"name":"Error","message":"session store unavailable, please retry"}})
        )
    );
    let (status, body) = call(
        app.http
            .get(app.url("/applet/session/login"))
            .header("x-wx-code", "wes-modern-1"),
    )
    .await;
    assert_eq!(
        (status, &body["error"]["reason"]),
        (503, &json!("ERR_SERVICE_UNAVAILABLE"))
    );
    assert_eq!(
        call(app.http.get(app.url("/readyz"))).await,
        (503, json!({"code":-1,"msg":"redis unavailable","data":{}}))
    );

    redis.up();
    redis.settled(SETTLE).await;
    let (status, body) = call(app.http.get(app.url(LIST)).header("X-WX-Code", &login.code)).await;
    assert_eq!((status, &body["code"]), (200, &json!(0)), "{body}");
    assert_eq!(call(app.http.get(app.url("/readyz"))).await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_mongodb_link_is_a_clear_503_writes_nothing_half_and_recovers() {
    let app = spawn_with(Spawn { proxies: true }, |_| {}).await;
    let login = app.wx_login("xia", "Xia").await;
    call(login.headers(app.http.get(app.url(LIST)))).await;
    let code = login.code.as_str();
    let save = |id: &str, actions: &str| {
        app.http
            .post(app.url(SAVE))
            .header("X-WX-Code", code)
            .json(&json!({"id": id, "actions": actions}))
    };
    assert_eq!(call(save("kept", "[1]")).await.1["code"], 0);
    let mongo = app
        .mongo_proxy
        .as_ref()
        .unwrap_or_else(|| panic!("proxied"));

    mongo.freeze();
    let unavailable =
        json!({"code":-1,"msg":"fail","error":{"reason":"database unavailable, please retry"}});
    assert_eq!(call(save("kept", "[2]")).await, (503, unavailable.clone()));
    assert_eq!(
        call(app.http.get(app.url(LIST)).header("X-WX-Code", code)).await,
        (503, unavailable)
    );
    assert_eq!(
        call(app.http.get(app.url("/readyz"))).await,
        (
            503,
            json!({"code":-1,"msg":"mongodb unavailable","data":{}})
        )
    );

    mongo.up();
    mongo.settled(SETTLE).await;
    // The held save may have reached MongoDB late: a whole replacement or none, never a copy.
    let (status, body) = call(app.http.get(app.url(LIST)).header("X-WX-Code", code)).await;
    assert_eq!(status, 200, "{body}");
    let listed = body["data"].as_array().cloned().unwrap_or_default();
    assert_eq!(listed.len(), 1, "{body}");
    assert!(
        [json!("[1]"), json!("[2]")].contains(&listed[0]["actions"]),
        "{body}"
    );
    assert_eq!(call(save("after", "[3]")).await.1["code"], 0);
    assert_eq!(call(app.http.get(app.url("/readyz"))).await.0, 200);
}
