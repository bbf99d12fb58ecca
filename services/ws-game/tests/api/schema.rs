//! Every payload ws-game sends, and every payload these tests send, checked against the JSON
//! Schemas of `proto/ws-game/` (`proto/ws-game.md`), in both framings, over real sockets.
//!
//! A [`Player`] decodes each frame by hand (not with the project's codec), picks the schema by
//! event name and fails the test, quoting the frame, on the first mismatch — so no frame can slip
//! past unvalidated, whether a test waits for it or skips over it.

use std::{collections::BTreeMap, path::Path, sync::LazyLock};

use jsonschema::Validator;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{Client, TestServer, spawn};

/// The original robot's avatar (`spec/originals.md` §2.4).
const ROBOT_AVATAR: &str = "http://www.scoutiegirl.com/wp-content/uploads/2015/06/Blue-Robot.png";

/// `proto/ws-game/`, from this package's manifest.
const SCHEMA_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../proto/ws-game");

/// A JSON file of `proto/ws-game/`.
fn load(file: &str) -> Value {
    let path = Path::new(SCHEMA_DIR).join(file);
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{file}: {e}"));
    parse(&text, file)
}

/// Every `proto/ws-game/*.schema.json`, compiled, by name without `.schema.json`.
static VALIDATORS: LazyLock<BTreeMap<String, Validator>> = LazyLock::new(|| {
    let files = std::fs::read_dir(SCHEMA_DIR).unwrap_or_else(|e| panic!("{SCHEMA_DIR}: {e}"));
    let files = files.filter_map(|entry| entry.ok()?.file_name().into_string().ok());
    let names = files.filter_map(|file| Some(file.strip_suffix(".schema.json")?.to_owned()));
    let compile =
        |name: String| match jsonschema::validator_for(&load(&format!("{name}.schema.json"))) {
            Ok(validator) => (name, validator),
            Err(error) => panic!("{name}.schema.json does not compile: {error}"),
        };
    names.map(compile).collect()
});

fn validator(schema: &str) -> &'static Validator {
    VALIDATORS
        .get(schema)
        .unwrap_or_else(|| panic!("no schema {schema}"))
}

/// Fails the test unless `payload` matches `proto/ws-game/<schema>.schema.json`.
pub(crate) fn check(schema: &str, payload: &Value, frame: &str) {
    let errors: Vec<String> = validator(schema)
        .iter_errors(payload)
        .map(|error| format!("{error} (at {})", error.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "frame {frame} does not match {schema}.schema.json: {}",
        errors.join("; ")
    );
}

/// The events a server may send (`proto/ws-game.md`); a payload's schema has the event's name
/// (so has a client event's, but for the argument-less `join` and `leave`).
const SERVER_EVENTS: [&str; 5] = ["hi", "start", "movement", "result", "leave"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    SocketIo,
    Json,
}

/// A player speaking one framing; every frame it writes or reads is validated.
struct Player {
    client: Client,
    framing: Framing,
}

impl Player {
    /// Connect, then read and validate the greeting (`0{…}` + `40`, or `open`).
    async fn connect(server: &TestServer, framing: Framing) -> Self {
        let path = match framing {
            Framing::SocketIo => "/applet/websocket/socket.io//?EIO=3&transport=websocket",
            Framing::Json => "/applet/websocket/ws",
        };
        let client = server.connect(path).await;
        let mut player = Self { client, framing };
        assert_eq!(player.recv().await.0, "open");
        if framing == Framing::SocketIo {
            assert_eq!(player.recv().await.0, "connect");
        }
        player
    }

    /// Validate `payload` against the event's schema, frame it, send it.
    async fn send(&mut self, name: &str, payload: Option<Value>) {
        let schema = payload.as_ref().map_or("no-arguments", |_| name);
        let frame = match self.framing {
            Framing::SocketIo => {
                let arguments = [json!(name)].into_iter().chain(payload.clone());
                format!("42{}", Value::Array(arguments.collect()))
            }
            Framing::Json => json_frame(name, payload.clone()),
        };
        check(schema, payload.as_ref().unwrap_or(&Value::Null), &frame);
        self.client.send(&frame).await;
    }

    async fn hello(&mut self, uid: &str) {
        let user = json!({"user": {"uid": uid, "uname": format!("玩家{uid}"), "uavatar": format!("http://a/{uid}.png")}});
        self.send("hello", Some(user)).await;
        assert_eq!(self.until("hi").await["nearby"], 10);
    }

    /// A heartbeat and its answer; everything that arrives before the pong is validated.
    async fn ping(&mut self) {
        let ping = match self.framing {
            Framing::SocketIo => "2probe".to_owned(),
            Framing::Json => json_frame("ping", None),
        };
        self.client.send(&ping).await;
        self.until("pong").await;
    }

    /// The next frame as (event name, payload), validated.
    async fn recv(&mut self) -> (String, Value) {
        let frame = self.client.text().await;
        self.decode(&frame)
    }

    fn decode(&self, frame: &str) -> (String, Value) {
        match self.framing {
            Framing::SocketIo => decode_socket_io(frame),
            Framing::Json => decode_json(frame),
        }
    }

    /// Frames up to the next `name` event (each one validated); its payload.
    async fn until(&mut self, name: &str) -> Value {
        loop {
            let (got, payload) = self.recv().await;
            if got == name {
                return payload;
            }
        }
    }

    /// Frames up to the next `start`, validated. The round that lost a member is void: a
    /// `result` before the next round starts (a bot or a returning player refills the room)
    /// would be that round's. Waits for the event itself, not a window of time.
    async fn expect_start_before_any_result(&mut self) -> Value {
        loop {
            let (name, payload) = self.recv().await;
            match name.as_str() {
                "start" => return payload,
                "result" => panic!("the void round got a result: {payload}"),
                _ => {}
            }
        }
    }
}

/// A JSON-framing client frame, checked against its envelope schema.
fn json_frame(name: &str, payload: Option<Value>) -> String {
    let mut frame = json!({ "type": name });
    if let Some(payload) = payload {
        frame["data"] = payload;
    }
    check("json-client-frame", &frame, &frame.to_string());
    frame.to_string()
}

fn parse(json: &str, frame: &str) -> Value {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {frame}"))
}

/// A socket.io frame: only `0{…}`, `40`, `3` and `42["name",payload]` may come from the server.
fn decode_socket_io(frame: &str) -> (String, Value) {
    if let Some(open) = frame.strip_prefix('0') {
        let payload = parse(open, frame);
        check("engineio-open", &payload, frame);
        return ("open".into(), payload);
    }
    match frame {
        "40" => return ("connect".into(), Value::Null),
        "3" => return ("pong".into(), Value::Null),
        _ => {}
    }
    let event = frame
        .strip_prefix("42")
        .map(serde_json::from_str::<[Value; 2]>);
    let Some(Ok([Value::String(name), payload])) = event else {
        panic!("not 0{{…}}, 40, 3 or 42[\"name\",payload]: {frame}");
    };
    assert!(SERVER_EVENTS.contains(&name.as_str()), "{frame}");
    check(&name, &payload, frame);
    (name, payload)
}

/// A JSON frame: the envelope, then `data` by `type`.
fn decode_json(frame: &str) -> (String, Value) {
    let value = parse(frame, frame);
    check("json-server-frame", &value, frame);
    let name = value["type"].as_str().unwrap_or_default().to_owned();
    if name != "pong" {
        // The envelope schema allows only the events and the framing's own open and error.
        check(&name, &value["data"], frame);
    }
    (name, value["data"].clone())
}

async fn stats(server: &TestServer) -> Value {
    let url = server.http_url("/applet/websocket/stats");
    let response = reqwest::get(&url)
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    assert_eq!(response.status(), 200);
    let body = response.text().await.unwrap_or_default();
    let stats = parse(&body, &body);
    check("stats", &stats, &body);
    stats
}

fn uids(start: &Value) -> Vec<&str> {
    let users = start["roomUsers"].as_array().into_iter().flatten();
    users.filter_map(|user| user["uid"].as_str()).collect()
}

/// The first element of the array `list` that `pick` accepts (`null` if none).
fn find(list: &Value, pick: impl Fn(&Value) -> bool) -> &Value {
    let mut items = list.as_array().into_iter().flatten();
    items.find(|item| pick(item)).unwrap_or(&Value::Null)
}

/// Walks a schema: every subschema that lists `properties` also closes them.
fn assert_closed(file: &str, schema: &Value) {
    if let Some(object) = schema.as_object() {
        let closed = object.get("additionalProperties") == Some(&json!(false));
        assert!(
            closed || !object.contains_key("properties"),
            "{file}: {schema}"
        );
        for (key, child) in object {
            // Conditions (`if`/`then`/`else`) only narrow an object that is closed already.
            if !["if", "then", "else"].contains(&key.as_str()) {
                assert_closed(file, child);
            }
        }
    }
    for item in schema.as_array().into_iter().flatten() {
        assert_closed(file, item);
    }
}

#[test]
fn every_schema_is_a_closed_2020_12_schema_and_its_examples_match() {
    assert_eq!(VALIDATORS.len(), 16, "{:?}", VALIDATORS.keys());
    for name in VALIDATORS.keys() {
        let schema = load(&format!("{name}.schema.json"));
        let draft = "https://json-schema.org/draft/2020-12/schema";
        let id = schema["$id"].as_str().unwrap_or_default();
        assert!(schema["$schema"] == draft && id.ends_with(&format!("/{name}.schema.json")));
        if let Err(error) = jsonschema::meta::validate(&schema) {
            panic!("{name}: {error}");
        }
        assert_closed(name, &schema);
        let examples = schema["examples"].as_array().cloned().unwrap_or_default();
        assert!(!examples.is_empty(), "{name} has no examples");
        for example in examples {
            check(name, &example, &example.to_string());
        }
    }
}

#[test]
fn schemas_refuse_what_the_protocol_forbids() {
    let refused = load("refused.json");
    let refused = refused.as_object().into_iter().flatten();
    for (schema, payloads) in refused.filter(|(key, _)| !key.starts_with('$')) {
        for payload in payloads.as_array().into_iter().flatten() {
            assert!(
                !validator(schema).is_valid(payload),
                "{schema}.schema.json accepts {payload}"
            );
        }
    }
}

/// Two humans: hello, join, choices, a face, result; a second round keeps the choices; one
/// leaves mid-round and the round is void; the other then plays `robot-N`, whose movements,
/// result and leave match too. JSON players also get error frames for refused frames.
async fn play_through(framing: Framing) {
    let server = spawn(|_| {}).await;
    let (mut a, mut b) = (
        Player::connect(&server, framing).await,
        Player::connect(&server, framing).await,
    );
    if framing == Framing::Json {
        let choice_7 = r#"{"type":"choice","data":{"choice":7}}"#;
        for bad in [
            Message::text("{"),
            Message::text(choice_7),
            Message::binary(vec![1]),
        ] {
            a.client.send_message(bad).await;
            a.until("error").await;
        }
    }
    a.ping().await;
    a.hello("a").await;
    b.hello("b").await;
    a.send("join", None).await;
    b.send("join", None).await;
    assert_eq!(uids(&a.until("start").await), ["a", "b"]);
    assert_eq!(uids(&b.until("start").await), ["a", "b"]);
    a.send("choice", Some(json!({"choice": 2}))).await;
    assert_eq!(b.until("movement").await["uid"], "a");
    b.send("choice", Some(json!({"choice": 1}))).await;
    b.send("face", Some(json!({"face": 1}))).await;
    assert_eq!(a.until("movement").await["movement"], "choice");
    assert_eq!(a.until("movement").await["movement"], "face");
    let result = a.until("result").await;
    assert_eq!(result, b.until("result").await);

    // `a` joins again: back into the room `b` kept; both choices are remembered.
    a.send("join", None).await;
    let start = b.until("start").await;
    assert_eq!(uids(&start), ["b", "a"]);
    assert_eq!(start["roomUsers"][1]["choice"], 2);
    a.until("start").await;
    a.send("leave", None).await;
    assert_eq!(b.until("leave").await, json!({"uid": "a"}));
    // Alone: a bot takes the free seat (the join timer `a` armed, or the void round's); the
    // unfinished round is never judged.
    let refilled = b.expect_start_before_any_result().await;
    assert!(
        uids(&refilled).iter().any(|uid| uid.starts_with("robot-")),
        "{refilled}"
    );

    // Alone: the robot comes (the void round re-arms the bot timer, or this join does).
    b.send("join", None).await;
    let start = b.until("start").await;
    let robot = find(&start["roomUsers"], |user| user["uid"] != "b");
    let robot_uid = robot["uid"].as_str().unwrap_or_default();
    assert!(
        robot_uid.starts_with("robot-") && robot["uavatar"] == ROBOT_AVATAR,
        "{start}"
    );
    b.send("choice", Some(json!({"choice": 3}))).await;
    let result = b.until("result").await;
    assert_eq!(
        find(&result["result"], |entry| entry["uid"] == "b")["choice"],
        3
    );
    // The robot follows its partner out, and its own leave reaches the leaver (§2.4).
    b.send("leave", None).await;
    assert_eq!(b.until("leave").await, json!({ "uid": robot_uid }));
    b.ping().await;
}

#[tokio::test]
async fn every_frame_of_a_play_through_matches_the_schemas_in_both_framings() {
    tokio::join!(play_through(Framing::SocketIo), play_through(Framing::Json));
}

/// A JSON and a socket.io player in one room, the stats route around it, and a void round after
/// a disconnect.
#[tokio::test]
async fn mixed_room_and_stats_match_the_schemas() {
    let server = spawn(|_| {}).await;
    assert_eq!(stats(&server).await["connections"], 0);
    let mut modern = Player::connect(&server, Framing::Json).await;
    let mut original = Player::connect(&server, Framing::SocketIo).await;
    for (player, uid) in [(&mut modern, "modern"), (&mut original, "original")] {
        player.hello(uid).await;
        player.send("join", None).await;
    }
    assert_eq!(uids(&original.until("start").await), ["modern", "original"]);
    modern.until("start").await;
    modern.send("choice", Some(json!({"choice": 3}))).await;
    original.send("choice", Some(json!({"choice": 2}))).await;
    original.until("result").await;
    modern.until("result").await;
    let counted = stats(&server).await;
    assert_eq!(counted["connections"], 2, "{counted}");
    assert_eq!(counted["rounds"], 1, "{counted}");

    modern.send("join", None).await;
    original.until("start").await;
    modern.until("start").await;
    drop(modern);
    // The bot its join called for takes the free seat; the round starts afresh, never judged.
    original.expect_start_before_any_result().await;
    original.ping().await;
    assert_eq!(stats(&server).await["connections"], 1);
}
