//! A raw RFC 6455 client for protocol tests: the opening handshake and every frame are written
//! byte by byte here, so a test can send what no WebSocket library would (unmasked frames, RSV
//! bits, reserved opcodes, a length header without its body) and read the server's exact
//! answer, close codes included. Independent of any code under test.

use std::time::Duration;

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// Opcodes (RFC 6455 §5.2).
pub mod opcode {
    /// A continuation frame.
    pub const CONTINUATION: u8 = 0x0;
    /// A text frame.
    pub const TEXT: u8 = 0x1;
    /// A binary frame.
    pub const BINARY: u8 = 0x2;
    /// A close frame.
    pub const CLOSE: u8 = 0x8;
    /// A ping.
    pub const PING: u8 = 0x9;
    /// A pong.
    pub const PONG: u8 = 0xA;
}

/// The masking key the helpers use: any fixed key will do (§5.3), and a non-trivial one makes
/// a server that forgets to unmask read garbage.
pub const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// The bytes of one frame: `fin`, the three RSV bits (`rsv`, 0–7, RSV1 the highest), `opcode`,
/// the payload masked with `mask` (unmasked when `None`), its length in the shortest form.
pub fn frame(fin: bool, rsv: u8, opcode: u8, mask: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
    let mut bytes = header(fin, rsv, opcode, mask, payload.len() as u64);
    let key = mask.unwrap_or_default();
    let masked = payload.iter().enumerate().map(|(i, byte)| match mask {
        Some(_) => byte ^ key[i % 4],
        None => *byte,
    });
    bytes.extend(masked);
    bytes
}

/// A frame header alone, announcing `len` payload bytes (which the caller may never send).
pub fn header(fin: bool, rsv: u8, opcode: u8, mask: Option<[u8; 4]>, len: u64) -> Vec<u8> {
    let mut bytes = vec![(u8::from(fin) << 7) | ((rsv & 0x7) << 4) | (opcode & 0xF)];
    let mask_bit = if mask.is_some() { 0x80 } else { 0 };
    match len {
        0..=125 => bytes.push(mask_bit | len as u8),
        126..=0xFFFF => {
            bytes.push(mask_bit | 126);
            bytes.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            bytes.push(mask_bit | 127);
            bytes.extend_from_slice(&len.to_be_bytes());
        }
    }
    if let Some(mask) = mask {
        bytes.extend_from_slice(&mask);
    }
    bytes
}

/// A masked, final text frame: what a well-behaved client sends.
pub fn text(payload: &str) -> Vec<u8> {
    frame(true, 0, opcode::TEXT, Some(MASK), payload.as_bytes())
}

/// One frame the server sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// FIN.
    pub fin: bool,
    /// The opcode.
    pub opcode: u8,
    /// The payload (server frames are never masked; a masked one fails the test).
    pub payload: Vec<u8>,
}

impl Frame {
    /// The status code of a close frame (`None` for an empty one).
    pub fn close_code(&self) -> Option<u16> {
        (self.opcode == opcode::CLOSE && self.payload.len() >= 2)
            .then(|| u16::from_be_bytes([self.payload[0], self.payload[1]]))
    }

    /// The payload as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.payload).into_owned()
    }
}

/// What reading the next frame found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    /// A whole frame.
    Frame(Frame),
    /// The server closed the TCP connection (a FIN).
    Eof,
    /// The connection was reset (an RST), or reading failed otherwise.
    Reset(std::io::ErrorKind),
    /// Nothing arrived within the wait.
    Nothing,
}

/// A WebSocket opened by hand over a plain TCP connection.
#[derive(Debug)]
pub struct RawWebSocket {
    /// The connection; write to it directly for byte-level tests.
    pub stream: TcpStream,
    buffer: Vec<u8>,
}

impl RawWebSocket {
    /// Connects to `addr` (`host:port`), sends a version-13 upgrade for `path` with `Host: host`
    /// and checks the 101 answer. Bytes that came after the response head are kept for
    /// [`RawWebSocket::read`].
    ///
    /// # Panics
    /// When the connection fails or the answer is not 101.
    pub async fn connect(addr: &str, host: &str, path: &str) -> Self {
        Self::handshake(connect(addr).await, host, path).await
    }

    /// As [`RawWebSocket::connect`], over an already connected `stream` (one with socket options
    /// set, for instance).
    ///
    /// # Panics
    /// When the answer is not 101.
    pub async fn handshake(mut stream: TcpStream, host: &str, path: &str) -> Self {
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        stream
            .write_all(request.as_bytes())
            .await
            .unwrap_or_else(|e| panic!("writing the upgrade request: {e}"));
        let mut buffer = Vec::new();
        let head_end = loop {
            if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            let mut chunk = [0u8; 1024];
            let n = stream
                .read(&mut chunk)
                .await
                .unwrap_or_else(|e| panic!("reading the upgrade answer: {e}"));
            assert!(
                n > 0,
                "the server closed the connection during the handshake"
            );
            buffer.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
        assert!(head.starts_with("HTTP/1.1 101"), "not upgraded: {head}");
        // RFC 6455 §1.3's example key has this accept value.
        assert!(
            head.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
            "wrong Sec-WebSocket-Accept: {head}"
        );
        buffer.drain(..head_end);
        Self { stream, buffer }
    }

    /// Writes `bytes` as they are.
    ///
    /// # Panics
    /// When the write fails.
    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.stream
            .write_all(bytes)
            .await
            .unwrap_or_else(|e| panic!("write: {e}"));
    }

    /// The next frame, within `wait` (not a sleep: it returns as soon as a frame is whole).
    pub async fn read(&mut self, wait: Duration) -> Read {
        tokio::time::timeout(wait, self.read_frame())
            .await
            .unwrap_or(Read::Nothing)
    }

    async fn read_frame(&mut self) -> Read {
        loop {
            if let Some((frame, used)) = parse(&self.buffer) {
                self.buffer.drain(..used);
                return Read::Frame(frame);
            }
            let mut chunk = [0u8; 16 * 1024];
            match self.stream.read(&mut chunk).await {
                Ok(0) => return Read::Eof,
                Err(error) => return Read::Reset(error.kind()),
                Ok(n) => self.buffer.extend_from_slice(&chunk[..n]),
            }
        }
    }

    /// Reads frames until a close frame and returns its status code, skipping data frames.
    ///
    /// # Panics
    /// When the connection ends, or nothing comes within `wait`, before a close frame; or the
    /// close frame has no status code.
    pub async fn close_code(&mut self, wait: Duration) -> u16 {
        loop {
            match self.read(wait).await {
                Read::Frame(frame) if frame.opcode == opcode::CLOSE => {
                    return frame
                        .close_code()
                        .unwrap_or_else(|| panic!("a close frame without a code: {frame:?}"));
                }
                Read::Frame(_) => {}
                other => panic!("expected a close frame, got {other:?}"),
            }
        }
    }
}

async fn connect(addr: &str) -> TcpStream {
    let stream = TcpStream::connect(addr)
        .await
        .unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    let _ = stream.set_nodelay(true);
    stream
}

/// One whole server frame at the start of `bytes` and its length, or `None` if more is needed.
fn parse(bytes: &[u8]) -> Option<(Frame, usize)> {
    let [first, second, ..] = *bytes else {
        return None;
    };
    assert_eq!(second & 0x80, 0, "the server masked a frame: {bytes:02x?}");
    let (len, mut at) = match second & 0x7F {
        126 => (
            u64::from(u16::from_be_bytes(bytes.get(2..4)?.try_into().ok()?)),
            4,
        ),
        127 => (u64::from_be_bytes(bytes.get(2..10)?.try_into().ok()?), 10),
        short => (u64::from(short), 2),
    };
    let end = at + usize::try_from(len).ok()?;
    let payload = bytes.get(at..end)?.to_vec();
    at = end;
    Some((
        Frame {
            fin: first & 0x80 != 0,
            opcode: first & 0x0F,
            payload,
        },
        at,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_use_the_shortest_length_form() {
        assert_eq!(header(true, 0, opcode::TEXT, None, 5), [0x81, 5]);
        assert_eq!(
            header(true, 0, opcode::TEXT, None, 126),
            [0x81, 126, 0, 126]
        );
        assert_eq!(
            header(true, 0, opcode::TEXT, None, 1 << 20),
            [0x81, 127, 0, 0, 0, 0, 0, 0x10, 0, 0]
        );
        assert_eq!(
            header(false, 4, 0x3, Some([1, 2, 3, 4]), 0),
            [0x43, 0x80, 1, 2, 3, 4]
        );
    }

    #[test]
    fn payloads_are_masked_with_the_key() {
        // RFC 6455 §5.7: a masked "Hello".
        assert_eq!(
            frame(
                true,
                0,
                opcode::TEXT,
                Some([0x37, 0xfa, 0x21, 0x3d]),
                b"Hello"
            ),
            [
                0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58
            ]
        );
    }

    #[test]
    fn server_frames_parse_when_whole() {
        assert_eq!(parse(&[0x81, 0x05, b'H', b'e']), None);
        let (frame, used) = parse(&[0x88, 0x02, 0x03, 0xf1, 0xff]).unwrap_or_else(|| panic!());
        assert_eq!(used, 4);
        assert_eq!(frame.close_code(), Some(1009));
    }
}
