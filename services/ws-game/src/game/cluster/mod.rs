//! Cluster mode (issue 14): every node that names the same Redis and key prefix joins one game.
//! Unset (`cluster.redis_url`), none of this runs and the engine is the single node it always
//! was.
//!
//! # Model
//!
//! - **A room has one owner**: the node that opened it runs its task (seats, round timer, bots,
//!   scoring). A player whose socket is on another node sits in it as a *remote member*: the
//!   room reaches it through a [`RemoteSink`](sink::RemoteSink) that publishes each event to the
//!   player's node; the player's node sends its `choice`/`face`/`leave` to the owner.
//! - **Matchmaking** goes through one Redis list of rooms with free seats, newest first
//!   (`{prefix}:open`, free seats per room in `{prefix}:free`, entries `node|room`). A `join`
//!   runs one script that either claims a seat of the first room listed or lists the room the
//!   joiner opens — atomically, so two players joining on two nodes at once meet in one room.
//!   A bot timer takes a seat only by claiming it the same way: a bot sits down only when no
//!   human has claimed the seat (`lobby.rs`).
//! - **Transport**: Redis pub/sub only, one channel per node (`{prefix}:node:{id}`), one
//!   subscriber connection per node, one publisher task per node that batches whatever is
//!   queued into one pipelined `PUBLISH` per destination node (`link.rs`). One publisher and
//!   one subscriber per node keep every node-to-node stream in order.
//! - **Liveness**: each node refreshes `{prefix}:hb:{id}` (TTL `heartbeat_ttl`, value: its
//!   counters) every `heartbeat_interval` and lists itself in `{prefix}:nodes`; a node whose
//!   heartbeat expired is dead: its listed rooms are purged, its remote members removed (the
//!   round ends void, the seat is offered again and the bot timer re-armed) and the players
//!   seated in its rooms join again.
//! - **Redis lost**: the node keeps playing with its own players only (remote members removed,
//!   remote seats re-joined locally), `/readyz` says degraded, and it retries each interval;
//!   back, it joins as a new incarnation (`{tag}.{epoch}`) so that nothing addressed to the
//!   old one is mistaken for current.
//!
//! Node ids are `{tag}.{epoch}` (tag: random per process). Players are numbered from
//! `tag << 32` so member ids never collide between nodes.

mod link;
mod lobby;
mod sink;
mod wire;

pub(crate) use sink::RemoteSink;

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, MutexGuard, PoisonError,
        atomic::{AtomicU8, AtomicU64, Ordering},
    },
    time::Duration,
};

use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch};
use tokio_util::{sync::CancellationToken, task::TaskTracker};

use super::{
    Outbox,
    member::SharedData,
    room::RoomId,
    seat::RoomLink,
    stats::{Counters, Stats},
};
use crate::protocol::User;

pub(crate) use lobby::{Lobby, entry};
pub(crate) use wire::{Outbound, Wire};

/// How to reach the cluster's Redis and how often to prove this node alive.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    /// `redis://…` (a secret: it may carry a password).
    pub redis_url: SecretString,
    /// Prefix of every key and channel.
    pub key_prefix: String,
    /// Between two heartbeats.
    pub heartbeat_interval: Duration,
    /// A heartbeat's lifetime: silent this long, a node is dead.
    pub heartbeat_ttl: Duration,
}

/// Messages queued for the publisher beyond this are dropped (and counted): the publisher never
/// makes a room or a connection wait.
const OUTGOING_QUEUE: usize = 65_536;

/// Where the node stands with the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClusterState {
    /// Not connected yet.
    Starting,
    /// Connected: one game with the other nodes.
    Joined,
    /// Redis unreachable: playing with this node's players only.
    Degraded,
}

/// One node's counters as its heartbeat carries them.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct NodeStats {
    /// Players connected to the node.
    pub players: usize,
    /// Rooms the node owns.
    pub rooms: usize,
    /// Rounds judged by the node's rooms.
    pub rounds: u64,
    /// Void rounds of the node's rooms.
    pub void_rounds: u64,
}

impl From<Stats> for NodeStats {
    fn from(stats: Stats) -> Self {
        Self {
            players: stats.players,
            rooms: stats.rooms,
            rounds: stats.rounds,
            void_rounds: stats.void_rounds,
        }
    }
}

/// The cluster as `/stats` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterStats {
    /// This node's id (`{tag}.{epoch}`).
    pub node: String,
    /// `joined`, `degraded` or `starting`.
    pub state: ClusterState,
    /// Live nodes (this one included) at the last heartbeat.
    pub nodes: usize,
    /// Sums over the live nodes' last heartbeats.
    pub totals: NodeStats,
    /// Messages this node published to other nodes.
    pub messages_out: u64,
    /// Messages this node received from other nodes.
    pub messages_in: u64,
    /// Messages dropped: publisher queue full or Redis unreachable.
    pub messages_dropped: u64,
}

/// What the cluster tells the matchmaker.
#[derive(Debug)]
pub(crate) enum ClusterEvent {
    /// A player on `node` claimed a seat in our room `room`.
    Join {
        room: RoomId,
        player: u64,
        node: Arc<str>,
        user: User,
        data: super::scoring::GameData,
    },
    /// A remote member leaves our room (`notified`: the others hear of it).
    Leave {
        room: RoomId,
        player: u64,
        notified: bool,
    },
    /// Our player's claimed seat in `room` was refused by its owner: join again.
    Rejected { player: u64, room: RoomId },
    /// A remote member of our room now has its socket on `node` (resume).
    Rebind {
        room: RoomId,
        player: u64,
        node: Arc<str>,
    },
    /// A command from another node for our room `room`, kept behind the `Join` before it.
    ToRoom {
        room: RoomId,
        command: super::room::RoomCommand,
    },
    /// The live nodes, at every heartbeat.
    LiveNodes(Vec<Arc<str>>),
    /// Redis is gone: play locally.
    Lost,
    /// Connected (again) as a new incarnation.
    Joined,
}

/// A local player as the cluster reaches it: events from other nodes go to `outbox`, the
/// game data its rooms report to `data`.
#[derive(Debug, Clone)]
pub(crate) struct LocalPlayer {
    pub(crate) outbox: Outbox,
    pub(crate) data: SharedData,
}

/// The cluster side of one node: shared by the matchmaker, the players and the link tasks.
#[derive(Debug)]
pub(crate) struct Cluster {
    config: ClusterConfig,
    /// Random per process: the first part of node ids and the high bits of player numbers.
    tag: u32,
    node: Mutex<Arc<str>>,
    state: AtomicU8,
    outgoing: mpsc::Sender<Outgoing>,
    /// The connection commands and publishes go over; `None` while Redis is unreachable.
    connection: watch::Sender<Option<redis::aio::MultiplexedConnection>>,
    /// Local players by number.
    players: Mutex<HashMap<u64, LocalPlayer>>,
    /// Local rooms by number (for commands arriving from other nodes).
    rooms: Mutex<HashMap<RoomId, RoomLink>>,
    view: Mutex<(usize, NodeStats)>,
    pub(crate) counters: Arc<Counters>,
    messages_out: AtomicU64,
    messages_in: AtomicU64,
    messages_dropped: AtomicU64,
}

/// One message for another node, queued for the publisher.
#[derive(Debug)]
pub(crate) struct Outgoing {
    pub(crate) node: Arc<str>,
    pub(crate) wire: wire::Outbound,
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Cluster {
    /// The cluster side of a node; its link task starts with [`Cluster::start`].
    pub(crate) fn new(
        config: ClusterConfig,
        counters: Arc<Counters>,
    ) -> (Arc<Self>, mpsc::Receiver<Outgoing>) {
        let tag = rand::random::<u32>() | 1;
        let (outgoing, queue) = mpsc::channel(OUTGOING_QUEUE);
        let cluster = Arc::new(Self {
            config,
            tag,
            node: Mutex::new(node_id(tag, 0)),
            state: AtomicU8::new(ClusterState::Starting as u8),
            outgoing,
            connection: watch::Sender::new(None),
            players: Mutex::default(),
            rooms: Mutex::default(),
            view: Mutex::default(),
            counters,
            messages_out: AtomicU64::new(0),
            messages_in: AtomicU64::new(0),
            messages_dropped: AtomicU64::new(0),
        });
        (cluster, queue)
    }

    /// Starts the link (connection, subscriber, heartbeats) and the publisher on `tracker`.
    pub(crate) fn start(
        self: &Arc<Self>,
        queue: mpsc::Receiver<Outgoing>,
        events: mpsc::UnboundedSender<ClusterEvent>,
        game: super::Game,
        shutdown: CancellationToken,
        tracker: &TaskTracker,
    ) {
        tracker.spawn(link::publish(Arc::clone(self), queue, shutdown.clone()));
        tracker.spawn(link::supervise(Arc::clone(self), events, game, shutdown));
    }

    /// The first player number of this node.
    pub(crate) fn first_player(&self) -> u64 {
        u64::from(self.tag) << 32 | 1
    }

    /// This node's current id.
    pub(crate) fn node(&self) -> Arc<str> {
        Arc::clone(&locked(&self.node))
    }

    pub(crate) fn state(&self) -> ClusterState {
        match self.state.load(Ordering::Acquire) {
            1 => ClusterState::Joined,
            2 => ClusterState::Degraded,
            _ => ClusterState::Starting,
        }
    }

    fn set_state(&self, state: ClusterState) {
        self.state.store(state as u8, Ordering::Release);
    }

    /// Whether Redis is reachable (cluster matchmaking) or not (local play).
    pub(crate) fn is_joined(&self) -> bool {
        self.state() == ClusterState::Joined
    }

    /// Queues `wire` for `node` without waiting; a full queue drops it (counted).
    pub(crate) fn send(&self, node: &Arc<str>, wire: wire::Outbound) {
        let outgoing = Outgoing {
            node: Arc::clone(node),
            wire,
        };
        if self.outgoing.try_send(outgoing).is_err() {
            self.messages_dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Registers a local player (events from other nodes reach it from now on).
    pub(crate) fn add_player(&self, number: u64, player: LocalPlayer) {
        locked(&self.players).insert(number, player);
    }

    /// Forgets a local player.
    pub(crate) fn remove_player(&self, number: u64) {
        locked(&self.players).remove(&number);
    }

    /// A local player by number.
    pub(crate) fn player(&self, number: u64) -> Option<LocalPlayer> {
        locked(&self.players).get(&number).cloned()
    }

    /// Registers a local room (commands from other nodes reach it from now on).
    pub(crate) fn add_room(&self, link: RoomLink) {
        locked(&self.rooms).insert(link.id, link);
    }

    /// Forgets a local room.
    pub(crate) fn remove_room(&self, id: RoomId) {
        locked(&self.rooms).remove(&id);
    }

    /// A local room by number.
    pub(crate) fn room(&self, id: RoomId) -> Option<RoomLink> {
        locked(&self.rooms).get(&id).cloned()
    }

    /// The lobby (shared seat list) over the current connection; `None` while Redis is gone.
    pub(crate) fn lobby(&self) -> Option<Lobby> {
        let connection = self.connection.borrow().clone()?;
        Some(Lobby::new(connection, &self.config.key_prefix))
    }

    /// Redis, for the few commands outside the lobby (resume tokens); `None` while gone.
    pub(crate) fn connection(&self) -> Option<redis::aio::MultiplexedConnection> {
        self.connection.borrow().clone()
    }

    /// The key of resume token `token`.
    pub(crate) fn resume_key(&self, token: &str) -> String {
        format!("{}:resume:{token}", self.config.key_prefix)
    }

    /// `/stats`' `cluster` object.
    pub(crate) fn stats(&self) -> ClusterStats {
        let (nodes, totals) = *locked(&self.view);
        ClusterStats {
            node: self.node().to_string(),
            state: self.state(),
            nodes,
            totals,
            messages_out: self.messages_out.load(Ordering::Relaxed),
            messages_in: self.messages_in.load(Ordering::Relaxed),
            messages_dropped: self.messages_dropped.load(Ordering::Relaxed),
        }
    }
}

/// `{tag}.{epoch}`.
fn node_id(tag: u32, epoch: u64) -> Arc<str> {
    Arc::from(format!("{tag:08x}.{epoch}"))
}
