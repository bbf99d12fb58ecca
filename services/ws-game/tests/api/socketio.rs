//! The original client's socket.io framing, frame by frame (§2.1–2.4).

use serde_json::Value;

use crate::helpers::{Next, spawn};

fn hello(uid: &str) -> String {
    format!(
        r#"42["hello",{{"user":{{"uid":"{uid}","uname":"玩家{uid}","uavatar":"http://a/{uid}.png"}}}}]"#
    )
}

#[tokio::test]
async fn open_packet_then_connect_exactly_as_engine_io_3() {
    let server = spawn(|_| {}).await;
    for path in [
        "/applet/websocket/socket.io//?EIO=3&transport=websocket",
        "/applet/websocket/socket.io/?EIO=3&transport=websocket",
    ] {
        let mut client = server.connect(path).await;
        let open = client.text().await;
        let body: Value = serde_json::from_str(open.strip_prefix('0').unwrap_or_default())
            .unwrap_or_else(|e| panic!("{e}: {open}"));
        let sid = body["sid"].as_str().unwrap_or_default();
        assert_eq!(sid.len(), 20, "{open}");
        assert_eq!(
            open,
            format!(r#"0{{"sid":"{sid}","upgrades":[],"pingInterval":25000,"pingTimeout":60000}}"#)
        );
        assert_eq!(client.text().await, "40");
    }
}

#[tokio::test]
async fn pings_get_a_bare_pong() {
    let server = spawn(|_| {}).await;
    let mut client = server.socketio().await;
    client.send("2probe").await;
    assert_eq!(client.text().await, "3");
    client.send("2").await;
    assert_eq!(client.text().await, "3");
}

#[tokio::test]
async fn hello_is_answered_with_hi() {
    let server = spawn(|_| {}).await;
    let mut client = server.socketio().await;
    client.send(&hello("u1")).await;
    assert_eq!(
        client.text().await,
        r#"42["hi",{"message":"welcome","nearby":10}]"#
    );
}

#[tokio::test]
async fn two_players_play_a_full_round_frame_by_frame() {
    let server = spawn(|_| {}).await;
    let mut a = server.socketio().await;
    let mut b = server.socketio().await;
    a.send(&hello("a")).await;
    b.send(&hello("b")).await;
    a.text().await;
    b.text().await;
    a.send(r#"42["join"]"#).await;
    b.send(r#"42["join"]"#).await;
    let start = r#"42["start",{"gameTime":1,"roomUsers":[{"uid":"a","uname":"玩家a","uavatar":"http://a/a.png","choice":null,"roundScore":0,"totalScore":0,"winStreak":0},{"uid":"b","uname":"玩家b","uavatar":"http://a/b.png","choice":null,"roundScore":0,"totalScore":0,"winStreak":0}]}]"#;
    assert_eq!(a.text().await, start);
    assert_eq!(b.text().await, start);

    a.send(r#"42["choice",{"choice":2}]"#).await;
    assert_eq!(
        b.text().await,
        r#"42["movement",{"uid":"a","movement":"choice"}]"#
    );
    b.send(r#"42["choice",{"choice":1}]"#).await;
    assert_eq!(
        a.text().await,
        r#"42["movement",{"uid":"b","movement":"choice"}]"#
    );
    b.send(r#"42["face",{"face":1}]"#).await;
    assert_eq!(
        a.text().await,
        r#"42["movement",{"uid":"b","movement":"face","face":1}]"#
    );

    // Rock (2) beats scissors (1): a wins its first round.
    let result = r#"42["result",{"result":[{"uid":"a","roundScore":1,"totalScore":1,"winStreak":1,"choice":2},{"uid":"b","roundScore":0,"totalScore":0,"winStreak":0,"choice":1}]}]"#;
    assert_eq!(a.text().await, result);
    assert_eq!(b.text().await, result);
}

#[tokio::test]
async fn a_lone_player_gets_the_original_robot() {
    let server = spawn(|_| {}).await;
    let mut client = server.socketio().await;
    client.send(&hello("solo")).await;
    client.text().await;
    client.send(r#"42["join"]"#).await;
    let start = client.event().await;
    assert_eq!(start[0], "start");
    let users = &start[1]["roomUsers"];
    assert_eq!(users[0]["uid"], "solo");
    assert_eq!(users[1]["uid"], users[1]["uname"]);
    assert!(
        users[1]["uid"]
            .as_str()
            .unwrap_or_default()
            .starts_with("robot-")
    );
    assert_eq!(
        users[1]["uavatar"],
        "http://www.scoutiegirl.com/wp-content/uploads/2015/06/Blue-Robot.png"
    );
    let result = client.event().await;
    assert_eq!(result[0], "result");
    assert_eq!(result[1]["result"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn leaving_tells_the_other_player() {
    let server = spawn(|_| {}).await;
    let mut a = server.socketio().await;
    let mut b = server.socketio().await;
    for (client, uid) in [(&mut a, "a"), (&mut b, "b")] {
        client.send(&hello(uid)).await;
        client.text().await;
        client.send(r#"42["join"]"#).await;
    }
    a.event().await;
    b.event().await;
    a.send(r#"42["leave"]"#).await;
    assert_eq!(
        b.text_skipping_movements().await,
        r#"42["leave",{"uid":"a"}]"#
    );
}

#[tokio::test]
async fn garbage_and_binary_frames_are_dropped_and_the_socket_lives_on() {
    let server = spawn(|_| {}).await;
    let mut client = server.socketio().await;
    for junk in [
        "",
        "9",
        "42",
        "42[",
        r#"42{"a":1}"#,
        "42/chat,[\"join\"]",
        "451-[\"x\",{}]",
        "\u{0}\u{1}",
    ] {
        client.send(junk).await;
    }
    client
        .send_message(tokio_tungstenite::tungstenite::Message::binary(vec![
            0x42, 0x00,
        ]))
        .await;
    client.send(&hello("still-here")).await;
    assert_eq!(
        client.text().await,
        r#"42["hi",{"message":"welcome","nearby":10}]"#
    );
}

#[tokio::test]
async fn a_socket_io_disconnect_packet_closes_the_socket() {
    let server = spawn(|_| {}).await;
    let mut client = server.socketio().await;
    client.send("41").await;
    assert!(matches!(
        client.next_within(crate::helpers::FRAME_WAIT).await,
        Next::Close(_)
    ));
}

#[tokio::test]
async fn server_frames_never_carry_ack_ids_or_namespaces() {
    let server = spawn(|_| {}).await;
    let mut client = server.socketio().await;
    client.send(r#"421["hello",{"user":{"uid":"x"}}]"#).await;
    let hi = client.text().await;
    assert_eq!(hi, r#"42["hi",{"message":"welcome","nearby":10}]"#);
}
