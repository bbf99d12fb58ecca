//! Frame codecs: text WebSocket frames in, [`Inbound`] meanings out; [`ServerEvent`]s in, text
//! frames out (`spec/originals.md` §2.1–2.3).
//!
//! Two framings exist, one per connection, chosen by the request path ([`Codec`]):
//!
//! - [`Codec::SocketIo`] — what the original `WxSocketIO` client speaks: Engine.IO protocol 3
//!   packets (`engineio.rs`) carrying socket.io-parser v2 packets (`socketio.rs`), e.g.
//!   `42["choice",{"choice":2}]`.
//! - [`Codec::Json`] — the plain modern protocol (`json.rs`): `{"type":"choice","data":{…}}`.
//!
//! Both share one reading of event arguments (`event.rs`) and the payloads of
//! [`ServerEvent::payload`], so the two framings cannot drift apart.
//!
//! The codecs are pure: no I/O, no clock, no state. A WebSocket message always arrives whole
//! (the transport reassembles fragments and enforces the size limit before we see it), so there
//! is no "need more" case here: every frame is either understood or [`Inbound::Invalid`].
//! Decoding never panics and never allocates more than a constant factor of its input; the
//! reasons in [`Inbound::Invalid`] quote client text only in bounded excerpts.

mod engineio;
mod event;
mod json;
mod scan;
mod socketio;

use std::io::Write as _;

use base64::Engine as _;
use serde::Serialize;

use crate::{
    game::OutboundEvent,
    protocol::{Choice, ClientCommand, Movement, ServerEvent},
    websocket,
};

/// Which framing a connection speaks, chosen by its path.
///
/// The server maps `/applet/websocket/socket.io/…?EIO=3&transport=websocket` (§2.1, the
/// original client's double slash included) to [`Codec::SocketIo`] and `/applet/websocket/ws`
/// to [`Codec::Json`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// Engine.IO 3 + socket.io v2 framing, as the original client speaks it (§2.1–2.2).
    SocketIo,
    /// Plain JSON objects `{"type":…,"data":…}`, one per frame.
    Json,
}

/// What one inbound text frame means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// A command for the game.
    Command(ClientCommand),
    /// Answer this frame directly with this text frame; the game is not involved (an Engine.IO
    /// ping `2`/`2probe` → `3`, a JSON `ping` → `{"type":"pong"}`).
    Reply(&'static str),
    /// The client asked to close the connection (Engine.IO `1`, socket.io DISCONNECT `41`).
    Close,
    /// Valid, but nothing to do: an Engine.IO pong `3`, upgrade `5` or noop `6`, a socket.io
    /// CONNECT `40` to `/` (the server already sent `40`), or a socket.io event with a name the
    /// game does not know (logged here at debug level with its name).
    Ignore,
    /// Malformed or unsupported: why, for the log and [`Codec::error_frame`]. Client text
    /// appears in it only as a short escaped excerpt.
    Invalid(String),
}

impl Codec {
    /// The frames to send, in order, as soon as the WebSocket is open.
    ///
    /// - socket.io: the Engine.IO open packet
    ///   `0{"sid":"<sid>","upgrades":[],"pingInterval":25000,"pingTimeout":60000}` (that key
    ///   order, the numbers from the arguments) then `40`, socket.io's CONNECT to `/` (§2.1).
    /// - JSON: `{"type":"open","data":{"sid":…,"pingInterval":…,"pingTimeout":…}}`.
    ///
    /// `ping_interval_ms` and `ping_timeout_ms` are milliseconds; the idle timeout the server
    /// applies is their sum (§2.1: 85 s with the defaults).
    pub fn greeting(&self, sid: &str, ping_interval_ms: u64, ping_timeout_ms: u64) -> Vec<String> {
        match self {
            Self::SocketIo => engineio::greeting(sid, ping_interval_ms, ping_timeout_ms),
            Self::Json => vec![json::greeting(sid, ping_interval_ms, ping_timeout_ms)],
        }
    }

    /// What one inbound text frame means. Total: any string gives an answer, never a panic.
    ///
    /// socket.io framing (§2.1–2.2): `2`/`2probe` → `Reply("3")`; `3`, `5`, `6`, `40` →
    /// `Ignore`; `1`, `41` → `Close`; `42[name, payload, …]` (an ack id such as `421[…]` is
    /// accepted and dropped) → the command, or `Ignore` for an unknown name; `0`, other
    /// namespaces (`42/chat,[…]`), ack/error/binary packets (`43`–`46`), anything else →
    /// `Invalid`.
    ///
    /// JSON framing: `{"type":"ping"}` → `Reply({"type":"pong"})`; `{"type":name,"data":payload}`
    /// → the command; unknown type, not an object, no string `type` → `Invalid`.
    ///
    /// Payloads, both framings (§2.3): `hello {"user":{"uid","uname","uavatar"}}` — each field a
    /// string, missing/`null` → `""`, a number → its decimal text, anything else `Invalid`; a
    /// missing `user` object is `Invalid`. `join`/`leave` ignore their payload.
    /// `choice {"choice":n}` — `n` the JSON integer 1, 2 or 3. `face {"face":n}` — `n` any
    /// `i64`. Rules and their reasons in detail: `event.rs`, `engineio.rs`, `socketio.rs`,
    /// `json.rs`.
    pub fn decode(&self, text: &str) -> Inbound {
        if let Some(choice) = self.canonical_choice(text) {
            return Inbound::Command(ClientCommand::Choice(choice));
        }
        match self {
            Self::SocketIo => engineio::decode(text),
            Self::Json => json::decode(text),
        }
    }

    /// The hand of a `choice` written exactly as clients write it — `42["choice",{"choice":2}]`
    /// (the original client's `JSON.stringify`), `{"type":"choice","data":{"choice":2}}` — read
    /// by comparing bytes: the message sent most, decoded without parsing. Any other spelling
    /// takes the general path, which gives the same answer for these (`tests.rs`).
    fn canonical_choice(&self, text: &str) -> Option<Choice> {
        let (before, after): (&[u8], &[u8]) = match self {
            Self::SocketIo => (br#"42["choice",{"choice":"#, b"}]"),
            Self::Json => (br#"{"type":"choice","data":{"choice":"#, b"}}"),
        };
        let rest = text.as_bytes().strip_prefix(before)?;
        match rest {
            [digit @ b'1'..=b'3', tail @ ..] if tail == after => {
                Choice::from_number(i64::from(digit - b'0'))
            }
            _ => None,
        }
    }

    /// The text frame carrying `event`, as compact JSON with non-ASCII text as raw UTF-8.
    ///
    /// - socket.io: exactly `42["<name>",<payload>]` — no ack id, no namespace, since the
    ///   original client's parser accepts nothing else (§2.2).
    /// - JSON: `{"type":"<name>","data":<payload>}`.
    ///
    /// The payloads are [`ServerEvent::payload`], in the original key order (§2.3).
    pub fn encode(&self, event: &ServerEvent) -> String {
        let mut out = Vec::with_capacity(128);
        self.write(event, &mut out);
        into_text(out)
    }

    /// [`Codec::encode`], appended to `out`.
    pub fn write(&self, event: &ServerEvent, out: &mut Vec<u8>) {
        match self {
            Self::SocketIo => socketio::write(event, out),
            Self::Json => json::write(event, out),
        }
    }

    /// The whole WebSocket text frame carrying `event` ([`Codec::encode`]'s text), made by the
    /// first connection of this framing that sends it and shared by the others.
    pub fn frame<'e>(&self, event: &'e OutboundEvent) -> &'e [u8] {
        let slot = match self {
            Self::SocketIo => 0,
            Self::Json => 1,
        };
        event.frame(slot, |event| {
            websocket::write::text_frame(|out| self.write(event, out))
        })
    }

    /// The frame telling the client its frame was refused, if this framing has one.
    ///
    /// - JSON: `Some({"type":"error","data":{"message":"<reason>"}})`.
    /// - socket.io: `None` — drop the frame silently: the original client must never see a
    ///   frame other than `42[...]` that it might misparse (§2.2).
    pub fn error_frame(&self, reason: &str) -> Option<String> {
        match self {
            Self::SocketIo => None,
            Self::Json => Some(json::error_frame(reason)),
        }
    }
}

/// A new Engine.IO session id, like engine.io 1.x's `base64id`: 15 random bytes in base64 with
/// `+` → `-` and `/` → `_`, i.e. 20 characters of `[A-Za-z0-9_-]` (§2.1).
///
/// The bytes come from `rand`'s thread-local CSPRNG, so ids are not guessable.
pub fn new_sid() -> String {
    let bytes: [u8; 15] = rand::random();
    // 15 bytes are a whole number of 3-byte groups: no padding, so URL-safe base64 without
    // padding is exactly engine.io's alphabet-substituted base64.
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Appends `value` as compact JSON to `out`.
///
/// The outbound values (structs of strings, integers and `Option`s, §2.3) cannot fail to
/// serialize, and a `Vec` cannot fail to write; should it ever happen anyway, the value becomes
/// `null` and the error is logged — a frame is still well-formed JSON and nothing panics.
fn write_json(out: &mut Vec<u8>, value: &impl Serialize) {
    let start = out.len();
    if let Err(error) = serde_json::to_writer(&mut *out, value) {
        log::error!("ws-game codec: cannot serialize an outbound value: {error}");
        out.truncate(start);
        out.extend_from_slice(b"null");
    }
}

/// Appends `event`'s name as a JSON string. The names are fixed ASCII words with nothing to
/// escape ([`ServerEvent::name`]), so they are copied between quotes.
fn write_name(out: &mut Vec<u8>, event: &ServerEvent) {
    out.push(b'"');
    out.extend_from_slice(event.name().as_bytes());
    out.push(b'"');
}

/// Appends `event`'s payload ([`ServerEvent::payload`]) as compact JSON. A movement — the message
/// relayed most — is written around its escaped uid without going through serde's machinery;
/// `tests.rs` holds it to the serde form byte for byte.
fn write_payload(out: &mut Vec<u8>, event: &ServerEvent) {
    let ServerEvent::Movement { uid, movement } = event else {
        write_json(out, &event.payload());
        return;
    };
    out.extend_from_slice(br#"{"uid":"#);
    write_json(out, &uid.as_ref());
    match movement {
        Movement::Choice => out.extend_from_slice(br#","movement":"choice"}"#),
        Movement::Face(face) => {
            // Writing into a Vec cannot fail.
            let _ = write!(out, r#","movement":"face","face":{face}}}"#);
        }
    }
}

/// The finished frame: `serde_json` writes UTF-8 only, so the fallback never runs.
fn into_text(frame: Vec<u8>) -> String {
    String::from_utf8(frame)
        .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
}

/// How many characters of client text a reason or a log line quotes at most.
const EXCERPT_CHARS: usize = 32;

/// A short, escaped quotation of client text for [`Inbound::Invalid`] and logs: at most
/// [`EXCERPT_CHARS`] characters, Debug-escaped (so control characters cannot forge log lines),
/// `…` appended when cut.
fn excerpt(text: &str) -> String {
    match text.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{:?}…", &text[..cut]),
        None => format!("{text:?}"),
    }
}

#[cfg(test)]
mod tests;
