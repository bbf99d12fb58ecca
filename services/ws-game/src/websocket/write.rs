//! Server frames (RFC 6455 §5.2): final, unmasked (§5.1: a server never masks), the length in
//! its shortest form.

use super::{CloseCode, opcode};

/// The longest header of an unmasked frame: 2 bytes + a 64-bit length.
const MAX_HEADER: usize = 10;

/// The longest close reason: a control frame's payload is at most 125 bytes, 2 of them the code.
const MAX_CLOSE_REASON: usize = 123;

/// Writes the header of a final, unmasked frame of `len` payload bytes into `out`, which must
/// hold [`MAX_HEADER`] bytes; returns how many it used.
fn header(out: &mut [u8; MAX_HEADER], opcode: u8, len: usize) -> usize {
    out[0] = 0x80 | opcode;
    match len {
        0..=125 => {
            out[1] = len as u8;
            2
        }
        126..=0xFFFF => {
            out[1] = 126;
            out[2..4].copy_from_slice(&(len as u16).to_be_bytes());
            4
        }
        _ => {
            out[1] = 127;
            out[2..10].copy_from_slice(&(len as u64).to_be_bytes());
            10
        }
    }
}

/// Appends a final frame carrying `payload` to `out`.
pub fn frame(out: &mut Vec<u8>, opcode: u8, payload: &[u8]) {
    let mut head = [0u8; MAX_HEADER];
    let used = header(&mut head, opcode, payload.len());
    out.extend_from_slice(&head[..used]);
    out.extend_from_slice(payload);
}

/// Appends a text frame.
pub fn text(out: &mut Vec<u8>, text: &str) {
    frame(out, opcode::TEXT, text.as_bytes());
}

/// Appends the pong answering a ping with `payload` (§5.5.3: the same application data).
pub fn pong(out: &mut Vec<u8>, payload: &[u8]) {
    frame(out, opcode::PONG, payload);
}

/// Appends a close frame with `code` and `reason` (cut to 123 bytes at a character boundary, so
/// the frame stays a valid control frame).
pub fn close(out: &mut Vec<u8>, code: CloseCode, reason: &str) {
    let mut cut = reason.len().min(MAX_CLOSE_REASON);
    while !reason.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut payload = [0u8; 2 + MAX_CLOSE_REASON];
    payload[..2].copy_from_slice(&code.0.to_be_bytes());
    payload[2..2 + cut].copy_from_slice(&reason.as_bytes()[..cut]);
    frame(out, opcode::CLOSE, &payload[..2 + cut]);
}

/// A whole text frame in one buffer, its payload written by `write_payload` (which must write
/// UTF-8) after room for the longest header; the header then takes the room it needs. Every
/// connection the frame goes to can send these bytes as they are.
pub fn text_frame(write_payload: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut buffer = Vec::with_capacity(128);
    buffer.resize(MAX_HEADER, 0);
    write_payload(&mut buffer);
    let mut head = [0u8; MAX_HEADER];
    let used = header(&mut head, opcode::TEXT, buffer.len() - MAX_HEADER);
    buffer.drain(..MAX_HEADER - used);
    buffer[..used].copy_from_slice(&head[..used]);
    buffer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_medium_and_long_lengths() {
        let mut out = Vec::new();
        text(&mut out, "Hello");
        // RFC 6455 §5.7: a single-frame unmasked text message.
        assert_eq!(out, [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
        out.clear();
        frame(&mut out, opcode::BINARY, &[0; 256]);
        assert_eq!(out[..4], [0x82, 0x7E, 0x01, 0x00]);
        assert_eq!(out.len(), 260);
        out.clear();
        frame(&mut out, opcode::BINARY, &vec![0; 65_536]);
        assert_eq!(out[..10], [0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00]);
    }

    #[test]
    fn pong_echoes_the_ping_payload() {
        let mut out = Vec::new();
        pong(&mut out, b"Hello");
        assert_eq!(out, [0x8a, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    }

    #[test]
    fn close_carries_code_and_reason() {
        let mut out = Vec::new();
        close(&mut out, CloseCode::TOO_BIG, "message too big");
        assert_eq!(out[..4], [0x88, 17, 0x03, 0xf1]);
        assert_eq!(&out[4..], b"message too big");
    }

    #[test]
    fn close_reasons_are_cut_at_a_character_boundary() {
        let mut out = Vec::new();
        close(&mut out, CloseCode::NORMAL, &"é".repeat(100));
        // 61 two-byte characters fit in 123 bytes; the frame stays a control frame.
        assert_eq!(out[1], 2 + 122);
        assert!(std::str::from_utf8(&out[4..]).is_ok());
    }

    #[test]
    fn text_frames_are_built_in_place() {
        let frame = text_frame(|out| out.extend_from_slice(b"Hello"));
        assert_eq!(&frame[..], [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
        let long = text_frame(|out| out.extend_from_slice(&[b'x'; 300]));
        assert_eq!(long[..4], [0x81, 0x7E, 0x01, 0x2C]);
        assert_eq!(long.len(), 304);
    }
}
