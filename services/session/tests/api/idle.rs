//! Pooled connections that the servers closed while the service was idle (the relays close
//! them, as a server's or middlebox's idle timeout does; MongoDB's monitoring connection, busy
//! every heartbeat, stays open, so the driver does not know): the next `/readyz` and the next
//! requests succeed the first time, on fresh connections (issue 13 item 4).

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use crate::helpers::{Spawn, TestApp, call, spawn_with};

const LIST: &str = "/applet/session/paints/list";
const SAVE: &str = "/applet/session/paints/save";

/// One worker, so the requests after the cut meet the pools the warm-up filled; the MongoDB
/// driver's monitor checks every 500 ms (its minimum), so that the idle cut can tell its
/// connection from the pooled ones quickly.
async fn warm_app() -> (TestApp, String) {
    let app = spawn_with(Spawn { proxies: true }, |settings| {
        settings.workers = 1;
        let url = format!(
            "{}&heartbeatFrequencyMS=500",
            settings.mongo.url.expose_secret()
        );
        settings.mongo.url = SecretString::from(url);
    })
    .await;
    let login = app.wx_login("ida", "Ida").await;
    let (status, body) = call(login.headers(app.http.get(app.url(LIST)))).await;
    assert_eq!((status, &body["code"]), (200, &json!(0)), "{body}");
    let code = login.code;
    let save = app
        .http
        .post(app.url(SAVE))
        .header("X-WX-Code", &code)
        .json(&json!({"id": "warm", "actions": "[]"}));
    assert_eq!(call(save).await.1["code"], 0);
    assert_eq!(call(app.http.get(app.url("/readyz"))).await.0, 200);
    (app, code)
}

/// Redis and MongoDB close the service's idle connections.
async fn close_idle_connections(app: &TestApp) {
    let (Some(redis), Some(mongo)) = (&app.redis_proxy, &app.mongo_proxy) else {
        panic!("spawned with relays");
    };
    redis.cut().await;
    mongo.cut_idle(Duration::from_secs(10)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_after_the_servers_closed_idle_connections_succeeds_first_time() {
    let (app, _) = warm_app().await;
    close_idle_connections(&app).await;
    let (status, body) = call(app.http.get(app.url("/readyz"))).await;
    assert_eq!(
        (status, body),
        (200, json!({"code":0,"msg":"ok","data":{}}))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_after_the_servers_closed_idle_connections_succeed_first_time() {
    let (app, code) = warm_app().await;
    close_idle_connections(&app).await;
    let save = app
        .http
        .post(app.url(SAVE))
        .header("X-WX-Code", &code)
        .json(&json!({"id": "after", "actions": "[1]"}));
    let (status, body) = call(save).await;
    assert_eq!((status, &body["code"]), (200, &json!(0)), "{body}");

    close_idle_connections(&app).await;
    let (status, body) = call(app.http.get(app.url(LIST)).header("X-WX-Code", &code)).await;
    assert_eq!((status, &body["code"]), (200, &json!(0)), "{body}");
    assert_eq!(
        body["data"],
        json!([{"id":"warm","actions":"[]"},{"id":"after","actions":"[1]"}])
    );
}
