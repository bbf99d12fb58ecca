//! socket.io-parser v2 (protocol 4) packets inside Engine.IO messages, as socket.io 1.x
//! reads them (`spec/originals.md` §2.1–2.2).
//!
//! A packet is `<type>[<attachments>-][<namespace>,][<ack id>][<JSON data>]` with the types
//! CONNECT 0, DISCONNECT 1, EVENT 2, ACK 3, ERROR 4, BINARY_EVENT 5, BINARY_ACK 6. Only the
//! default namespace `/` exists, the server never acks, and binary attachments are not
//! supported. What the original client sends is `42[name, payload]`.

use super::event::{self, EventError};
use super::{Inbound, excerpt, scan, write_name, write_payload};
use crate::protocol::ServerEvent;

/// What a socket.io packet (an Engine.IO message's data) from a client means.
///
/// - `0` CONNECT to `/` → [`Inbound::Ignore`]: the server sent `40` in its greeting already.
/// - `1` DISCONNECT from `/` → [`Inbound::Close`].
/// - `2` EVENT `[name, payload, …]`, optionally with an ack id (`21[…]`: accepted, dropped —
///   the server never acks) → [`event::parse`]; an unknown name → [`Inbound::Ignore`] (logged
///   at debug level, as the original server silently had no handler for it).
/// - Another namespace (`2/chat,[…]`), ACK `3`, ERROR `4`, binary `5`/`6`, anything else, and
///   an event whose data is not an array starting with a string name → [`Inbound::Invalid`].
pub(super) fn decode(packet: &str) -> Inbound {
    let mut chars = packet.chars();
    let Some(kind) = chars.next() else {
        return Inbound::Invalid("empty socket.io packet".into());
    };
    let rest = chars.as_str();
    match kind {
        '0' | '1' | '2' => {}
        '3' => return Inbound::Invalid("socket.io ack: the server asks for none".into()),
        '4' => return Inbound::Invalid("socket.io error packet from a client".into()),
        '5' | '6' => {
            return Inbound::Invalid("socket.io binary packets are not supported".into());
        }
        _ => {
            return Inbound::Invalid(format!(
                "unknown socket.io packet type in {}",
                excerpt(packet)
            ));
        }
    }
    let rest = match default_namespace(rest) {
        Ok(rest) => rest,
        Err(reason) => return Inbound::Invalid(reason),
    };
    match kind {
        '0' if rest.is_empty() => Inbound::Ignore,
        '1' if rest.is_empty() => Inbound::Close,
        '2' => decode_event(rest),
        _ => Inbound::Invalid(format!(
            "unexpected data after socket.io packet type {kind}: {}",
            excerpt(rest)
        )),
    }
}

/// `rest` after an optional namespace, which must be the default one: none, `/` or `/,`
/// (a `?query` on it is ignored, as socket.io 1.x does for connect queries).
fn default_namespace(rest: &str) -> Result<&str, String> {
    if !rest.starts_with('/') {
        return Ok(rest);
    }
    let (namespace, after) = rest.split_once(',').unwrap_or((rest, ""));
    let path = namespace
        .split_once('?')
        .map_or(namespace, |(path, _)| path);
    if path == "/" {
        Ok(after)
    } else {
        Err(format!(
            "socket.io namespace {} does not exist (only \"/\")",
            excerpt(path)
        ))
    }
}

/// An EVENT's `[ack id]<JSON array>`.
fn decode_event(rest: &str) -> Inbound {
    let data = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    let Ok((name, payload)) = scan::event_array(data) else {
        return Inbound::Invalid(format!(
            "socket.io event data is not a JSON array: {}",
            excerpt(data)
        ));
    };
    let name = match name.map(scan::string) {
        Some(Some(name)) => name,
        Some(None) => return Inbound::Invalid("socket.io event name is not a string".into()),
        None => return Inbound::Invalid("socket.io event without a name".into()),
    };
    match event::parse(&name, payload) {
        Ok(command) => Inbound::Command(command),
        Err(EventError::Unknown) => {
            log::debug!(
                "ws-game: ignoring unknown socket.io event {}",
                excerpt(&name)
            );
            Inbound::Ignore
        }
        Err(EventError::Invalid(reason)) => Inbound::Invalid(reason),
    }
}

/// `42["<name>",<payload>]`, appended to `out` (§2.2: exactly this shape).
pub(super) fn write(event: &ServerEvent, out: &mut Vec<u8>) {
    out.extend_from_slice(b"42[");
    write_name(out, event);
    out.push(b',');
    write_payload(out, event);
    out.push(b']');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Choice, ClientCommand, User};

    fn is_invalid(inbound: Inbound) -> bool {
        matches!(inbound, Inbound::Invalid(_))
    }

    #[test]
    fn connect_to_the_default_namespace_is_ignored() {
        assert_eq!(decode("0"), Inbound::Ignore);
        assert_eq!(decode("0/"), Inbound::Ignore);
        assert_eq!(decode("0/,"), Inbound::Ignore);
        assert_eq!(decode("0/?EIO=3,"), Inbound::Ignore);
    }

    #[test]
    fn connect_to_another_namespace_is_invalid() {
        assert!(is_invalid(decode("0/chat")));
        assert!(is_invalid(decode("0/chat,")));
        assert!(is_invalid(decode("0/chat?x=1,")));
    }

    #[test]
    fn connect_with_data_is_invalid() {
        assert!(is_invalid(decode("0{}")));
    }

    #[test]
    fn disconnect_closes() {
        assert_eq!(decode("1"), Inbound::Close);
        assert_eq!(decode("1/,"), Inbound::Close);
        assert!(is_invalid(decode("1/chat,")));
    }

    #[test]
    fn events_decode_to_commands() {
        assert_eq!(
            decode(r#"2["join"]"#),
            Inbound::Command(ClientCommand::Join)
        );
        assert_eq!(
            decode(r#"2["choice",{"choice":3}]"#),
            Inbound::Command(ClientCommand::Choice(Choice::Paper))
        );
    }

    #[test]
    fn event_ack_ids_are_accepted_and_dropped() {
        assert_eq!(
            decode(r#"21["join"]"#),
            Inbound::Command(ClientCommand::Join)
        );
        assert_eq!(
            decode(r#"2123456789012345678901234567890["leave"]"#),
            Inbound::Command(ClientCommand::Leave)
        );
    }

    #[test]
    fn events_on_the_default_namespace_spelled_out_are_accepted() {
        assert_eq!(
            decode(r#"2/,["join"]"#),
            Inbound::Command(ClientCommand::Join)
        );
        assert_eq!(
            decode(r#"2/,7["join"]"#),
            Inbound::Command(ClientCommand::Join)
        );
    }

    #[test]
    fn events_on_another_namespace_are_invalid() {
        assert!(is_invalid(decode(r#"2/chat,["join"]"#)));
        assert!(is_invalid(decode(r#"2/chat,1["join"]"#)));
        assert!(is_invalid(decode(r#"2/chat["join"]"#)));
    }

    #[test]
    fn extra_event_arguments_are_ignored() {
        assert_eq!(
            decode(r#"2["face",{"face":2},"more",{}]"#),
            Inbound::Command(ClientCommand::Face(2))
        );
    }

    #[test]
    fn unknown_event_names_are_ignored() {
        assert_eq!(decode(r#"2["dance",{"x":1}]"#), Inbound::Ignore);
    }

    #[test]
    fn event_names_must_be_strings() {
        assert!(is_invalid(decode("2[1]")));
        assert!(is_invalid(decode("2[null]")));
        assert!(is_invalid(decode("2[]")));
    }

    #[test]
    fn event_data_must_be_a_json_array() {
        for text in [
            "2",
            "2{}",
            r#"2"join""#,
            r#"2["join""#,
            r#"2["join"]x"#,
            "2 ",
        ] {
            assert!(is_invalid(decode(text)), "{text:?}");
        }
    }

    #[test]
    fn event_payload_errors_are_invalid() {
        assert!(is_invalid(decode(r#"2["choice",{"choice":7}]"#)));
        assert!(is_invalid(decode(r#"2["hello"]"#)));
    }

    #[test]
    fn hello_payload_reaches_the_shared_parser() {
        assert_eq!(
            decode(r#"2["hello",{"user":{"uid":"u1"}}]"#),
            Inbound::Command(ClientCommand::Hello(User {
                uid: "u1".into(),
                ..User::default()
            }))
        );
    }

    #[test]
    fn acks_errors_and_binary_packets_are_invalid() {
        for text in [
            "3[]",
            "31[]",
            r#"4"oops""#,
            r#"51-["x",{"_placeholder":true,"num":0}]"#,
            "61-1[]",
        ] {
            assert!(is_invalid(decode(text)), "{text:?}");
        }
    }

    #[test]
    fn unknown_packet_types_are_invalid() {
        for text in ["", "7", "9[]", "x", "é"] {
            assert!(is_invalid(decode(text)), "{text:?}");
        }
    }
}
