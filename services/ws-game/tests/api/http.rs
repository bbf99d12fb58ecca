//! Plain HTTP on the game port: the original's `it works`, engine.io's errors, stats, health.

use serde_json::Value;

use crate::helpers::spawn;

async fn get(url: &str) -> (u16, String) {
    let response = reqwest::get(url)
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

#[tokio::test]
async fn any_other_request_gets_it_works() {
    let server = spawn(|_| {}).await;
    assert_eq!(
        get(&server.http_url("/")).await,
        (200, "it works".to_owned())
    );
    assert_eq!(
        get(&server.http_url("/applet/websocket/anything")).await,
        (200, "it works".to_owned())
    );
}

#[tokio::test]
async fn engine_io_refuses_other_versions_and_transports() {
    let server = spawn(|_| {}).await;
    let (status, body) =
        get(&server.http_url("/applet/websocket/socket.io/?EIO=4&transport=websocket")).await;
    assert_eq!(
        (status, body.as_str()),
        (
            400,
            r#"{"code":5,"message":"Unsupported protocol version"}"#
        )
    );
    let (status, body) =
        get(&server.http_url("/applet/websocket/socket.io/?EIO=3&transport=polling")).await;
    assert_eq!(
        (status, body.as_str()),
        (400, r#"{"code":0,"message":"Transport unknown"}"#)
    );
    let (status, body) =
        get(&server.http_url("/applet/websocket/socket.io/?EIO=3&transport=websocket")).await;
    assert_eq!(
        (status, body.as_str()),
        (400, r#"{"code":3,"message":"Bad request"}"#)
    );
}

#[tokio::test]
async fn stats_count_connections_and_rounds() {
    let server = spawn(|_| {}).await;
    let mut a = server.socketio().await;
    let mut b = server.socketio().await;
    a.send(r#"42["join"]"#).await;
    b.send(r#"42["join"]"#).await;
    a.event().await;
    let result = a.event().await;
    assert_eq!(result[0], "result");
    let (status, body) = get(&server.http_url("/applet/websocket/stats")).await;
    assert_eq!(status, 200);
    let stats: Value = serde_json::from_str(&body).unwrap_or_default();
    assert_eq!(stats["connections"], 2, "{body}");
    assert_eq!(stats["players"], 2, "{body}");
    assert_eq!(stats["rooms"], 1, "{body}");
    assert_eq!(stats["rounds"], 1, "{body}");
}

#[tokio::test]
async fn health_routes_answer_in_the_envelope() {
    let server = spawn(|_| {}).await;
    let ok = r#"{"code":0,"msg":"ok","data":{}}"#.to_owned();
    assert_eq!(get(&server.http_url("/healthz")).await, (200, ok.clone()));
    assert_eq!(get(&server.http_url("/readyz")).await, (200, ok));
}
