//! The two framings of ws-game as a load client needs them (`proto/ws-game.md`): the paths, the
//! few client frames a player sends, and a borrowed, allocation-light reading of server frames.
//!
//! Independent of the service's own codec on purpose: the benchmark speaks the documented wire
//! protocol, like any other client.

use std::borrow::Cow;

use serde::Deserialize;

/// Which framing the players speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `{"type":name,"data":payload}` on `/applet/websocket/ws`.
    Json,
    /// Engine.IO 3 + socket.io (`42["name",payload]`) on `/applet/websocket/socket.io/`.
    SocketIo,
}

impl Framing {
    /// Path and query of the WebSocket endpoint.
    pub fn path(self) -> &'static str {
        match self {
            Self::Json => "/applet/websocket/ws",
            Self::SocketIo => "/applet/websocket/socket.io/?EIO=3&transport=websocket",
        }
    }

    /// Text frames the server sends first (`open`; or `0{…}` and `40`).
    pub fn greeting_frames(self) -> usize {
        match self {
            Self::Json => 1,
            Self::SocketIo => 2,
        }
    }

    /// `hello` for player `uid` (uid, name and avatar are plain ASCII: no escaping needed).
    pub fn hello(self, uid: &str) -> String {
        let user = format!(
            r#"{{"user":{{"uid":"{uid}","uname":"{uid}","uavatar":"http://bench/{uid}.png"}}}}"#
        );
        self.event("hello", Some(&user))
    }

    /// `join` (no payload).
    pub fn join(self) -> String {
        self.event("join", None)
    }

    /// `choice` with hand 1, 2 or 3.
    pub fn choice(self, hand: u8) -> String {
        self.event("choice", Some(&format!(r#"{{"choice":{hand}}}"#)))
    }

    fn event(self, name: &str, payload: Option<&str>) -> String {
        match (self, payload) {
            (Self::Json, Some(payload)) => format!(r#"{{"type":"{name}","data":{payload}}}"#),
            (Self::Json, None) => format!(r#"{{"type":"{name}"}}"#),
            (Self::SocketIo, Some(payload)) => format!(r#"42["{name}",{payload}]"#),
            (Self::SocketIo, None) => format!(r#"42["{name}"]"#),
        }
    }

    /// What a server frame means to a player. Frames it does not need to understand (the
    /// greeting, `hi`, `leave`, pongs, errors) are [`Event::Other`]; only text that is not a
    /// frame of this framing at all is an error.
    ///
    /// # Errors
    /// The frame is not JSON of the expected shape.
    pub fn decode(self, text: &str) -> Result<Event<'_>, serde_json::Error> {
        let (name, data) = match self {
            Self::Json => {
                let frame: JsonFrame<'_> = serde_json::from_str(text)?;
                (frame.kind, frame.data)
            }
            Self::SocketIo => match text.strip_prefix("42") {
                Some(event) => {
                    let (name, data): (Cow<'_, str>, Data<'_>) = serde_json::from_str(event)?;
                    (name, Some(data))
                }
                None => return Ok(Event::Other),
            },
        };
        let data = data.unwrap_or_default();
        Ok(match name.as_ref() {
            "start" => Event::Start {
                uids: data.room_users.into_iter().map(|user| user.uid).collect(),
            },
            "movement" => Event::Movement {
                uid: data.uid.unwrap_or_default(),
                choice: data.movement.as_deref() == Some("choice"),
            },
            "result" => Event::Result,
            _ => Event::Other,
        })
    }
}

/// A server frame as a player sees it.
#[derive(Debug, PartialEq, Eq)]
pub enum Event<'a> {
    /// A round starts with these members, in join order.
    Start {
        /// Each member's uid.
        uids: Vec<Cow<'a, str>>,
    },
    /// Another member chose (`choice: true`) or made a face.
    Movement {
        /// Who moved.
        uid: Cow<'a, str>,
        /// `movement` was `"choice"`.
        choice: bool,
    },
    /// The round ended.
    Result,
    /// Anything else.
    Other,
}

#[derive(Deserialize)]
struct JsonFrame<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    data: Option<Data<'a>>,
}

/// The payload fields a player reads; the rest is skipped.
#[derive(Deserialize, Default)]
struct Data<'a> {
    #[serde(borrow, default)]
    uid: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    movement: Option<Cow<'a, str>>,
    #[serde(rename = "roomUsers", borrow, default)]
    room_users: Vec<RoomUser<'a>>,
}

#[derive(Deserialize)]
struct RoomUser<'a> {
    #[serde(borrow)]
    uid: Cow<'a, str>,
}

/// The bench's uid of player `index` (`p{index}`), and back.
pub fn uid(index: usize) -> String {
    format!("p{index}")
}

/// The player index in a bench uid; `None` for anyone else (`robot-N`).
pub fn index_of(uid: &str) -> Option<usize> {
    uid.strip_prefix('p')?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(uids: &[&'static str]) -> Event<'static> {
        Event::Start {
            uids: uids.iter().map(|uid| Cow::Borrowed(*uid)).collect(),
        }
    }

    #[test]
    fn client_frames_follow_each_framing() {
        assert_eq!(
            Framing::Json.hello("p1"),
            r#"{"type":"hello","data":{"user":{"uid":"p1","uname":"p1","uavatar":"http://bench/p1.png"}}}"#
        );
        assert_eq!(Framing::Json.join(), r#"{"type":"join"}"#);
        assert_eq!(
            Framing::Json.choice(2),
            r#"{"type":"choice","data":{"choice":2}}"#
        );
        assert_eq!(Framing::SocketIo.join(), r#"42["join"]"#);
        assert_eq!(Framing::SocketIo.choice(3), r#"42["choice",{"choice":3}]"#);
    }

    #[test]
    fn server_frames_decode_in_both_framings() -> Result<(), serde_json::Error> {
        let users = r#"{"gameTime":1,"roomUsers":[{"uid":"p1","uname":"p1","uavatar":"","choice":null,"roundScore":0,"totalScore":0,"winStreak":0},{"uid":"robot-1","uname":"robot-1","uavatar":"","choice":2,"roundScore":0,"totalScore":0,"winStreak":0}]}"#;
        let json = Framing::Json;
        let socket_io = Framing::SocketIo;
        let start_json = format!(r#"{{"type":"start","data":{users}}}"#);
        assert_eq!(json.decode(&start_json)?, start(&["p1", "robot-1"]));
        let start_io = format!(r#"42["start",{users}]"#);
        assert_eq!(socket_io.decode(&start_io)?, start(&["p1", "robot-1"]));
        assert_eq!(
            socket_io.decode(r#"42["movement",{"uid":"p7","movement":"choice"}]"#)?,
            Event::Movement {
                uid: "p7".into(),
                choice: true
            }
        );
        assert_eq!(
            json.decode(r#"{"type":"movement","data":{"uid":"p7","movement":"face","face":1}}"#)?,
            Event::Movement {
                uid: "p7".into(),
                choice: false
            }
        );
        let result =
            r#"{"result":[{"uid":"p1","roundScore":1,"totalScore":1,"winStreak":1,"choice":2}]}"#;
        assert_eq!(
            json.decode(&format!(r#"{{"type":"result","data":{result}}}"#))?,
            Event::Result
        );
        assert_eq!(json.decode(r#"{"type":"pong"}"#)?, Event::Other);
        assert_eq!(socket_io.decode("40")?, Event::Other);
        assert_eq!(socket_io.decode(r#"0{"sid":"x"}"#)?, Event::Other);
        assert!(json.decode("not json").is_err());
        Ok(())
    }

    #[test]
    fn bench_uids_round_trip() {
        assert_eq!(index_of(&uid(1234)), Some(1234));
        assert_eq!(index_of("robot-3"), None);
        assert_eq!(index_of("player-3"), None);
    }
}
