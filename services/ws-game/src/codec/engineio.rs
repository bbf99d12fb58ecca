//! Engine.IO protocol 3 over WebSocket, as engine.io 1.6.11/1.8.5 serve it
//! (`spec/originals.md` §2.1; packet types as `WxSocketIO` mirrors them, §2.2).
//!
//! A text frame is one packet: a type digit then its data — open `0`, close `1`, ping `2`,
//! pong `3`, message `4`, upgrade `5`, noop `6`. Messages carry socket.io packets
//! ([`super::socketio`]). Binary frames and the polling transport are not spoken here.

use serde::Serialize;

use super::{Inbound, excerpt, into_text, socketio, write_json};

/// The pong answering any ping. engine.io 1.x drops the ping's data, so `2probe` gets a bare
/// `3`, not `3probe` (§2.1).
const PONG: &str = "3";

/// socket.io's CONNECT to the default namespace, sent right after the open packet (§2.1).
const CONNECT: &str = "40";

/// The open packet's data, in engine.io's key order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Handshake<'a> {
    sid: &'a str,
    /// Always empty: the connection already is a WebSocket, there is nothing to upgrade to.
    upgrades: [&'static str; 0],
    ping_interval: u64,
    ping_timeout: u64,
}

/// `0{"sid":…,"upgrades":[],"pingInterval":…,"pingTimeout":…}` then `40` (§2.1).
pub(super) fn greeting(sid: &str, ping_interval_ms: u64, ping_timeout_ms: u64) -> Vec<String> {
    let mut open = Vec::with_capacity(96 + sid.len());
    open.push(b'0');
    write_json(
        &mut open,
        &Handshake {
            sid,
            upgrades: [],
            ping_interval: ping_interval_ms,
            ping_timeout: ping_timeout_ms,
        },
    );
    vec![into_text(open), CONNECT.to_owned()]
}

/// What one Engine.IO text packet from a client means.
///
/// - `2…` ping (with or without data such as `probe`) → [`Inbound::Reply`]`("3")`.
/// - `3…` pong, `5…` upgrade, `6…` noop → [`Inbound::Ignore`].
/// - `1…` close → [`Inbound::Close`].
/// - `4…` message → the socket.io packet in it ([`socketio::decode`]).
/// - `0…` (open is the server's), any other first character, an empty frame → [`Inbound::Invalid`].
pub(super) fn decode(text: &str) -> Inbound {
    let mut chars = text.chars();
    let Some(kind) = chars.next() else {
        return Inbound::Invalid("empty frame".into());
    };
    match kind {
        '1' => Inbound::Close,
        '2' => Inbound::Reply(PONG),
        '3' | '5' | '6' => Inbound::Ignore,
        '4' => socketio::decode(chars.as_str()),
        '0' => Inbound::Invalid("engine.io open packet from a client".into()),
        _ => Inbound::Invalid(format!(
            "unknown engine.io packet type in {}",
            excerpt(text)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_invalid(inbound: Inbound) -> bool {
        matches!(inbound, Inbound::Invalid(_))
    }

    #[test]
    fn greeting_is_the_open_packet_then_connect() {
        assert_eq!(
            greeting("AbCdEfGhIjKlMnOpQr-_", 25_000, 60_000),
            [
                r#"0{"sid":"AbCdEfGhIjKlMnOpQr-_","upgrades":[],"pingInterval":25000,"pingTimeout":60000}"#,
                "40"
            ]
        );
    }

    #[test]
    fn greeting_takes_its_numbers_from_the_arguments() {
        assert_eq!(
            greeting("s", 1, 2)[0],
            r#"0{"sid":"s","upgrades":[],"pingInterval":1,"pingTimeout":2}"#
        );
    }

    #[test]
    fn greeting_escapes_the_sid_as_json() {
        assert_eq!(
            greeting("a\"b", 1, 2)[0],
            r#"0{"sid":"a\"b","upgrades":[],"pingInterval":1,"pingTimeout":2}"#
        );
    }

    #[test]
    fn ping_gets_a_bare_pong() {
        assert_eq!(decode("2"), Inbound::Reply("3"));
    }

    #[test]
    fn probe_ping_gets_a_pong_without_the_probe() {
        assert_eq!(decode("2probe"), Inbound::Reply("3"));
    }

    #[test]
    fn pong_upgrade_and_noop_are_ignored() {
        assert_eq!(decode("3"), Inbound::Ignore);
        assert_eq!(decode("3probe"), Inbound::Ignore);
        assert_eq!(decode("5"), Inbound::Ignore);
        assert_eq!(decode("6"), Inbound::Ignore);
    }

    #[test]
    fn close_packet_closes() {
        assert_eq!(decode("1"), Inbound::Close);
    }

    #[test]
    fn open_packet_from_a_client_is_invalid() {
        assert!(is_invalid(decode("0")));
        assert!(is_invalid(decode(r#"0{"sid":"x"}"#)));
    }

    #[test]
    fn empty_frame_is_invalid() {
        assert!(is_invalid(decode("")));
    }

    #[test]
    fn unknown_packet_types_are_invalid() {
        for text in ["7", "8", "9", "b4AAA", "x", " 2", "中", "\u{0}"] {
            assert!(is_invalid(decode(text)), "{text:?}");
        }
    }

    #[test]
    fn message_packets_carry_socketio() {
        assert_eq!(decode("40"), Inbound::Ignore);
        assert_eq!(decode("41"), Inbound::Close);
        assert!(is_invalid(decode("4")));
    }
}
