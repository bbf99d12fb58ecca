//! Byte-for-byte tests of [`Codec`] as the connection code uses it: every outbound event in
//! both framings, the frames the original client sends, and a mutation fuzz of `decode`.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;
use crate::protocol::{Choice, Movement, RoomUser, RoundResult, User};

const AVATAR: &str = "http://www.scoutiegirl.com/wp-content/uploads/2015/06/Blue-Robot.png";

fn both(event: &ServerEvent) -> (String, String) {
    (Codec::SocketIo.encode(event), Codec::Json.encode(event))
}

#[test]
fn hi_encodes_exactly() {
    let (socketio, json) = both(&ServerEvent::Hi { nearby: 10 });
    assert_eq!(socketio, r#"42["hi",{"message":"welcome","nearby":10}]"#);
    assert_eq!(
        json,
        r#"{"type":"hi","data":{"message":"welcome","nearby":10}}"#
    );
}

#[test]
fn start_encodes_exactly_with_raw_utf8() {
    let (socketio, json) = both(&ServerEvent::Start {
        game_time: 3,
        room_users: vec![
            RoomUser {
                uid: "u1".into(),
                uname: "甲".into(),
                uavatar: "…".into(),
                choice: None,
                round_score: 0,
                total_score: 0,
                win_streak: 0,
            },
            RoomUser {
                uid: "robot-1".into(),
                uname: "robot-1".into(),
                uavatar: AVATAR.into(),
                choice: Some(Choice::Scissors),
                round_score: 0,
                total_score: 6,
                win_streak: 2,
            },
        ],
    });
    let users = concat!(
        r#"[{"uid":"u1","uname":"甲","uavatar":"…","choice":null,"roundScore":0,"totalScore":0,"winStreak":0},"#,
        r#"{"uid":"robot-1","uname":"robot-1","uavatar":"http://www.scoutiegirl.com/wp-content/uploads/2015/06/Blue-Robot.png","choice":1,"roundScore":0,"totalScore":6,"winStreak":2}]"#
    );
    assert_eq!(
        socketio,
        format!(r#"42["start",{{"gameTime":3,"roomUsers":{users}}}]"#)
    );
    assert_eq!(
        json,
        format!(r#"{{"type":"start","data":{{"gameTime":3,"roomUsers":{users}}}}}"#)
    );
}

#[test]
fn choice_movement_encodes_exactly() {
    let (socketio, json) = both(&ServerEvent::Movement {
        uid: "u1".into(),
        movement: Movement::Choice,
    });
    assert_eq!(
        socketio,
        r#"42["movement",{"uid":"u1","movement":"choice"}]"#
    );
    assert_eq!(
        json,
        r#"{"type":"movement","data":{"uid":"u1","movement":"choice"}}"#
    );
}

#[test]
fn face_movement_encodes_exactly() {
    let (socketio, json) = both(&ServerEvent::Movement {
        uid: "u1".into(),
        movement: Movement::Face(3),
    });
    assert_eq!(
        socketio,
        r#"42["movement",{"uid":"u1","movement":"face","face":3}]"#
    );
    assert_eq!(
        json,
        r#"{"type":"movement","data":{"uid":"u1","movement":"face","face":3}}"#
    );
}

#[test]
fn canonical_choices_decode_as_the_general_path_does() {
    for codec in [Codec::SocketIo, Codec::Json] {
        for hand in 0..=4 {
            let text = match codec {
                Codec::SocketIo => format!(r#"42["choice",{{"choice":{hand}}}]"#),
                Codec::Json => format!(r#"{{"type":"choice","data":{{"choice":{hand}}}}}"#),
            };
            let general = match codec {
                Codec::SocketIo => engineio::decode(&text),
                Codec::Json => json::decode(&text),
            };
            assert_eq!(codec.decode(&text), general, "{text}");
            let fast = codec.canonical_choice(&text);
            assert_eq!(fast.is_some(), (1..=3).contains(&hand), "{text}");
        }
        // Near misses go the general way.
        for text in [
            r#"42["choice",{"choice":22}]"#,
            r#"42["choice",{"choice":2}] "#,
        ] {
            assert_eq!(codec.canonical_choice(text), None);
        }
    }
}

#[test]
fn movements_written_by_hand_match_the_serde_payload() {
    let uids = ["u1", "", "a\"b\\c", "换行\n\u{1}", "robot-1"];
    let faces = [
        Movement::Choice,
        Movement::Face(0),
        Movement::Face(i64::MIN),
    ];
    for uid in uids {
        for movement in faces {
            let event = ServerEvent::Movement {
                uid: uid.into(),
                movement,
            };
            let mut by_hand = Vec::new();
            write_payload(&mut by_hand, &event);
            let by_serde = serde_json::to_vec(&event.payload()).unwrap_or_default();
            assert_eq!(by_hand, by_serde, "{uid:?} {movement:?}");
        }
    }
}

#[test]
fn frames_carry_the_encoded_text_once_per_framing() {
    let event = OutboundEvent::new(ServerEvent::Hi { nearby: 10 });
    for codec in [Codec::SocketIo, Codec::Json] {
        let text = codec.encode(event.event());
        let frame = codec.frame(&event);
        assert_eq!(frame[..2], [0x81, text.len() as u8]);
        assert_eq!(&frame[2..], text.as_bytes());
        assert!(std::ptr::eq(frame, codec.frame(&event)));
    }
}

#[test]
fn result_encodes_exactly() {
    let (socketio, json) = both(&ServerEvent::Result(vec![
        RoundResult {
            uid: "u1".into(),
            round_score: 2,
            total_score: 3,
            win_streak: 2,
            choice: Some(Choice::Rock),
        },
        RoundResult {
            uid: "robot-1".into(),
            round_score: 0,
            total_score: 0,
            win_streak: 0,
            choice: None,
        },
    ]));
    let result = concat!(
        r#"{"result":[{"uid":"u1","roundScore":2,"totalScore":3,"winStreak":2,"choice":2},"#,
        r#"{"uid":"robot-1","roundScore":0,"totalScore":0,"winStreak":0,"choice":null}]}"#
    );
    assert_eq!(socketio, format!(r#"42["result",{result}]"#));
    assert_eq!(json, format!(r#"{{"type":"result","data":{result}}}"#));
}

#[test]
fn leave_encodes_exactly() {
    let (socketio, json) = both(&ServerEvent::Leave {
        uid: "robot-1".into(),
    });
    assert_eq!(socketio, r#"42["leave",{"uid":"robot-1"}]"#);
    assert_eq!(json, r#"{"type":"leave","data":{"uid":"robot-1"}}"#);
}

#[test]
fn strings_are_json_escaped_not_ascii_escaped() {
    let (socketio, _) = both(&ServerEvent::Leave {
        uid: "a\"\\\n😀".into(),
    });
    assert_eq!(socketio, "42[\"leave\",{\"uid\":\"a\\\"\\\\\\n😀\"}]");
}

#[test]
fn greetings_are_exact() {
    assert_eq!(
        Codec::SocketIo.greeting("AbCdEfGhIjKlMnOpQr-_", 25_000, 60_000),
        [
            r#"0{"sid":"AbCdEfGhIjKlMnOpQr-_","upgrades":[],"pingInterval":25000,"pingTimeout":60000}"#,
            "40"
        ]
    );
    assert_eq!(
        Codec::Json.greeting("AbCdEfGhIjKlMnOpQr-_", 25_000, 60_000),
        [
            r#"{"type":"open","data":{"sid":"AbCdEfGhIjKlMnOpQr-_","pingInterval":25000,"pingTimeout":60000}}"#
        ]
    );
}

#[test]
fn error_frames_only_for_json() {
    assert_eq!(Codec::SocketIo.error_frame("bad"), None);
    assert_eq!(
        Codec::Json.error_frame("bad"),
        Some(r#"{"type":"error","data":{"message":"bad"}}"#.into())
    );
}

#[test]
fn original_client_frames_decode() {
    let codec = Codec::SocketIo;
    assert_eq!(
        codec.decode(r#"42["join"]"#),
        Inbound::Command(ClientCommand::Join)
    );
    assert_eq!(
        codec.decode(r#"42["leave"]"#),
        Inbound::Command(ClientCommand::Leave)
    );
    assert_eq!(
        codec.decode(r#"42["choice",{"choice":2}]"#),
        Inbound::Command(ClientCommand::Choice(Choice::Rock))
    );
    assert_eq!(
        codec.decode(
            r#"42["hello",{"user":{"uid":"jb4x0k2a8","uname":"小明","uavatar":"https://wx.qlogo.cn/mmopen/x/0"}}]"#
        ),
        Inbound::Command(ClientCommand::Hello(User {
            uid: "jb4x0k2a8".into(),
            uname: "小明".into(),
            uavatar: "https://wx.qlogo.cn/mmopen/x/0".into(),
        }))
    );
    assert_eq!(codec.decode("2probe"), Inbound::Reply("3"));
}

#[test]
fn socketio_framing_control_frames() {
    let codec = Codec::SocketIo;
    assert_eq!(codec.decode("2"), Inbound::Reply("3"));
    assert_eq!(codec.decode("3"), Inbound::Ignore);
    assert_eq!(codec.decode("6"), Inbound::Ignore);
    assert_eq!(codec.decode("1"), Inbound::Close);
    assert_eq!(codec.decode("41"), Inbound::Close);
    assert_eq!(codec.decode("40"), Inbound::Ignore);
    assert_eq!(
        codec.decode(r#"421["join"]"#),
        Inbound::Command(ClientCommand::Join)
    );
    assert_eq!(codec.decode(r#"42["unknown",{}]"#), Inbound::Ignore);
    for invalid in [
        "",
        "0",
        "40/chat,",
        r#"42/chat,["join"]"#,
        "43[]",
        "44",
        "45",
        "46",
    ] {
        assert!(
            matches!(codec.decode(invalid), Inbound::Invalid(_)),
            "{invalid:?}"
        );
    }
}

#[test]
fn the_framings_do_not_read_each_other() {
    assert!(matches!(
        Codec::Json.decode(r#"42["join"]"#),
        Inbound::Invalid(_)
    ));
    assert!(matches!(
        Codec::SocketIo.decode(r#"{"type":"join"}"#),
        Inbound::Invalid(_)
    ));
}

#[test]
fn sids_are_20_url_safe_base64_chars_and_differ() {
    let sid = new_sid();
    assert_eq!(sid.len(), 20);
    assert!(
        sid.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "{sid}"
    );
    assert_ne!(new_sid(), sid);
}

#[test]
fn excerpts_are_short_and_escaped() {
    assert_eq!(excerpt("ab"), r#""ab""#);
    assert_eq!(excerpt("a\nb"), r#""a\nb""#);
    let long = "中".repeat(1000);
    assert_eq!(excerpt(&long), format!("{:?}…", "中".repeat(EXCERPT_CHARS)));
}

/// Frames to mutate: what real clients send, plus edge shapes.
const SEEDS: &[&str] = &[
    r#"42["join"]"#,
    r#"42["leave"]"#,
    r#"42["choice",{"choice":2}]"#,
    r#"42["face",{"face":1}]"#,
    r#"42["hello",{"user":{"uid":"u1","uname":"甲","uavatar":"http://a/1.png"}}]"#,
    r#"421["join"]"#,
    r#"42/chat,["join"]"#,
    "2probe",
    "40",
    "41",
    r#"{"type":"hello","data":{"user":{"uid":"u1","uname":"甲"}}}"#,
    r#"{"type":"choice","data":{"choice":3}}"#,
    r#"{"type":"ping"}"#,
    r#"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["#,
];

/// Characters that mean something to the parsers, plus multi-byte ones.
const ALPHABET: &[char] = &[
    '0', '1', '2', '3', '4', '5', '6', '9', '[', ']', '{', '}', '"', ',', ':', '/', '?', '\\', '-',
    '.', 'e', 'u', 'n', 'l', ' ', '\n', '\u{0}', 'é', '中', '😀',
];

fn mutate(rng: &mut StdRng, seed: &str) -> String {
    let mut chars: Vec<char> = seed.chars().collect();
    for _ in 0..rng.random_range(1..=4) {
        let at = rng.random_range(0..=chars.len());
        let new = ALPHABET[rng.random_range(0..ALPHABET.len())];
        match rng.random_range(0..4) {
            0 => chars.insert(at, new),
            1 if at < chars.len() => {
                chars.remove(at);
            }
            2 if at < chars.len() => chars[at] = new,
            _ => chars.truncate(at),
        }
    }
    chars.into_iter().collect()
}

fn random_text(rng: &mut StdRng) -> String {
    (0..rng.random_range(0..24))
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())])
        .collect()
}

#[test]
fn decode_never_panics_and_bounds_its_reasons() {
    let mut rng = StdRng::seed_from_u64(0x5eed_2016);
    for round in 0..4000 {
        let text = if round % 4 == 0 {
            random_text(&mut rng)
        } else {
            let seed = SEEDS[rng.random_range(0..SEEDS.len())];
            mutate(&mut rng, seed)
        };
        for codec in [Codec::SocketIo, Codec::Json] {
            if let Inbound::Invalid(reason) = codec.decode(&text) {
                assert!(reason.len() < 300, "{codec:?} {text:?} → {reason}");
            }
        }
    }
}

#[test]
fn deep_nesting_is_invalid_not_a_stack_overflow() {
    let deep = format!("42{}", "[".repeat(100_000));
    assert!(matches!(Codec::SocketIo.decode(&deep), Inbound::Invalid(_)));
    let deep = format!(r#"{{"type":"join","data":{}}}"#, "[".repeat(100_000));
    assert!(matches!(Codec::Json.decode(&deep), Inbound::Invalid(_)));
}
