//! The node's two long-lived cluster tasks.
//!
//! - [`publish`]: takes every queued [`Outgoing`] message, groups what is queued at that moment
//!   by destination node, and sends one `PUBLISH` per node, all in one pipeline: under load a
//!   round trip to Redis carries many messages, at rest one.
//! - [`supervise`]: connects (a multiplexed connection for commands and publishes, one pub/sub
//!   connection subscribed to this node's channel), beats, watches the other nodes, hands
//!   what arrives to the rooms, players and matchmaker — and when Redis goes away, tells the
//!   matchmaker to play locally and retries every heartbeat interval as a new incarnation.

use std::{sync::Arc, time::Duration};

use futures_util::StreamExt;
use redis::AsyncCommands;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::{
    Cluster, ClusterEvent, ClusterState, NodeStats, Outgoing, locked, node_id,
    wire::{self, Wire},
};
use crate::{
    game::{
        Game, OutboundEvent,
        member::{MemberId, lock},
        room::RoomCommand,
    },
    protocol::Movement,
};
use std::sync::atomic::Ordering;

/// Messages published in one pipeline at most, so one batch never grows without bound.
const MAX_BATCH: usize = 1024;

type Batch = Vec<(Wire, Option<Arc<OutboundEvent>>)>;

/// `{prefix}:node:{id}`: where node `id` listens.
pub(super) fn channel(prefix: &str, node: &str) -> String {
    format!("{prefix}:node:{node}")
}

fn heartbeat_key(prefix: &str, node: &str) -> String {
    format!("{prefix}:hb:{node}")
}

/// The publisher: until shutdown.
pub(super) async fn publish(
    cluster: Arc<Cluster>,
    mut queue: mpsc::Receiver<Outgoing>,
    shutdown: CancellationToken,
) {
    let prefix = cluster.config.key_prefix.clone();
    let mut by_node: Vec<(Arc<str>, Batch)> = Vec::new();
    loop {
        let first = tokio::select! {
            () = shutdown.cancelled() => break,
            first = queue.recv() => match first {
                Some(first) => first,
                None => break,
            },
        };
        let mut queued = vec![first];
        while queued.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(next) => queued.push(next),
                Err(_) => break,
            }
        }
        let count = queued.len() as u64;
        for Outgoing { node, wire } in queued {
            let index = match by_node.iter().position(|(to, _)| *to == node) {
                Some(index) => index,
                None => {
                    by_node.push((node, Vec::new()));
                    by_node.len() - 1
                }
            };
            wire::push(&mut by_node[index].1, wire);
        }
        let connection = cluster.connection.borrow().clone();
        let Some(mut connection) = connection else {
            by_node.clear();
            cluster.messages_dropped.fetch_add(count, Ordering::Relaxed);
            continue;
        };
        let mut pipe = redis::pipe();
        for (node, batch) in by_node.drain(..) {
            pipe.publish(channel(&prefix, &node), wire::encode(&batch))
                .ignore();
        }
        match pipe.query_async::<()>(&mut connection).await {
            Ok(()) => cluster.messages_out.fetch_add(count, Ordering::Relaxed),
            Err(error) => {
                log::debug!("cluster publish failed: {error}");
                cluster.messages_dropped.fetch_add(count, Ordering::Relaxed)
            }
        };
    }
}

/// The link: until shutdown.
pub(super) async fn supervise(
    cluster: Arc<Cluster>,
    events: mpsc::UnboundedSender<ClusterEvent>,
    game: Game,
    shutdown: CancellationToken,
) {
    let mut epoch = 0;
    loop {
        let link = Link {
            cluster: &cluster,
            events: &events,
            game: &game,
            node: node_id(cluster.tag, epoch),
        };
        let ended = tokio::select! {
            () = shutdown.cancelled() => break,
            ended = link.run(&shutdown) => ended,
        };
        if let Err(error) = ended {
            log::warn!("cluster: redis unreachable ({error}); playing with local players only");
        }
        if shutdown.is_cancelled() {
            break;
        }
        cluster.connection.send_replace(None);
        if cluster.state() != ClusterState::Degraded {
            cluster.set_state(ClusterState::Degraded);
            let _ = events.send(ClusterEvent::Lost);
        }
        epoch += 1;
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(cluster.config.heartbeat_interval) => {}
        }
    }
}

struct Link<'a> {
    cluster: &'a Arc<Cluster>,
    events: &'a mpsc::UnboundedSender<ClusterEvent>,
    game: &'a Game,
    node: Arc<str>,
}

impl Link<'_> {
    /// One incarnation: connect, beat and listen until Redis fails or shutdown.
    async fn run(&self, shutdown: &CancellationToken) -> redis::RedisResult<()> {
        let config = &self.cluster.config;
        let client = redis::Client::open(secrecy::ExposeSecret::expose_secret(&config.redis_url))?;
        let wait = config.heartbeat_interval.max(Duration::from_millis(500));
        let timed =
            |what: &'static str| move |_| redis::RedisError::from((redis::ErrorKind::Io, what));
        let mut connection = tokio::time::timeout(wait, client.get_multiplexed_async_connection())
            .await
            .map_err(timed("connect timed out"))??;
        let mut pubsub = tokio::time::timeout(wait, client.get_async_pubsub())
            .await
            .map_err(timed("pub/sub connect timed out"))??;
        pubsub
            .subscribe(channel(&config.key_prefix, &self.node))
            .await?;
        let (_subscriptions, mut messages) = pubsub.split();
        *locked(&self.cluster.node) = Arc::clone(&self.node);
        self.beat(&mut connection, true).await?;
        self.cluster
            .connection
            .send_replace(Some(connection.clone()));
        self.cluster.set_state(ClusterState::Joined);
        let _ = self.events.send(ClusterEvent::Joined);
        log::info!("cluster: joined as node {}", self.node);
        let mut ticks = tokio::time::interval(config.heartbeat_interval);
        ticks.tick().await;
        loop {
            tokio::select! {
                () = shutdown.cancelled() => {
                    self.leave(&mut connection).await;
                    return Ok(());
                }
                message = messages.next() => match message {
                    Some(message) => self.dispatch(message.get_payload_bytes()).await,
                    None => return Err((redis::ErrorKind::Io, "pub/sub connection lost").into()),
                },
                _ = ticks.tick() => {
                    tokio::time::timeout(wait, self.beat(&mut connection, false))
                        .await
                        .map_err(timed("heartbeat timed out"))??;
                }
            }
        }
    }

    /// Refreshes this node's heartbeat, then checks every listed node's: a node whose heartbeat
    /// expired is dead (unlisted, its rooms purged). Tells the matchmaker who is alive.
    ///
    /// # Errors
    /// Redis failed — or, past the `first` beat, this node was no longer listed: another node
    /// took it for dead (it stalled longer than `heartbeat_ttl`) and has dropped its members
    /// and rooms; it goes on as a new incarnation, as after losing Redis, so that neither side
    /// keeps seats the other has given up.
    async fn beat(
        &self,
        connection: &mut redis::aio::MultiplexedConnection,
        first: bool,
    ) -> redis::RedisResult<()> {
        let config = &self.cluster.config;
        let prefix = &config.key_prefix;
        let nodes_key = format!("{prefix}:nodes");
        let stats = NodeStats::from(self.cluster.counters.snapshot());
        let ttl = u64::try_from(config.heartbeat_ttl.as_millis()).unwrap_or(u64::MAX);
        let (added, nodes): (i64, Vec<String>) = redis::pipe()
            .cmd("SET")
            .arg(heartbeat_key(prefix, &self.node))
            .arg(serde_json::to_string(&stats).unwrap_or_default())
            .arg("PX")
            .arg(ttl)
            .ignore()
            .sadd(&nodes_key, &*self.node)
            .smembers(&nodes_key)
            .query_async(connection)
            .await?;
        if added == 1 && !first {
            log::warn!(
                "cluster: node {} was taken for dead; joining again",
                self.node
            );
            return Err((redis::ErrorKind::Io, "taken for dead by another node").into());
        }
        let keys: Vec<String> = nodes
            .iter()
            .map(|node| heartbeat_key(prefix, node))
            .collect();
        let beats: Vec<Option<String>> = connection.mget(&keys).await?;
        let mut live = Vec::with_capacity(nodes.len());
        let mut totals = NodeStats::default();
        for (node, beat) in nodes.into_iter().zip(beats) {
            match beat.and_then(|beat| serde_json::from_str::<NodeStats>(&beat).ok()) {
                Some(stats) => {
                    totals.players += stats.players;
                    totals.rooms += stats.rooms;
                    totals.rounds += stats.rounds;
                    totals.void_rounds += stats.void_rounds;
                    live.push(Arc::<str>::from(node));
                }
                None => {
                    log::info!("cluster: node {node} is dead (no heartbeat)");
                    let _: i64 = connection.srem(&nodes_key, &node).await?;
                    super::Lobby::new(connection.clone(), prefix)
                        .purge_node(&node)
                        .await?;
                }
            }
        }
        *locked(&self.cluster.view) = (live.len(), totals);
        let _ = self.events.send(ClusterEvent::LiveNodes(live));
        Ok(())
    }

    /// Graceful exit: unlist this node and its rooms at once (the others need not wait for the
    /// heartbeat to expire).
    async fn leave(&self, connection: &mut redis::aio::MultiplexedConnection) {
        let prefix = &self.cluster.config.key_prefix;
        let _: redis::RedisResult<()> = redis::pipe()
            .del(heartbeat_key(prefix, &self.node))
            .ignore()
            .srem(format!("{prefix}:nodes"), &*self.node)
            .ignore()
            .query_async(connection)
            .await;
        let _ = super::Lobby::new(connection.clone(), prefix)
            .purge_node(&self.node)
            .await;
    }

    /// One `PUBLISH` from another node.
    async fn dispatch(&self, payload: &[u8]) {
        let wires = match wire::decode(payload) {
            Ok(wires) => wires,
            Err(error) => {
                log::warn!("cluster: unreadable message ({error})");
                return;
            }
        };
        let cluster = self.cluster;
        cluster
            .messages_in
            .fetch_add(wires.len() as u64, Ordering::Relaxed);
        for wire in wires {
            match wire {
                Wire::Choice {
                    room,
                    player,
                    choice,
                } => {
                    let id = MemberId::Player(player);
                    let relayed = cluster.room(room).is_some_and(|link| {
                        link.relay.movement(id, Movement::Choice, Some(choice))
                    });
                    if !relayed {
                        self.to_room(room, RoomCommand::Choice(id, choice));
                    }
                }
                Wire::Face { room, player, face } => {
                    let id = MemberId::Player(player);
                    let relayed = cluster
                        .room(room)
                        .is_some_and(|link| link.relay.movement(id, Movement::Face(face), None));
                    if !relayed {
                        self.to_room(room, RoomCommand::Face(id, face));
                    }
                }
                Wire::Rename { room, player, user } => {
                    let (done, _) = oneshot::channel();
                    self.to_room(
                        room,
                        RoomCommand::Rename(MemberId::Player(player), user, done),
                    );
                }
                Wire::Deliver {
                    players,
                    event,
                    data,
                } => {
                    let event = OutboundEvent::new(event.into());
                    for player in players {
                        if let Some(local) = cluster.player(player) {
                            if let Some(data) = data {
                                *lock(&local.data) = data;
                            }
                            local.outbox.deliver(&event);
                        }
                    }
                }
                Wire::Join {
                    room,
                    player,
                    node,
                    user,
                    data,
                } => self.tell(ClusterEvent::Join {
                    room,
                    player,
                    node,
                    user,
                    data,
                }),
                Wire::Leave {
                    room,
                    player,
                    notified,
                } => self.tell(ClusterEvent::Leave {
                    room,
                    player,
                    notified,
                }),
                Wire::Rebind { room, player, node } => {
                    self.tell(ClusterEvent::Rebind { room, player, node });
                }
                Wire::Rejected { room, player } => {
                    self.tell(ClusterEvent::Rejected { player, room })
                }
                resume @ (Wire::ResumeAsk { .. }
                | Wire::ResumeGrant { .. }
                | Wire::ResumeDeny { .. }) => self.game.on_resume_wire(resume).await,
            }
        }
    }

    /// A command for one of our rooms, through the matchmaker so that it stays behind the
    /// `Join` that seats its sender.
    fn to_room(&self, room: u64, command: RoomCommand) {
        self.tell(ClusterEvent::ToRoom { room, command });
    }

    fn tell(&self, event: ClusterEvent) {
        let _ = self.events.send(event);
    }
}
