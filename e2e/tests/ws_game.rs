//! ws-game's close codes through nginx (`WEAPP_BASE_URL`, `/applet/websocket/socket.io/`):
//! nginx tunnels the upgraded connection, so the close frame ws-game sends for an oversized
//! message must reach the client through it — not a reset, not a silent end. Written byte by
//! byte with the raw client of `weapp_testkit::websocket`, against the stack `scripts/up`
//! started (ws-game's `limits.max_frame_bytes`, 16 KiB by default, is far below 1 MiB).

use std::time::Duration;

use weapp_testkit::{
    env_or,
    websocket::{MASK, RawWebSocket, Read, frame, header, opcode},
};

/// How long to wait for a frame (the wait ends as soon as it arrives).
const FRAME_WAIT: Duration = Duration::from_secs(10);

const SOCKET_IO: &str = "/applet/websocket/socket.io/?EIO=3&transport=websocket";

/// `host:port` of `WEAPP_BASE_URL` (plain HTTP).
fn address() -> String {
    let base = env_or("WEAPP_BASE_URL", "http://127.0.0.1:8080");
    let rest = base
        .strip_prefix("http://")
        .unwrap_or_else(|| panic!("WEAPP_BASE_URL must be an http:// URL, not {base}"));
    let authority = rest.split('/').next().unwrap_or(rest);
    if authority.contains(':') {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    }
}

/// A socket.io connection through nginx, its open packet and `40` read.
async fn socketio() -> RawWebSocket {
    let address = address();
    let mut socket = RawWebSocket::connect(&address, &address, SOCKET_IO).await;
    for expected in ["0{", "40"] {
        match socket.read(FRAME_WAIT).await {
            Read::Frame(frame) => assert!(frame.text().starts_with(expected), "{frame:?}"),
            other => panic!("no greeting through nginx: {other:?}"),
        }
    }
    socket
}

#[tokio::test]
async fn a_1_mib_length_header_gets_1009_through_nginx() {
    let mut socket = socketio().await;
    // The header alone: ws-game answers before any of the body exists.
    socket
        .send_raw(&header(true, 0, opcode::TEXT, Some(MASK), 1 << 20))
        .await;
    assert_eq!(socket.close_code(FRAME_WAIT).await, 1009);
}

#[tokio::test]
async fn a_whole_1_mb_message_gets_1009_and_a_clean_close_through_nginx() {
    let mut socket = socketio().await;
    // The client writes all of it before reading, as a browser's send() does.
    let body = vec![b'x'; 1_000_000];
    socket
        .send_raw(&frame(true, 0, opcode::TEXT, Some(MASK), &body))
        .await;
    assert_eq!(socket.close_code(FRAME_WAIT).await, 1009);
    let answer = frame(true, 0, opcode::CLOSE, Some(MASK), &1009u16.to_be_bytes());
    socket.send_raw(&answer).await;
    assert_eq!(socket.read(FRAME_WAIT).await, Read::Eof);
}
