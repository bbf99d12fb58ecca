//! Players on different nodes in one game.

use serde_json::Value;

use super::nodes::{Node, Prefix, RedisServer, stack_redis};
use crate::helpers::Client;

fn user(uid: &str) -> String {
    format!(r#"{{"user":{{"uid":"{uid}","uname":"{uid}","uavatar":"http://a/{uid}.png"}}}}"#)
}

/// A socket.io player that said hello (its `hi` read).
pub(super) async fn socketio(node: &Node, uid: &str) -> Client {
    let mut client = node.server.socketio().await;
    client.send(&format!(r#"42["hello",{}]"#, user(uid))).await;
    assert!(client.text().await.starts_with(r#"42["hi""#));
    client
}

/// A JSON player that said hello; `query` is appended to the path (`?resume…`).
pub(super) async fn json(node: &Node, uid: &str, query: &str) -> (Client, Option<Value>) {
    let mut client = node
        .server
        .connect(&format!("/applet/websocket/ws{query}"))
        .await;
    assert!(client.text().await.starts_with(r#"{"type":"open""#));
    let resume = if query.is_empty() {
        None
    } else {
        Some(super::resume::resume_frame(&client.text().await))
    };
    client
        .send(&format!(r#"{{"type":"hello","data":{}}}"#, user(uid)))
        .await;
    assert!(client.text().await.starts_with(r#"{"type":"hi""#));
    (client, resume)
}

/// The next event of either framing as `(name, payload)`.
async fn event(client: &mut Client) -> (String, Value) {
    let text = client.text().await;
    if let Some(packet) = text.strip_prefix("42") {
        let array: Value = serde_json::from_str(packet).unwrap_or_default();
        return (
            array[0].as_str().unwrap_or_default().into(),
            array[1].clone(),
        );
    }
    let frame: Value = serde_json::from_str(&text).unwrap_or_default();
    (
        frame["type"].as_str().unwrap_or_default().into(),
        frame["data"].clone(),
    )
}

/// The next event named `name`, skipping others.
pub(super) async fn until(client: &mut Client, name: &str) -> Value {
    loop {
        let (event, payload) = event(client).await;
        if event == name {
            return payload;
        }
    }
}

pub(super) fn uids(start: &Value) -> Vec<String> {
    let mut uids: Vec<String> = start["roomUsers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|user| user["uid"].as_str().map(str::to_owned))
        .collect();
    uids.sort();
    uids
}

/// Heartbeats of the tests that kill nothing: long enough that a node stalled by a loaded
/// machine is never taken for dead (which voids its rounds and re-seats its players).
pub(super) const STEADY_TTL_MS: u64 = 5_000;

/// Heartbeats of the tests that kill a node or Redis: noticed within 600 ms.
const FAST_TTL_MS: u64 = 600;

async fn cluster_of(count: usize, redis: &str, prefix: &Prefix, ttl_ms: u64) -> Vec<Node> {
    let mut nodes = Vec::new();
    for _ in 0..count {
        let node = Node::start(redis, prefix, |settings| {
            settings.cluster.heartbeat_ttl_ms = ttl_ms;
        });
        nodes.push(node.await);
    }
    for node in &nodes {
        node.wait_ready(200).await;
        node.wait_for_nodes(count as u64).await;
    }
    nodes
}

#[tokio::test]
async fn a_socketio_player_on_one_node_and_a_json_player_on_another_play_full_rounds() {
    let redis = stack_redis();
    let prefix = Prefix::new(&redis);
    let nodes = cluster_of(2, &redis, &prefix, STEADY_TTL_MS).await;
    let mut a = socketio(&nodes[0], "sio").await;
    let (mut b, _) = json(&nodes[1], "json", "").await;
    for round in 1..=2 {
        // Round 1: both join at once, each on its node. Round 2: `a` joins again, back into
        // the room `b` kept (were both to join again, the first `start` each sees could be
        // that of a round the other's re-join restarts at once).
        a.send(r#"42["join"]"#).await;
        if round == 1 {
            b.send(r#"{"type":"join"}"#).await;
        }
        let (start_a, start_b) = (until(&mut a, "start").await, until(&mut b, "start").await);
        assert_eq!(uids(&start_a), ["json", "sio"], "round {round}: {start_a}");
        assert_eq!(start_a, start_b);
        // Rock beats scissors; each sees that the other chose, never what.
        a.send(r#"42["choice",{"choice":2}]"#).await;
        assert_eq!(
            until(&mut b, "movement").await,
            serde_json::json!({"uid":"sio","movement":"choice"})
        );
        b.send(r#"{"type":"choice","data":{"choice":1}}"#).await;
        assert_eq!(
            until(&mut a, "movement").await,
            serde_json::json!({"uid":"json","movement":"choice"})
        );
        b.send(r#"{"type":"face","data":{"face":3}}"#).await;
        assert_eq!(
            until(&mut a, "movement").await,
            serde_json::json!({"uid":"json","movement":"face","face":3})
        );
        let (result_a, result_b) = (until(&mut a, "result").await, until(&mut b, "result").await);
        assert_eq!(result_a, result_b);
        let winner = &result_a["result"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|line| line["uid"] == "sio");
        let winner = winner.cloned().unwrap_or_default();
        // 1 then 2 (the streak doubles): totals 1, 3.
        assert_eq!(winner["winStreak"], round, "{result_a}");
        assert_eq!(
            winner["totalScore"],
            if round == 1 { 1 } else { 3 },
            "{result_a}"
        );
    }
    // `leave` crosses nodes too.
    a.send(r#"42["leave"]"#).await;
    assert_eq!(
        until(&mut b, "leave").await,
        serde_json::json!({"uid":"sio"})
    );
    let stats = nodes[0].stats().await;
    assert_eq!(stats["cluster"]["state"], "joined", "{stats}");
    assert!(stats["players"].is_number() && stats["cluster"]["totals"]["players"].is_number());
}

#[tokio::test]
async fn players_arriving_at_every_node_meet_each_other_not_bots() {
    let redis = stack_redis();
    let prefix = Prefix::new(&redis);
    let nodes = cluster_of(3, &redis, &prefix, STEADY_TTL_MS).await;
    let mut players = Vec::new();
    for index in 0..6 {
        let mut player = socketio(&nodes[index % 3], &format!("p{index}")).await;
        player.send(r#"42["join"]"#).await;
        players.push(player);
    }
    let mut seen = Vec::new();
    for player in &mut players {
        let start = until(player, "start").await;
        let uids = uids(&start);
        assert_eq!(uids.len(), 2, "{start}");
        assert!(
            uids.iter().all(|uid| uid.starts_with('p')),
            "a bot sat down: {start}"
        );
        seen.extend(uids);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 6, "{seen:?}");
}

#[tokio::test]
async fn a_player_whose_opponents_node_dies_is_seated_again() {
    let redis = stack_redis();
    let prefix = Prefix::new(&redis);
    let mut nodes = cluster_of(3, &redis, &prefix, FAST_TTL_MS).await;
    // Owner side: a joins first on node 0 (its room), b claims the seat from node 1.
    let mut a = socketio(&nodes[0], "a").await;
    a.send(r#"42["join"]"#).await;
    let mut b = socketio(&nodes[1], "b").await;
    b.send(r#"42["join"]"#).await;
    assert_eq!(uids(&until(&mut a, "start").await), ["a", "b"]);
    assert_eq!(uids(&until(&mut b, "start").await), ["a", "b"]);
    // The owner dies mid-round: b (on a live node) gets a new seat — a bot's, nobody waits.
    nodes[0].kill();
    let start = until(&mut b, "start").await;
    assert_eq!(uids(&start).len(), 2, "{start}");
    assert!(
        uids(&start).iter().any(|uid| uid.starts_with("robot-")),
        "{start}"
    );
    // The other way round: c's room on node 2, d from node 1; node 1 dies, c gets a bot.
    let mut c = socketio(&nodes[2], "c").await;
    c.send(r#"42["join"]"#).await;
    let mut d = socketio(&nodes[1], "d").await;
    d.send(r#"42["join"]"#).await;
    let first = until(&mut c, "start").await;
    assert!(uids(&first).contains(&"c".to_owned()), "{first}");
    nodes[1].kill();
    loop {
        let start = until(&mut c, "start").await;
        if uids(&start).iter().any(|uid| uid.starts_with("robot-")) {
            break;
        }
    }
    nodes[2].wait_for_nodes(1).await;
}

#[tokio::test]
async fn nodes_play_locally_while_redis_is_down_and_join_again_when_it_is_back() {
    let mut redis = RedisServer::start();
    let url = redis.url();
    let prefix = Prefix::new(&url);
    let nodes = cluster_of(2, &url, &prefix, FAST_TTL_MS).await;
    redis.stop();
    nodes[0].wait_ready(503).await;
    nodes[1].wait_ready(503).await;
    let url_ready = nodes[0].server.http_url("/readyz");
    let body = reqwest::get(&url_ready).await.map(|r| r.status()).ok();
    assert_eq!(body.map(|s| s.as_u16()), Some(503));
    // Local play goes on: a lone player gets a bot.
    let mut a = socketio(&nodes[0], "a").await;
    a.send(r#"42["join"]"#).await;
    let start = until(&mut a, "start").await;
    assert!(
        uids(&start).iter().any(|uid| uid.starts_with("robot-")),
        "{start}"
    );
    assert_eq!(nodes[0].stats().await["cluster"]["state"], "degraded");
    redis.restart();
    nodes[0].wait_ready(200).await;
    nodes[1].wait_ready(200).await;
    nodes[0].wait_for_nodes(2).await;
    // One game again: players of both nodes meet.
    let mut b = socketio(&nodes[0], "b").await;
    b.send(r#"42["join"]"#).await;
    let mut c = socketio(&nodes[1], "c").await;
    c.send(r#"42["join"]"#).await;
    let start = until(&mut c, "start").await;
    assert_eq!(uids(&start), ["b", "c"], "{start}");
    drop(prefix);
}
