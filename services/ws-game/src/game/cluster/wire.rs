//! What nodes send each other over Redis pub/sub: one `PUBLISH` carries a JSON array of
//! [`Wire`] messages (a batch), in the order they were queued.
//!
//! Events travel as [`WireEvent`]s and are encoded for the player's framing on its own node, so
//! the hidden-choice rule holds across nodes exactly as on one: a `movement` never carries the
//! hand (the hand goes to the room's owner only, in [`Wire::Choice`]).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::super::{OutboundEvent, room::RoomId, scoring::GameData};
use crate::protocol::{Choice, Movement, RoomUser, RoundResult, ServerEvent, User};

/// One message between nodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub(crate) enum Wire {
    /// Player `player` (socket on `node`) claimed a seat in the owner's room `room`.
    Join {
        room: RoomId,
        player: u64,
        node: Arc<str>,
        user: User,
        data: GameData,
    },
    /// A remote member's hand, to the owner.
    Choice {
        room: RoomId,
        player: u64,
        choice: Choice,
    },
    /// A remote member's face, to the owner.
    Face {
        room: RoomId,
        player: u64,
        face: i64,
    },
    /// A remote member leaves (`notified`: `leave`, the others are told; else silent).
    Leave {
        room: RoomId,
        player: u64,
        notified: bool,
    },
    /// A remote member said `hello` again.
    Rename {
        room: RoomId,
        player: u64,
        user: User,
    },
    /// A remote member's socket is now on `node` (resume).
    Rebind {
        room: RoomId,
        player: u64,
        node: Arc<str>,
    },
    /// The owner refused a claimed seat (room gone or full): the player joins again.
    Rejected { room: RoomId, player: u64 },
    /// An event for players of the receiving node; `data`: the player's game data as the room
    /// has it after the event (with `start` and `result`), one player only then.
    Deliver {
        players: Vec<u64>,
        event: WireEvent,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data: Option<GameData>,
    },
    /// Resume: is the player with `token` held by you? Answer to `node` quoting `ask`.
    ResumeAsk {
        token: String,
        node: Arc<str>,
        ask: u64,
    },
    /// Resume granted: the player is yours now.
    ResumeGrant {
        ask: u64,
        held: super::super::resume::Handover,
    },
    /// Resume refused (unknown or expired token).
    ResumeDeny { ask: u64 },
}

/// What the publisher is handed: a [`Wire`], or an event not yet converted (the conversion
/// happens on the publisher's task, not the room's).
#[derive(Debug)]
pub(crate) enum Outbound {
    Wire(Wire),
    Deliver {
        player: u64,
        event: Arc<OutboundEvent>,
        data: Option<GameData>,
    },
}

/// A [`ServerEvent`] between nodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "e", rename_all = "snake_case")]
pub(crate) enum WireEvent {
    Hi {
        nearby: u32,
    },
    Start {
        game_time: u64,
        room_users: Vec<RoomUser>,
    },
    Choice {
        uid: Arc<str>,
    },
    Face {
        uid: Arc<str>,
        face: i64,
    },
    Result {
        result: Vec<RoundResult>,
    },
    Leave {
        uid: String,
    },
}

impl From<&ServerEvent> for WireEvent {
    fn from(event: &ServerEvent) -> Self {
        match event {
            ServerEvent::Hi { nearby } => Self::Hi { nearby: *nearby },
            ServerEvent::Start {
                game_time,
                room_users,
            } => Self::Start {
                game_time: *game_time,
                room_users: room_users.clone(),
            },
            ServerEvent::Movement {
                uid,
                movement: Movement::Choice,
            } => Self::Choice {
                uid: Arc::clone(uid),
            },
            ServerEvent::Movement {
                uid,
                movement: Movement::Face(face),
            } => Self::Face {
                uid: Arc::clone(uid),
                face: *face,
            },
            ServerEvent::Result(result) => Self::Result {
                result: result.clone(),
            },
            ServerEvent::Leave { uid } => Self::Leave { uid: uid.clone() },
        }
    }
}

impl From<WireEvent> for ServerEvent {
    fn from(event: WireEvent) -> Self {
        match event {
            WireEvent::Hi { nearby } => Self::Hi { nearby },
            WireEvent::Start {
                game_time,
                room_users,
            } => Self::Start {
                game_time,
                room_users,
            },
            WireEvent::Choice { uid } => Self::Movement {
                uid,
                movement: Movement::Choice,
            },
            WireEvent::Face { uid, face } => Self::Movement {
                uid,
                movement: Movement::Face(face),
            },
            WireEvent::Result { result } => Self::Result(result),
            WireEvent::Leave { uid } => Self::Leave { uid },
        }
    }
}

/// Appends `queued` to `batch`, merging an event for several players of one node into one
/// [`Wire::Deliver`] (a room's `start` or `movement` to two remote members on one node).
pub(crate) fn push(batch: &mut Vec<(Wire, Option<Arc<OutboundEvent>>)>, queued: Outbound) {
    match queued {
        Outbound::Wire(wire) => batch.push((wire, None)),
        Outbound::Deliver {
            player,
            event,
            data,
        } => {
            if data.is_none()
                && let Some((
                    Wire::Deliver {
                        players,
                        data: None,
                        ..
                    },
                    Some(last),
                )) = batch.last_mut()
                && Arc::ptr_eq(last, &event)
            {
                players.push(player);
                return;
            }
            let wire = Wire::Deliver {
                players: vec![player],
                event: WireEvent::from(event.event()),
                data,
            };
            batch.push((wire, Some(event)));
        }
    }
}

/// One batch as a `PUBLISH` payload.
pub(crate) fn encode(batch: &[(Wire, Option<Arc<OutboundEvent>>)]) -> Vec<u8> {
    let wires: Vec<&Wire> = batch.iter().map(|(wire, _)| wire).collect();
    serde_json::to_vec(&wires).unwrap_or_default()
}

/// A `PUBLISH` payload as messages.
///
/// # Errors
/// When the payload is not a batch this version understands (a node of another version).
pub(crate) fn decode(payload: &[u8]) -> serde_json::Result<Vec<Wire>> {
    serde_json::from_slice(payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_cross_nodes_unchanged() {
        let events = [
            ServerEvent::Movement {
                uid: "u1".into(),
                movement: Movement::Choice,
            },
            ServerEvent::Movement {
                uid: "u1".into(),
                movement: Movement::Face(3),
            },
            ServerEvent::Leave { uid: "u2".into() },
            ServerEvent::Result(vec![RoundResult {
                uid: "u1".into(),
                round_score: 1,
                total_score: 2,
                win_streak: 1,
                choice: Some(Choice::Rock),
            }]),
        ];
        for event in events {
            let mut batch = Vec::new();
            push(
                &mut batch,
                Outbound::Deliver {
                    player: 7,
                    event: OutboundEvent::new(event.clone()),
                    data: None,
                },
            );
            let decoded = decode(&encode(&batch)).unwrap_or_default();
            let [
                Wire::Deliver {
                    players,
                    event: wire,
                    ..
                },
            ] = decoded.as_slice()
            else {
                panic!("{decoded:?}");
            };
            assert_eq!(players, &[7]);
            assert_eq!(ServerEvent::from(wire.clone()), event);
        }
    }

    #[test]
    fn one_event_for_two_players_of_a_node_is_sent_once() {
        let event = OutboundEvent::new(ServerEvent::Leave { uid: "u".into() });
        let mut batch = Vec::new();
        for player in [1, 2] {
            let event = Arc::clone(&event);
            push(
                &mut batch,
                Outbound::Deliver {
                    player,
                    event,
                    data: None,
                },
            );
        }
        assert_eq!(batch.len(), 1);
        let encoded = String::from_utf8(encode(&batch)).unwrap_or_default();
        assert_eq!(
            encoded,
            r#"[{"t":"deliver","players":[1,2],"event":{"e":"leave","uid":"u"}}]"#
        );
    }

    #[test]
    fn a_choice_movement_never_carries_the_hand() {
        let mut batch = Vec::new();
        let event = OutboundEvent::new(ServerEvent::Movement {
            uid: "u".into(),
            movement: Movement::Choice,
        });
        push(
            &mut batch,
            Outbound::Deliver {
                player: 1,
                event,
                data: None,
            },
        );
        let encoded = String::from_utf8(encode(&batch)).unwrap_or_default();
        assert!(!encoded.contains("choice\":"), "{encoded}");
    }
}
