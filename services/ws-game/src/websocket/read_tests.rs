//! The reader byte for byte: RFC 6455 §5.7's examples, "need more" at every cut, and each
//! refused frame with its close code.

use super::*;

const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// A client frame: `first` is FIN/RSV/opcode, the payload masked with [`KEY`].
fn masked(first: u8, payload: &[u8]) -> Vec<u8> {
    let mut bytes = vec![first];
    match payload.len() {
        len @ 0..=125 => bytes.push(0x80 | len as u8),
        len @ 126..=0xFFFF => {
            bytes.push(0x80 | 126);
            bytes.extend_from_slice(&(len as u16).to_be_bytes());
        }
        len => {
            bytes.push(0x80 | 127);
            bytes.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    bytes.extend_from_slice(&KEY);
    bytes.extend(payload.iter().enumerate().map(|(i, b)| b ^ KEY[i % 4]));
    bytes
}

fn read(reader: &mut Reader, bytes: &[u8]) -> Result<(usize, String), Failure> {
    let mut bytes = bytes.to_vec();
    match reader.read(&mut bytes)? {
        Step::NeedMore(needed) => Ok((0, format!("need {needed}"))),
        Step::Frame { consumed, message } => Ok((consumed, format!("{message:?}"))),
    }
}

fn code(result: Result<(usize, String), Failure>) -> Option<u16> {
    result.err().map(|failure| failure.code.0)
}

#[test]
fn a_masked_text_frame_from_the_rfc() {
    let hello = [
        0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
    ];
    assert_eq!(masked(0x81, b"Hello"), hello);
    let mut reader = Reader::new(1024);
    assert_eq!(
        read(&mut reader, &hello),
        Ok((11, r#"Text("Hello")"#.into()))
    );
}

#[test]
fn every_cut_needs_more_and_says_how_much() {
    let mut reader = Reader::new(1024);
    let hello = masked(0x81, b"Hello");
    assert_eq!(read(&mut reader, &hello[..0]), Ok((0, "need 2".into())));
    assert_eq!(read(&mut reader, &hello[..1]), Ok((0, "need 2".into())));
    for cut in 2..6 {
        assert_eq!(read(&mut reader, &hello[..cut]), Ok((0, "need 6".into())));
    }
    for cut in 6..11 {
        assert_eq!(read(&mut reader, &hello[..cut]), Ok((0, "need 11".into())));
    }
    let long = masked(0x81, &[b'a'; 300]);
    assert_eq!(read(&mut reader, &long[..3]), Ok((0, "need 4".into())));
    assert_eq!(read(&mut reader, &long[..100]), Ok((0, "need 308".into())));
    let longest = masked(0x82, &vec![0; 70_000]);
    assert_eq!(read(&mut reader, &longest[..9]), Ok((0, "need 10".into())));
}

#[test]
fn only_the_first_frame_is_read() {
    let mut reader = Reader::new(1024);
    let mut two = masked(0x81, b"2");
    two.extend(masked(0x81, b"3"));
    assert_eq!(read(&mut reader, &two), Ok((7, r#"Text("2")"#.into())));
}

#[test]
fn fragments_make_one_message_with_control_frames_between() {
    let mut reader = Reader::new(1024);
    assert_eq!(
        read(&mut reader, &masked(0x01, b"Hel")),
        Ok((9, "Fragment".into()))
    );
    assert_eq!(
        read(&mut reader, &masked(0x89, b"ping")),
        Ok((10, "Ping([112, 105, 110, 103])".into()))
    );
    assert_eq!(
        read(&mut reader, &masked(0x00, b"l")),
        Ok((7, "Fragment".into()))
    );
    assert_eq!(
        read(&mut reader, &masked(0x80, b"o")),
        Ok((7, r#"Text("Hello")"#.into()))
    );
    // The next message starts afresh.
    assert_eq!(
        read(&mut reader, &masked(0x82, b"x")),
        Ok((7, "Binary".into()))
    );
}

#[test]
fn pong_close_and_binary() {
    let mut reader = Reader::new(1024);
    assert_eq!(
        read(&mut reader, &masked(0x8A, b"")),
        Ok((6, "Pong".into()))
    );
    assert_eq!(
        read(&mut reader, &masked(0x88, b"")),
        Ok((6, "Close(None)".into()))
    );
    assert_eq!(
        read(&mut reader, &masked(0x88, b"\x03\xe8bye")),
        Ok((11, "Close(Some(CloseCode(1000)))".into()))
    );
    assert_eq!(
        read(&mut reader, &masked(0x82, &[0xff])),
        Ok((7, "Binary".into()))
    );
}

#[test]
fn an_oversized_length_is_refused_from_the_header_alone() {
    let mut reader = Reader::new(1024);
    let mut header = vec![0x81, 0x80 | 127];
    header.extend_from_slice(&(1u64 << 20).to_be_bytes());
    header.extend_from_slice(&KEY);
    let failure = reader.read(&mut header).err();
    assert_eq!(
        failure,
        Some(Failure {
            code: CloseCode::TOO_BIG,
            reason: "message too big",
            frame_len: Some(14 + (1 << 20)),
        })
    );
    let just_over = masked(0x81, &[b'a'; 1025]);
    assert_eq!(code(read(&mut reader, &just_over[..8])), Some(1009));
    let at_limit = masked(0x81, &[b'a'; 1024]);
    assert_eq!(read(&mut reader, &at_limit).map(|(used, _)| used), Ok(1032));
}

#[test]
fn fragments_over_the_limit_together_are_refused() {
    let mut reader = Reader::new(1024);
    assert!(read(&mut reader, &masked(0x01, &[b'a'; 600])).is_ok());
    assert_eq!(
        code(read(&mut reader, &masked(0x80, &[b'a'; 425])[..8])),
        Some(1009)
    );
}

#[test]
fn text_that_is_not_utf8_gets_1007() {
    let mut reader = Reader::new(1024);
    assert_eq!(
        code(read(&mut reader, &masked(0x81, b"\xc3\x28"))),
        Some(1007)
    );
    let mut reader = Reader::new(1024);
    assert!(read(&mut reader, &masked(0x01, b"\xe2\x82")).is_ok());
    assert_eq!(code(read(&mut reader, &masked(0x80, b"x"))), Some(1007));
    // A character cut between fragments is fine once whole.
    let mut reader = Reader::new(1024);
    assert!(read(&mut reader, &masked(0x01, b"\xe2\x82")).is_ok());
    assert_eq!(
        read(&mut reader, &masked(0x80, b"\xac")),
        Ok((7, r#"Text("€")"#.into()))
    );
}

#[test]
fn protocol_errors_get_1002_and_say_where_the_frame_ends() {
    let cases: [(&str, Vec<u8>); 9] = [
        ("unmasked", vec![0x81, 0x01, b'2']),
        ("rsv1", masked(0xC1, b"2")),
        ("rsv3", masked(0x91, b"2")),
        ("opcode 3", masked(0x83, b"2")),
        ("opcode 0xB", masked(0x8B, b"2")),
        ("fragmented ping", masked(0x09, b"2")),
        ("long ping", masked(0x89, &[0; 126])),
        ("orphan continuation", masked(0x80, b"2")),
        ("one-byte close", masked(0x88, &[3])),
    ];
    for (name, bytes) in cases {
        let mut reader = Reader::new(1024);
        let failure = reader.read(&mut bytes.clone()).err();
        let failure = failure.unwrap_or_else(|| panic!("{name}: accepted"));
        assert_eq!(failure.code, CloseCode::PROTOCOL, "{name}");
        assert_eq!(failure.frame_len, Some(bytes.len() as u64), "{name}");
    }
}

#[test]
fn a_new_message_inside_a_fragmented_one_gets_1002() {
    let mut reader = Reader::new(1024);
    assert!(read(&mut reader, &masked(0x01, b"2")).is_ok());
    assert_eq!(code(read(&mut reader, &masked(0x81, b"2"))), Some(1002));
}

#[test]
fn close_codes_a_peer_may_not_send_get_1002_and_bad_reasons_1007() {
    let mut reader = Reader::new(1024);
    for bad in [999u16, 1004, 1005, 1006, 1015, 2000, 5000] {
        assert_eq!(
            code(read(&mut reader, &masked(0x88, &bad.to_be_bytes()))),
            Some(1002)
        );
    }
    assert_eq!(
        code(read(&mut reader, &masked(0x88, b"\x03\xe8\xff"))),
        Some(1007)
    );
    assert!(read(&mut reader, &masked(0x88, &4000u16.to_be_bytes())).is_ok());
}

#[test]
fn a_length_with_its_top_bit_set_cannot_be_followed() {
    let mut reader = Reader::new(1024);
    let mut bytes = vec![0x81, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 1];
    bytes.extend_from_slice(&KEY);
    let failure = reader.read(&mut bytes).err();
    assert_eq!(
        failure.map(|f| (f.code, f.frame_len)),
        Some((CloseCode::PROTOCOL, None))
    );
}

#[test]
fn longer_length_forms_than_needed_are_accepted() {
    let mut reader = Reader::new(1024);
    let mut bytes = vec![0x81, 0x80 | 126, 0, 1];
    bytes.extend_from_slice(&KEY);
    bytes.push(b'2' ^ KEY[0]);
    assert_eq!(read(&mut reader, &bytes), Ok((9, r#"Text("2")"#.into())));
}

#[test]
fn unmasking_covers_every_length() {
    for len in 0..40 {
        let payload: Vec<u8> = (0..len).map(|i| i as u8).collect();
        let mut bytes = masked(0x82, &payload);
        let header = bytes.len() - len;
        unmask(&mut bytes[header..], KEY);
        assert_eq!(bytes[header..], payload[..], "{len}");
    }
}

#[test]
fn the_closing_handshake_steps_over_frames_to_the_close() {
    let mut bytes = masked(0x81, b"late");
    bytes.extend(masked(0x89, b""));
    let before_close = bytes.len();
    bytes.extend(masked(0x88, &1000u16.to_be_bytes()));
    assert_eq!(skip_to_close(&bytes, 0), Closing::CloseFrame);
    assert_eq!(
        skip_to_close(&bytes[..before_close + 1], 0),
        Closing::Continue {
            used: before_close,
            skip: 0
        }
    );
    // The rest of a refused frame first: 100 bytes announced, 10 here.
    assert_eq!(
        skip_to_close(&[0; 10], 100),
        Closing::Continue { used: 10, skip: 90 }
    );
    let mut rest = vec![0; 90];
    rest.extend(masked(0x88, b""));
    assert_eq!(skip_to_close(&rest, 90), Closing::CloseFrame);
    let unreadable = [0x81, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0];
    assert_eq!(skip_to_close(&unreadable, 0), Closing::Lost);
}
