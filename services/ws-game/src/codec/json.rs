//! The plain JSON protocol on `/applet/websocket/ws`: one object per text frame,
//! `{"type":<name>,"data":<payload>}`, with the event names and payloads of
//! `spec/originals.md` §2.3 (the modern counterpart of the socket.io framing, §2.2).
//!
//! Its clients are modern, so unlike socket.io clients they are told about mistakes: every
//! refused frame can be answered with [`error_frame`], an unknown type included.

use serde::{Serialize, de::IgnoredAny};

use super::event::{self, EventError};
use super::{Inbound, excerpt, into_text, scan, write_json, write_name, write_payload};
use crate::protocol::ServerEvent;

/// The reply to `{"type":"ping"}`.
const PONG: &str = r#"{"type":"pong"}"#;

/// The `open` frame's data.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Open<'a> {
    sid: &'a str,
    ping_interval: u64,
    ping_timeout: u64,
}

/// An outbound frame: `type` first, then `data`.
#[derive(Serialize)]
struct Frame<'a, T> {
    #[serde(rename = "type")]
    kind: &'a str,
    data: T,
}

/// The `error` frame's data.
#[derive(Serialize)]
struct Error<'a> {
    message: &'a str,
}

/// `{"type":"open","data":{"sid":…,"pingInterval":…,"pingTimeout":…}}`.
pub(super) fn greeting(sid: &str, ping_interval_ms: u64, ping_timeout_ms: u64) -> String {
    frame(
        "open",
        Open {
            sid,
            ping_interval: ping_interval_ms,
            ping_timeout: ping_timeout_ms,
        },
    )
}

/// `{"type":"<name>","data":<payload>}`, appended to `out`.
pub(super) fn write(event: &ServerEvent, out: &mut Vec<u8>) {
    out.extend_from_slice(br#"{"type":"#);
    write_name(out, event);
    out.extend_from_slice(br#","data":"#);
    write_payload(out, event);
    out.push(b'}');
}

/// `{"type":"error","data":{"message":"<reason>"}}`.
pub(super) fn error_frame(reason: &str) -> String {
    frame("error", Error { message: reason })
}

fn frame(kind: &str, data: impl Serialize) -> String {
    let mut out = Vec::with_capacity(128);
    write_json(&mut out, &Frame { kind, data });
    into_text(out)
}

/// What one JSON frame from a client means.
///
/// - `{"type":"ping"}` → [`Inbound::Reply`]`({"type":"pong"})`.
/// - `{"type":<event>,"data":<payload>}` → [`event::parse`] (`data` may be absent or `null`
///   for `join`/`leave`); other keys are ignored.
/// - Not JSON, not an object, no string `type`, an unknown type, or a payload that does not fit
///   its type → [`Inbound::Invalid`].
pub(super) fn decode(text: &str) -> Inbound {
    let Ok((kind, data)) = scan::frame_object(text) else {
        // Only the error path parses twice, to tell which mistake it is.
        return match serde_json::from_str::<IgnoredAny>(text) {
            Ok(_) => Inbound::Invalid("not a JSON object".into()),
            Err(_) => Inbound::Invalid(format!("not JSON: {}", excerpt(text))),
        };
    };
    let kind = match kind.map(scan::string) {
        Some(Some(kind)) => kind,
        Some(None) => return Inbound::Invalid("\"type\" is not a string".into()),
        None => return Inbound::Invalid("missing \"type\"".into()),
    };
    if kind == "ping" {
        return Inbound::Reply(PONG);
    }
    match event::parse(&kind, data) {
        Ok(command) => Inbound::Command(command),
        Err(EventError::Unknown) => Inbound::Invalid(format!("unknown type {}", excerpt(&kind))),
        Err(EventError::Invalid(reason)) => Inbound::Invalid(reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Choice, ClientCommand, User};

    fn is_invalid(inbound: Inbound) -> bool {
        matches!(inbound, Inbound::Invalid(_))
    }

    #[test]
    fn greeting_is_one_open_frame() {
        assert_eq!(
            greeting("AbCdEfGhIjKlMnOpQr-_", 25_000, 60_000),
            r#"{"type":"open","data":{"sid":"AbCdEfGhIjKlMnOpQr-_","pingInterval":25000,"pingTimeout":60000}}"#
        );
    }

    #[test]
    fn error_frame_carries_the_reason_escaped() {
        assert_eq!(
            error_frame("unknown type \"x\""),
            r#"{"type":"error","data":{"message":"unknown type \"x\""}}"#
        );
    }

    #[test]
    fn ping_gets_pong() {
        assert_eq!(
            decode(r#"{"type":"ping"}"#),
            Inbound::Reply(r#"{"type":"pong"}"#)
        );
        assert_eq!(
            decode(r#"{"type":"ping","data":{"t":1}}"#),
            Inbound::Reply(r#"{"type":"pong"}"#)
        );
    }

    #[test]
    fn events_decode_to_commands() {
        assert_eq!(
            decode(r#"{"type":"hello","data":{"user":{"uid":"u1","uname":"甲","uavatar":"a"}}}"#),
            Inbound::Command(ClientCommand::Hello(User {
                uid: "u1".into(),
                uname: "甲".into(),
                uavatar: "a".into(),
            }))
        );
        assert_eq!(
            decode(r#"{"type":"join"}"#),
            Inbound::Command(ClientCommand::Join)
        );
        assert_eq!(
            decode(r#"{"type":"leave","data":null}"#),
            Inbound::Command(ClientCommand::Leave)
        );
        assert_eq!(
            decode(r#"{"type":"choice","data":{"choice":2}}"#),
            Inbound::Command(ClientCommand::Choice(Choice::Rock))
        );
        assert_eq!(
            decode(r#"{"type":"face","data":{"face":1}}"#),
            Inbound::Command(ClientCommand::Face(1))
        );
    }

    #[test]
    fn key_order_and_extra_keys_do_not_matter() {
        assert_eq!(
            decode(r#" {"data":{"choice":1},"id":9,"type":"choice"} "#),
            Inbound::Command(ClientCommand::Choice(Choice::Scissors))
        );
    }

    #[test]
    fn unknown_types_are_invalid_and_named() {
        assert_eq!(
            decode(r#"{"type":"dance"}"#),
            Inbound::Invalid(r#"unknown type "dance""#.into())
        );
        assert!(is_invalid(decode(r#"{"type":"pong"}"#)));
    }

    #[test]
    fn malformed_frames_are_invalid() {
        for text in [
            "",
            "{",
            "42[\"join\"]",
            "[\"join\"]",
            "\"join\"",
            "null",
            "{}",
            r#"{"type":1}"#,
            r#"{"type":null}"#,
            r#"{"Type":"join"}"#,
            r#"{"type":"join"} {}"#,
        ] {
            assert!(is_invalid(decode(text)), "{text:?}");
        }
    }

    #[test]
    fn payload_errors_are_invalid() {
        assert!(is_invalid(decode(r#"{"type":"hello"}"#)));
        assert!(is_invalid(decode(
            r#"{"type":"choice","data":{"choice":0}}"#
        )));
        assert!(is_invalid(decode(r#"{"type":"face","data":{"face":"1"}}"#)));
    }
}
