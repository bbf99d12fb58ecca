//! Limits and lifecycle: connection limit, frame size, idle timeout, graceful shutdown.

use std::time::Duration;

use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::helpers::{FRAME_WAIT, Next, spawn};

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
