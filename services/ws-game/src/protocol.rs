//! The game's messages as typed values, independent of any framing
//! (`spec/originals.md` §2.3; `proto/ws-game.md`).
//!
//! The codecs ([`crate::codec`]) turn frames into [`ClientCommand`]s and [`ServerEvent`]s into
//! frames; the engine ([`crate::game`]) only ever sees these types. Field names and their order
//! on the wire are the original server's: serde serializes struct fields in declaration order.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// A player as the client introduces itself in `hello` (`{"user":{"uid","uname","uavatar"}}`).
///
/// Missing fields are empty strings; the engine gives a player without `uid` a server-made one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// The client's id for itself (the original client makes a base-36 one).
    #[serde(default)]
    pub uid: String,
    /// Nickname.
    #[serde(default)]
    pub uname: String,
    /// Avatar URL.
    #[serde(default)]
    pub uavatar: String,
}

/// A hand: 1 scissors (剪刀), 2 rock (石头), 3 paper (布) — the original `game.ts` enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Choice {
    /// 1.
    Scissors,
    /// 2.
    Rock,
    /// 3.
    Paper,
}

impl Choice {
    /// The wire number.
    pub fn number(self) -> u8 {
        match self {
            Self::Scissors => 1,
            Self::Rock => 2,
            Self::Paper => 3,
        }
    }

    /// The choice a wire number names; `None` for anything but 1, 2, 3.
    pub fn from_number(number: i64) -> Option<Self> {
        match number {
            1 => Some(Self::Scissors),
            2 => Some(Self::Rock),
            3 => Some(Self::Paper),
            _ => None,
        }
    }
}

impl Serialize for Choice {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.number())
    }
}

impl<'de> Deserialize<'de> for Choice {
    /// From the wire number (between nodes of a cluster; clients' frames go through the codec).
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let number = i64::deserialize(deserializer)?;
        Choice::from_number(number)
            .ok_or_else(|| serde::de::Error::custom(format!("choice {number} is not 1, 2 or 3")))
    }
}

/// What a client asks of the game (client → server events, §2.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientCommand {
    /// `hello {"user":{…}}`: who I am. Answered with [`ServerEvent::Hi`].
    Hello(User),
    /// `join`: leave my room silently, then take the first room with a free seat or open one.
    Join,
    /// `leave`: leave my room; the others get [`ServerEvent::Leave`].
    Leave,
    /// `choice {"choice":1|2|3}`.
    Choice(Choice),
    /// `face {"face":n}`: an emoticon, relayed as a movement.
    Face(i64),
}

/// One seat of a room as `start` shows it: the user's fields merged with its game data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomUser {
    /// The player's uid.
    pub uid: String,
    /// Nickname.
    pub uname: String,
    /// Avatar URL.
    pub uavatar: String,
    /// The previous round's choice (kept across rounds), `null` before the first.
    pub choice: Option<Choice>,
    /// This round's score: reset to 0 when a round starts.
    pub round_score: i64,
    /// Sum of round scores.
    pub total_score: i64,
    /// Consecutive wins; a draw keeps it, a loss resets it.
    pub win_streak: i64,
}

/// One player's line in `result`, in the original's key order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoundResult {
    /// The player's uid.
    pub uid: String,
    /// Points of this round (already multiplied by the streak).
    pub round_score: i64,
    /// Sum of round scores.
    pub total_score: i64,
    /// Consecutive wins.
    pub win_streak: i64,
    /// The hand played, `null` if none.
    pub choice: Option<Choice>,
}

/// What a movement shows the other members: that a player chose (not what), or a face.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Movement {
    /// `{"uid","movement":"choice"}`.
    Choice,
    /// `{"uid","movement":"face","face":n}`.
    Face(i64),
}

/// What the game tells a client (server → client events, §2.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerEvent {
    /// `hi {"message":"welcome","nearby":10}`.
    Hi {
        /// The original's constant `nearby` (10 by default, from config).
        nearby: u32,
    },
    /// `start {"gameTime":3,"roomUsers":[…]}`.
    Start {
        /// Seconds the round lasts.
        game_time: u64,
        /// Every member, in join order.
        room_users: Vec<RoomUser>,
    },
    /// `movement {…}` — sent to the other members only.
    Movement {
        /// Who moved (shared with the room's seat: relaying a movement copies no text).
        uid: Arc<str>,
        /// What they did.
        movement: Movement,
    },
    /// `result {"result":[…]}` — one entry per member still in the room, in join order.
    Result(Vec<RoundResult>),
    /// `leave {"uid"}` — another member left the room.
    Leave {
        /// Who left.
        uid: String,
    },
}

impl ServerEvent {
    /// The event name on the wire (`hi`, `start`, `movement`, `result`, `leave`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Hi { .. } => "hi",
            Self::Start { .. } => "start",
            Self::Movement { .. } => "movement",
            Self::Result(_) => "result",
            Self::Leave { .. } => "leave",
        }
    }

    /// The event's payload object, exactly as the original sent it (serialize it with serde;
    /// nothing is built in between).
    pub fn payload(&self) -> Payload<'_> {
        Payload(self)
    }
}

/// The payload of a [`ServerEvent`], serializable without an intermediate `Value`.
#[derive(Debug, Clone, Copy)]
pub struct Payload<'a>(&'a ServerEvent);

#[derive(Serialize)]
struct HiPayload {
    message: &'static str,
    nearby: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StartPayload<'a> {
    game_time: u64,
    room_users: &'a [RoomUser],
}

#[derive(Serialize)]
struct MovementPayload<'a> {
    uid: &'a str,
    movement: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    face: Option<i64>,
}

#[derive(Serialize)]
struct ResultPayload<'a> {
    result: &'a [RoundResult],
}

#[derive(Serialize)]
struct LeavePayload<'a> {
    uid: &'a str,
}

impl Serialize for Payload<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            ServerEvent::Hi { nearby } => HiPayload {
                message: "welcome",
                nearby: *nearby,
            }
            .serialize(serializer),
            ServerEvent::Start {
                game_time,
                room_users,
            } => StartPayload {
                game_time: *game_time,
                room_users,
            }
            .serialize(serializer),
            ServerEvent::Movement { uid, movement } => {
                let (movement, face) = match movement {
                    Movement::Choice => ("choice", None),
                    Movement::Face(face) => ("face", Some(*face)),
                };
                MovementPayload {
                    uid: uid.as_ref(),
                    movement,
                    face,
                }
                .serialize(serializer)
            }
            ServerEvent::Result(result) => ResultPayload { result }.serialize(serializer),
            ServerEvent::Leave { uid } => LeavePayload { uid }.serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(event: &ServerEvent) -> String {
        serde_json::to_string(&event.payload()).unwrap_or_default()
    }

    #[test]
    fn choices_are_numbers_on_the_wire() {
        assert_eq!(Choice::from_number(1), Some(Choice::Scissors));
        assert_eq!(Choice::from_number(2), Some(Choice::Rock));
        assert_eq!(Choice::from_number(3), Some(Choice::Paper));
        assert_eq!(Choice::from_number(0), None);
        assert_eq!(Choice::from_number(4), None);
        assert_eq!(serde_json::json!(Choice::Paper), serde_json::json!(3));
    }

    #[test]
    fn payloads_keep_the_original_key_order() {
        assert_eq!(
            json(&ServerEvent::Movement {
                uid: "u1".into(),
                movement: Movement::Choice
            }),
            r#"{"uid":"u1","movement":"choice"}"#
        );
        assert_eq!(
            json(&ServerEvent::Leave {
                uid: "robot-1".into()
            }),
            r#"{"uid":"robot-1"}"#
        );
        let start = ServerEvent::Start {
            game_time: 3,
            room_users: vec![RoomUser {
                uid: "u1".into(),
                uname: "甲".into(),
                uavatar: "http://a/1.png".into(),
                choice: None,
                round_score: 0,
                total_score: 5,
                win_streak: 2,
            }],
        };
        assert_eq!(
            json(&start),
            r#"{"gameTime":3,"roomUsers":[{"uid":"u1","uname":"甲","uavatar":"http://a/1.png","choice":null,"roundScore":0,"totalScore":5,"winStreak":2}]}"#
        );
        let result = ServerEvent::Result(vec![RoundResult {
            uid: "u1".into(),
            round_score: 2,
            total_score: 3,
            win_streak: 2,
            choice: Some(Choice::Rock),
        }]);
        assert_eq!(
            json(&result),
            r#"{"result":[{"uid":"u1","roundScore":2,"totalScore":3,"winStreak":2,"choice":2}]}"#
        );
        let face = ServerEvent::Movement {
            uid: "u1".into(),
            movement: Movement::Face(1),
        };
        assert_eq!(json(&face), r#"{"uid":"u1","movement":"face","face":1}"#);
        assert_eq!(
            json(&ServerEvent::Hi { nearby: 10 }),
            r#"{"message":"welcome","nearby":10}"#
        );
    }
}
