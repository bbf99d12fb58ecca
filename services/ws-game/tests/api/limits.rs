//! Limits and lifecycle: connection limit, frame size, inbound rate, write deadline, idle
//! timeout, graceful shutdown.

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpSocket;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use weapp_testkit::websocket::{MASK, RawWebSocket, Read, frame, opcode, text};

use crate::close_codes::{socketio, socketio_over};
use crate::helpers::{FRAME_WAIT, Next, TestServer, spawn};

#[tokio::test]
async fn frames_over_the_inbound_rate_close_the_socket_with_1008() {
    let server = spawn(|settings| {
        // Five frames at once, then one a second: the test sends ten in one write.
        settings.limits.inbound_frames_burst = 5;
        settings.limits.inbound_frames_per_sec = 1;
    })
    .await;
    let mut socket = socketio(&server).await;
    socket.send_raw(&text("2").repeat(10)).await;
    for _ in 0..5 {
        match socket.read(FRAME_WAIT).await {
            Read::Frame(frame) => assert_eq!(frame.text(), "3"),
            other => panic!("expected a pong, got {other:?}"),
        }
    }
    assert_eq!(socket.close_code(FRAME_WAIT).await, 1008);
}

/// A socket.io connection with a tiny receive window, so what the server sends backs up fast.
async fn small_window(server: &TestServer) -> RawWebSocket {
    let tcp = TcpSocket::new_v4().unwrap_or_else(|e| panic!("{e}"));
    tcp.set_recv_buffer_size(4096)
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = ([127, 0, 0, 1], server.port).into();
    let stream = tcp.connect(addr).await.unwrap_or_else(|e| panic!("{e}"));
    socketio_over(server, stream).await
}

/// Writes `bytes` on `socket` again and again (for as long as the caller polls).
async fn keep_sending(socket: &mut RawWebSocket, bytes: &[u8]) {
    loop {
        if let Err(error) = socket.stream.write_all(bytes).await {
            panic!("write: {error}");
        }
    }
}

#[tokio::test]
async fn a_client_that_never_reads_is_closed_with_1008_after_the_write_deadline() {
    let server = spawn(|settings| {
        settings.limits.write_timeout_ms = 200;
        settings.limits.inbound_frames_burst = u32::MAX;
        settings.limits.inbound_frames_per_sec = u32::MAX;
    })
    .await;
    let mut socket = small_window(&server).await;
    // Pings (the largest a control frame may be) without reading a single pong: the pongs fill
    // our window and the server's buffers, the server stops reading us, its write deadline
    // passes, and it gives up on us — the player leaves the game before the close frame.
    let pings = frame(true, 0, opcode::PING, Some(MASK), &[b'p'; 125]).repeat(100);
    tokio::select! {
        () = keep_sending(&mut socket, &pings) => {}
        () = server.wait_for_players(0) => {}
    }
    // Everything queued before the deadline arrives, then the close frame.
    assert_eq!(socket.close_code(FRAME_WAIT).await, 1008);
}

#[tokio::test]
async fn a_reader_that_falls_behind_the_game_is_closed_with_1008() {
    let server = spawn(|settings| {
        settings.limits.outbound_queue = 8;
        settings.limits.write_timeout_ms = 60_000;
        settings.limits.inbound_frames_burst = u32::MAX;
        settings.limits.inbound_frames_per_sec = u32::MAX;
    })
    .await;
    let mut slow = small_window(&server).await;
    let mut fast = socketio(&server).await;
    slow.send_raw(&text(r#"42["join"]"#)).await;
    fast.send_raw(&text(r#"42["join"]"#)).await;
    loop {
        match fast.read(FRAME_WAIT).await {
            Read::Frame(frame) if frame.text().starts_with(r#"42["start""#) => break,
            Read::Frame(_) => {}
            other => panic!("no start: {other:?}"),
        }
    }
    // Every face is a movement for the slow player, which reads none: its queue overflows long
    // before the write deadline, and its player leaves the game.
    let faces = text(r#"42["face",{"face":1}]"#).repeat(500);
    tokio::select! {
        () = keep_sending(&mut fast, &faces) => {}
        () = server.wait_for_players(1) => {}
    }
    assert_eq!(slow.close_code(FRAME_WAIT).await, 1008);
}

#[tokio::test]
async fn connections_over_the_limit_are_refused() {
    let server = spawn(|settings| settings.limits.max_connections = 1).await;
    let _first = server.socketio().await;
    let refused = server
        .try_connect("/applet/websocket/socket.io/?EIO=3&transport=websocket")
        .await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 503);
        }
        other => panic!("expected HTTP 503, got {:?}", other.map(|_| "a socket")),
    }
}

#[tokio::test]
async fn an_oversized_frame_closes_the_socket_with_1009() {
    let server = spawn(|settings| settings.limits.max_frame_bytes = 1024).await;
    let mut client = server.socketio().await;
    client
        .send(&format!(
            r#"42["hello",{{"user":{{"uid":"{}"}}}}]"#,
            "x".repeat(4096)
        ))
        .await;
    assert_eq!(
        client.next_within(FRAME_WAIT).await,
        Next::Close(Some(CloseCode::Size))
    );
}

#[tokio::test]
async fn a_silent_socket_is_closed_after_ping_interval_plus_timeout() {
    let server = spawn(|settings| {
        settings.ping_interval_ms = 150;
        settings.ping_timeout_ms = 150;
    })
    .await;
    let mut client = server
        .connect("/applet/websocket/socket.io/?EIO=3&transport=websocket")
        .await;
    client.text().await;
    client.text().await;
    // Nothing before the deadline, a close frame at it.
    assert_eq!(
        client.next_within(Duration::from_millis(200)).await,
        Next::Nothing
    );
    assert_eq!(
        client.next_within(FRAME_WAIT).await,
        Next::Close(Some(CloseCode::Normal))
    );
}

#[tokio::test]
async fn shutdown_closes_every_socket_with_a_close_frame() {
    let mut server = spawn(|_| {}).await;
    let mut a = server.socketio().await;
    let mut b = server.json().await;
    server.shutdown().await;
    assert_eq!(
        a.next_within(FRAME_WAIT).await,
        Next::Close(Some(CloseCode::Away))
    );
    assert_eq!(
        b.next_within(FRAME_WAIT).await,
        Next::Close(Some(CloseCode::Away))
    );
}

#[tokio::test]
async fn a_client_close_frame_is_answered() {
    let server = spawn(|_| {}).await;
    let mut client = server.json().await;
    client
        .send_message(tokio_tungstenite::tungstenite::Message::Close(Some(
            tokio_tungstenite::tungstenite::protocol::CloseFrame {
                code: CloseCode::Normal,
                reason: "bye".into(),
            },
        )))
        .await;
    assert_eq!(
        client.next_within(FRAME_WAIT).await,
        Next::Close(Some(CloseCode::Normal)),
        "the server must echo the close frame, not drop the connection"
    );
}
