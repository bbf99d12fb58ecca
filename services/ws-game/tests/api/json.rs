//! The plain JSON protocol on `/applet/websocket/ws`, and a JSON player sharing a room with a
//! socket.io player.

use serde_json::{Value, json};

use crate::helpers::spawn;

#[tokio::test]
async fn json_frames_carry_type_and_data() {
    let server = spawn(|_| {}).await;
    let mut client = server.connect("/applet/websocket/ws").await;
    let open: Value = serde_json::from_str(&client.text().await).unwrap_or_default();
    assert_eq!(open["type"], "open");
    assert_eq!(open["data"]["pingInterval"], 25000);
    client
        .send(r#"{"type":"hello","data":{"user":{"uid":"j1","uname":"J","uavatar":""}}}"#)
        .await;
    assert_eq!(
        client.text().await,
        r#"{"type":"hi","data":{"message":"welcome","nearby":10}}"#
    );
    client.send(r#"{"type":"ping"}"#).await;
    assert_eq!(client.text().await, r#"{"type":"pong"}"#);
}

#[tokio::test]
async fn malformed_json_gets_an_error_frame_and_the_socket_lives_on() {
    let server = spawn(|_| {}).await;
    let mut client = server.json().await;
    for bad in [
        "not json",
        "[1,2]",
        r#"{"type":"dance"}"#,
        r#"{"type":"choice","data":{"choice":7}}"#,
    ] {
        client.send(bad).await;
        let reply: Value = serde_json::from_str(&client.text().await).unwrap_or_default();
        assert_eq!(reply["type"], "error", "{bad}");
        assert!(reply["data"]["message"].is_string(), "{bad}");
    }
    client
        .send_message(tokio_tungstenite::tungstenite::Message::binary(vec![
            1, 2, 3,
        ]))
        .await;
    let reply: Value = serde_json::from_str(&client.text().await).unwrap_or_default();
    assert_eq!(reply["type"], "error");
    client.send(r#"{"type":"ping"}"#).await;
    assert_eq!(client.text().await, r#"{"type":"pong"}"#);
}

#[tokio::test]
async fn a_json_player_and_a_socket_io_player_share_a_room() {
    let server = spawn(|_| {}).await;
    let mut modern = server.json().await;
    let mut original = server.socketio().await;
    modern
        .send(r#"{"type":"hello","data":{"user":{"uid":"modern","uname":"M","uavatar":""}}}"#)
        .await;
    modern.text().await;
    original
        .send(r#"42["hello",{"user":{"uid":"original","uname":"O","uavatar":""}}]"#)
        .await;
    original.text().await;
    modern.send(r#"{"type":"join"}"#).await;
    original.send(r#"42["join"]"#).await;

    let start = modern.event().await;
    assert_eq!(start["type"], "start");
    let users: Vec<&str> = start["data"]["roomUsers"]
        .as_array()
        .map(|users| users.iter().filter_map(|u| u["uid"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(users, ["modern", "original"]);
    let start = original.event().await;
    assert_eq!(start[0], "start");

    modern
        .send(r#"{"type":"choice","data":{"choice":3}}"#)
        .await;
    assert_eq!(
        original.text().await,
        r#"42["movement",{"uid":"modern","movement":"choice"}]"#
    );
    original.send(r#"42["choice",{"choice":2}]"#).await;
    assert_eq!(
        modern.text().await,
        r#"{"type":"movement","data":{"uid":"original","movement":"choice"}}"#
    );
    // Paper (3) beats rock (2).
    let result = modern.event().await;
    assert_eq!(result["type"], "result");
    assert_eq!(
        result["data"]["result"][0],
        json!({"uid":"modern","roundScore":1,"totalScore":1,"winStreak":1,"choice":3})
    );
    let result = original.event().await;
    assert_eq!(result[1]["result"][1]["roundScore"], 0);
}
