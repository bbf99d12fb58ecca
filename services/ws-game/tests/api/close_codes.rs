//! RFC 6455 §7.4.1 close codes, frame by frame over a raw socket: each refused frame gets its
//! exact close code (1009 on the length header alone, 1007, 1002), written by hand so that no
//! WebSocket library smooths it over.

use tokio::net::TcpStream;
use weapp_testkit::websocket::{MASK, RawWebSocket, Read, frame, header, opcode, text};

use crate::helpers::{FRAME_WAIT, TestServer, spawn};

const SOCKET_IO: &str = "/applet/websocket/socket.io/?EIO=3&transport=websocket";

/// A socket.io connection with its open packet and `40` read.
pub async fn socketio(server: &TestServer) -> RawWebSocket {
    let addr = format!("127.0.0.1:{}", server.port);
    socketio_over(
        server,
        TcpStream::connect(&addr)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .await
}

/// As [`socketio`], over a connection the caller opened (with socket options set).
pub async fn socketio_over(server: &TestServer, stream: TcpStream) -> RawWebSocket {
    let addr = format!("127.0.0.1:{}", server.port);
    let mut socket = RawWebSocket::handshake(stream, &addr, SOCKET_IO).await;
    for expected in ["0{", "40"] {
        match socket.read(FRAME_WAIT).await {
            Read::Frame(frame) => assert!(frame.text().starts_with(expected), "{frame:?}"),
            other => panic!("no greeting: {other:?}"),
        }
    }
    socket
}

/// Sends `bytes` on a fresh socket and returns the close code the server answers with.
async fn close_code_for(server: &TestServer, bytes: &[u8]) -> u16 {
    let mut socket = socketio(server).await;
    socket.send_raw(bytes).await;
    socket.close_code(FRAME_WAIT).await
}

#[tokio::test]
async fn a_length_header_over_the_limit_gets_1009_before_the_body_is_sent() {
    let server = spawn(|settings| settings.limits.max_frame_bytes = 1024).await;
    // 1 MiB announced, not a byte of it sent: the answer can only come from the header.
    let announced = header(true, 0, opcode::TEXT, Some(MASK), 1 << 20);
    assert_eq!(close_code_for(&server, &announced).await, 1009);
    let just_over = header(true, 0, opcode::TEXT, Some(MASK), 1025);
    assert_eq!(close_code_for(&server, &just_over).await, 1009);
}

#[tokio::test]
async fn a_whole_oversized_message_gets_1009_not_a_reset() {
    let server = spawn(|settings| settings.limits.max_frame_bytes = 1024).await;
    let mut socket = socketio(&server).await;
    // The client writes the whole 1 MiB before it reads: the server must take (and drop) the
    // body rather than reset the connection under the close frame.
    let body = vec![b'x'; 1 << 20];
    socket
        .send_raw(&frame(true, 0, opcode::TEXT, Some(MASK), &body))
        .await;
    assert_eq!(socket.close_code(FRAME_WAIT).await, 1009);
    // The closing handshake completes: our answer, then the server's FIN — no reset.
    socket
        .send_raw(&frame(
            true,
            0,
            opcode::CLOSE,
            Some(MASK),
            &1009u16.to_be_bytes(),
        ))
        .await;
    assert_eq!(socket.read(FRAME_WAIT).await, Read::Eof);
}

#[tokio::test]
async fn fragments_adding_up_over_the_limit_get_1009() {
    let server = spawn(|settings| settings.limits.max_frame_bytes = 1024).await;
    let mut bytes = frame(false, 0, opcode::TEXT, Some(MASK), &[b'4'; 600]);
    bytes.extend(header(true, 0, opcode::CONTINUATION, Some(MASK), 600));
    assert_eq!(close_code_for(&server, &bytes).await, 1009);
}

#[tokio::test]
async fn a_message_at_the_limit_is_accepted() {
    let server = spawn(|settings| settings.limits.max_frame_bytes = 1024).await;
    let mut socket = socketio(&server).await;
    // An Engine.IO ping with 1,023 bytes of data is still a ping.
    let ping = format!("2{}", "p".repeat(1023));
    socket.send_raw(&text(&ping)).await;
    match socket.read(FRAME_WAIT).await {
        Read::Frame(frame) => assert_eq!(frame.text(), "3"),
        other => panic!("expected a pong, got {other:?}"),
    }
}

#[tokio::test]
async fn text_that_is_not_utf8_gets_1007() {
    let server = spawn(|_| {}).await;
    let invalid = frame(true, 0, opcode::TEXT, Some(MASK), &[b'4', b'2', 0xC3, 0x28]);
    assert_eq!(close_code_for(&server, &invalid).await, 1007);
    // Split across fragments, the message as a whole is judged.
    let mut split = frame(false, 0, opcode::TEXT, Some(MASK), b"42\xE2\x82");
    split.extend(frame(true, 0, opcode::CONTINUATION, Some(MASK), b"x"));
    assert_eq!(close_code_for(&server, &split).await, 1007);
}

#[tokio::test]
async fn a_character_split_across_fragments_is_accepted() {
    let server = spawn(|_| {}).await;
    let mut socket = socketio(&server).await;
    // "2€": the euro sign's three bytes straddle the two fragments.
    let mut split = frame(false, 0, opcode::TEXT, Some(MASK), b"2\xE2\x82");
    split.extend(frame(true, 0, opcode::CONTINUATION, Some(MASK), b"\xAC"));
    socket.send_raw(&split).await;
    match socket.read(FRAME_WAIT).await {
        Read::Frame(frame) => assert_eq!(frame.text(), "3"),
        other => panic!("expected a pong, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unmasked_client_frame_gets_1002() {
    let server = spawn(|_| {}).await;
    let unmasked = frame(true, 0, opcode::TEXT, None, b"2");
    assert_eq!(close_code_for(&server, &unmasked).await, 1002);
}

#[tokio::test]
async fn reserved_bits_without_an_extension_get_1002() {
    let server = spawn(|_| {}).await;
    for rsv in [0b100, 0b010, 0b001] {
        let bytes = frame(true, rsv, opcode::TEXT, Some(MASK), b"2");
        assert_eq!(close_code_for(&server, &bytes).await, 1002, "rsv {rsv:03b}");
    }
}

#[tokio::test]
async fn reserved_opcodes_get_1002() {
    let server = spawn(|_| {}).await;
    for reserved in [0x3, 0x7, 0xB, 0xF] {
        let bytes = frame(true, 0, reserved, Some(MASK), b"2");
        assert_eq!(
            close_code_for(&server, &bytes).await,
            1002,
            "opcode {reserved:#x}"
        );
    }
}

#[tokio::test]
async fn a_fragmented_control_frame_gets_1002() {
    let server = spawn(|_| {}).await;
    let bytes = frame(false, 0, opcode::PING, Some(MASK), b"x");
    assert_eq!(close_code_for(&server, &bytes).await, 1002);
}

#[tokio::test]
async fn a_control_frame_over_125_bytes_gets_1002() {
    let server = spawn(|_| {}).await;
    let bytes = frame(true, 0, opcode::PING, Some(MASK), &[0; 126]);
    assert_eq!(close_code_for(&server, &bytes).await, 1002);
}

#[tokio::test]
async fn fragments_out_of_order_get_1002() {
    let server = spawn(|_| {}).await;
    let orphan = frame(true, 0, opcode::CONTINUATION, Some(MASK), b"2");
    assert_eq!(close_code_for(&server, &orphan).await, 1002);
    let mut interleaved = frame(false, 0, opcode::TEXT, Some(MASK), b"2");
    interleaved.extend(frame(true, 0, opcode::TEXT, Some(MASK), b"2"));
    assert_eq!(close_code_for(&server, &interleaved).await, 1002);
}

#[tokio::test]
async fn a_close_frame_with_an_invalid_code_gets_1002() {
    let server = spawn(|_| {}).await;
    for code in [999u16, 1005, 1006, 1015, 2999, 5000] {
        let bytes = frame(true, 0, opcode::CLOSE, Some(MASK), &code.to_be_bytes());
        assert_eq!(close_code_for(&server, &bytes).await, 1002, "code {code}");
    }
    let one_byte = frame(true, 0, opcode::CLOSE, Some(MASK), &[3]);
    assert_eq!(close_code_for(&server, &one_byte).await, 1002);
}

#[tokio::test]
async fn a_client_close_is_echoed_and_the_server_closes_tcp() {
    let server = spawn(|_| {}).await;
    let mut socket = socketio(&server).await;
    let mut payload = 4000u16.to_be_bytes().to_vec();
    payload.extend_from_slice(b"bye");
    socket
        .send_raw(&frame(true, 0, opcode::CLOSE, Some(MASK), &payload))
        .await;
    assert_eq!(socket.close_code(FRAME_WAIT).await, 4000);
    // RFC 6455 §7.1.1: the server closes the TCP connection first.
    assert_eq!(socket.read(FRAME_WAIT).await, Read::Eof);
}

#[tokio::test]
async fn pings_are_answered_with_their_payload() {
    let server = spawn(|_| {}).await;
    let mut socket = socketio(&server).await;
    socket
        .send_raw(&frame(true, 0, opcode::PING, Some(MASK), b"are you there"))
        .await;
    match socket.read(FRAME_WAIT).await {
        Read::Frame(frame) => {
            assert_eq!(
                (frame.opcode, frame.payload.as_slice()),
                (opcode::PONG, &b"are you there"[..])
            );
        }
        other => panic!("expected a pong, got {other:?}"),
    }
}
