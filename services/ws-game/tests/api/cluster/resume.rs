//! Resuming across nodes: a JSON player's token brings its seat, score and streak back on
//! whichever node it reconnects to.

use serde_json::Value;

use super::{
    nodes::{Node, Prefix, stack_redis},
    play::{STEADY_TTL_MS, json, socketio, uids, until},
};

/// The `resume` frame, checked against `proto/ws-game/resume.schema.json` in its envelope.
pub(super) fn resume_frame(text: &str) -> Value {
    let frame: Value = serde_json::from_str(text).unwrap_or_default();
    crate::schema::check("json-server-frame", &frame, text);
    crate::schema::check("resume", &frame["data"], text);
    frame
}

#[tokio::test]
async fn a_json_player_resumes_its_seat_score_and_streak_on_another_node() {
    let redis = stack_redis();
    let prefix = Prefix::new(&redis);
    let mut nodes = Vec::new();
    for _ in 0..2 {
        let node = Node::start(&redis, &prefix, |settings| {
            settings.game.game_time_secs = 3;
            settings.cluster.heartbeat_ttl_ms = STEADY_TTL_MS;
        });
        nodes.push(node.await);
    }
    for node in &nodes {
        node.wait_ready(200).await;
        node.wait_for_nodes(2).await;
    }
    let (mut j, resume) = json(&nodes[0], "j", "?resume").await;
    let resume = resume.unwrap_or_default();
    assert_eq!(resume["type"], "resume");
    assert_eq!(resume["data"]["resumed"], false);
    let token = resume["data"]["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(token.len() >= 20, "{resume}");
    let mut s = socketio(&nodes[1], "s").await;
    j.send(r#"{"type":"join"}"#).await;
    s.send(r#"42["join"]"#).await;
    until(&mut j, "start").await;
    until(&mut s, "start").await;
    j.send(r#"{"type":"choice","data":{"choice":2}}"#).await;
    s.send(r#"42["choice",{"choice":1}]"#).await;
    until(&mut j, "result").await;
    until(&mut s, "result").await;
    // Round 2 (j joins again, back into the room s kept): j drops mid-round and comes back on
    // the other node with its token.
    j.send(r#"{"type":"join"}"#).await;
    let start = until(&mut j, "start").await;
    assert_eq!(uids(&start), ["j", "s"], "{start}");
    until(&mut s, "start").await;
    drop(j);
    let mut j = nodes[1]
        .server
        .connect(&format!("/applet/websocket/ws?resume={token}"))
        .await;
    assert!(j.text().await.starts_with(r#"{"type":"open""#));
    let resumed = resume_frame(&j.text().await);
    assert_eq!(resumed["data"]["resumed"], true, "{resumed}");
    assert_eq!(resumed["data"]["token"], token.as_str());
    j.send(r#"{"type":"choice","data":{"choice":2}}"#).await;
    assert_eq!(until(&mut s, "movement").await["uid"], "j");
    s.send(r#"42["choice",{"choice":1}]"#).await;
    let result = until(&mut j, "result").await;
    let line = result["result"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|line| line["uid"] == "j")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (line["totalScore"].clone(), line["winStreak"].clone()),
        (3.into(), 2.into()),
        "{result}"
    );
}

/// j's `totalScore` and `winStreak` in a `start` or `result` payload.
fn score_of_j(payload: &Value, list: &str) -> (Value, Value) {
    let line = payload[list]
        .as_array()
        .into_iter()
        .flatten()
        .find(|line| line["uid"] == "j")
        .cloned()
        .unwrap_or_default();
    (line["totalScore"].clone(), line["winStreak"].clone())
}

#[tokio::test]
async fn a_player_resumed_on_its_rooms_node_keeps_the_score_it_wins_there() {
    let redis = stack_redis();
    let prefix = Prefix::new(&redis);
    let mut nodes = Vec::new();
    for _ in 0..2 {
        // 3 s rounds: the resume lands well within the round.
        let node = Node::start(&redis, &prefix, |settings| {
            settings.game.game_time_secs = 3;
            settings.cluster.heartbeat_ttl_ms = STEADY_TTL_MS;
        });
        nodes.push(node.await);
    }
    for node in &nodes {
        node.wait_ready(200).await;
        node.wait_for_nodes(2).await;
    }
    // s opens the room on node 1; j (node 0) sits in it as a remote member.
    let mut s = socketio(&nodes[1], "s").await;
    s.send(r#"42["join"]"#).await;
    let opened = async {
        while nodes[1].stats().await["rooms"] != 1 {
            tokio::task::yield_now().await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(5), opened)
        .await
        .unwrap_or_else(|_| panic!("node 1 never opened s's room"));
    let (mut j, resume) = json(&nodes[0], "j", "?resume").await;
    let token = resume.unwrap_or_default()["data"]["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    j.send(r#"{"type":"join"}"#).await;
    until(&mut j, "start").await;
    until(&mut s, "start").await;
    // Mid-round, j drops and comes back on node 1, the room's own node, then wins the round.
    drop(j);
    let mut j = nodes[1]
        .server
        .connect(&format!("/applet/websocket/ws?resume={token}"))
        .await;
    assert!(j.text().await.starts_with(r#"{"type":"open""#));
    assert_eq!(resume_frame(&j.text().await)["data"]["resumed"], true);
    j.send(r#"{"type":"choice","data":{"choice":2}}"#).await;
    assert_eq!(until(&mut s, "movement").await["uid"], "j");
    s.send(r#"42["choice",{"choice":1}]"#).await;
    let result = until(&mut j, "result").await;
    assert_eq!(
        score_of_j(&result, "result"),
        (1.into(), 1.into()),
        "{result}"
    );
    // The next round's seat is made from j's own copy of its score: the one the room kept.
    j.send(r#"{"type":"join"}"#).await;
    let start = until(&mut j, "start").await;
    assert_eq!(
        score_of_j(&start, "roomUsers"),
        (1.into(), 1.into()),
        "{start}"
    );
}
