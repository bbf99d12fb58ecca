//! The rock-paper-scissors engine (`spec/originals.md` §2.3–2.4): matchmaking, rooms, rounds,
//! scoring and bots. It never sees a frame: the connection layer hands it decoded
//! [`ClientCommand`](crate::protocol::ClientCommand)s through a [`Player`] and writes the
//! [`ServerEvent`](crate::protocol::ServerEvent)s the engine hands to that player's [`Outbox`].
//!
//! # Tasks
//!
//! - **matchmaker** (`matchmaker.rs`): owns the room list (newest first) and the seat counts;
//!   seats players and bots, arms the 1 s bot timers, drops empty rooms.
//! - **one task per room** (`room.rs`): owns its members, its round timer and its bots' choice
//!   timers; sends `start`, `movement`, `leave` and `result`.
//!
//! A player's `join`/`leave` go to the matchmaker and wait for it. `choice`/`face` — the
//! messages sent most — are relayed by the player's own task through its room's relay
//! (`relay.rs`: the seats as the room task last set them), or queued for the room when the relay
//! does not seat the player yet. Every channel between tasks is bounded except the two that carry
//! at most one message per player (its disconnect) or per round (a void round). Outbound events
//! go to each recipient's [`Outbox`], which never waits: a reader that cannot keep up is
//! disconnected. No lock is held across an `.await`. Every task runs on the caller's
//! `TaskTracker` and stops on the shutdown token.
//!
//! # Differences from the original, on purpose
//!
//! - A round that ends with fewer than two members is void: no single-entry `result` (which
//!   crashed the original client), and the bot timer is re-armed so the one left gets a bot.
//! - A bot joins only a room that still has a human in it, and takes the seat of the room whose
//!   timer fired (the original spawned bots for rooms already emptied, and let them take any
//!   room's free seat).
//! - A room that fills up again during a round restarts the round rather than running two
//!   round timers at once.

mod bot;
pub(crate) mod cluster;
mod config;
mod matchmaker;
mod member;
mod outbox;
mod player;
mod relay;
mod resume;
mod room;
pub mod scoring;
mod seat;
mod stats;
#[cfg(test)]
mod tests;

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use tokio::{sync::mpsc, time::Instant};
use tokio_util::{sync::CancellationToken, task::TaskTracker};

pub use cluster::{ClusterConfig, ClusterState, ClusterStats, NodeStats};
pub use config::{ConfigError, GameConfig, ORIGINAL_BOT_AVATAR};
pub use outbox::{EventSink, FRAMINGS, OutboundEvent, Outbox, OutboxReceiver};
pub use player::Player;
pub use stats::Stats;

use matchmaker::{Inbox, MATCHMAKER_QUEUE, MatchCommand};
use room::RoomContext;
use seat::Seat;
use stats::Counters;

/// A running game: cheap to clone, shared by every connection.
#[derive(Debug, Clone)]
pub struct Game {
    shared: Arc<Shared>,
}

/// What players need to reach the engine.
#[derive(Debug)]
struct Shared {
    config: Arc<GameConfig>,
    commands: mpsc::Sender<MatchCommand>,
    departures: mpsc::UnboundedSender<Arc<Seat>>,
    counters: Arc<Counters>,
    next_player: AtomicU64,
    /// Cluster mode only.
    cluster: Option<Arc<cluster::Cluster>>,
    /// Players waiting to be resumed, and resumes asked of other nodes.
    holding: resume::Holding,
    shutdown: CancellationToken,
    tracker: TaskTracker,
}

impl Game {
    /// Starts the matchmaker on `tracker` (rooms are started there as they open). Every task
    /// stops when `shutdown` is cancelled; the owner then closes and waits on `tracker`.
    /// Check `config` with [`GameConfig::validate`] first.
    pub fn start(config: GameConfig, shutdown: CancellationToken, tracker: &TaskTracker) -> Game {
        Self::start_with(config, Options::default(), shutdown, tracker)
    }

    /// [`Game::start`] with a cluster and resuming ([`Options`]).
    pub fn start_with(
        config: GameConfig,
        options: Options,
        shutdown: CancellationToken,
        tracker: &TaskTracker,
    ) -> Game {
        let config = Arc::new(config);
        let counters = Arc::new(Counters::default());
        let (cluster, cluster_events) = match options.cluster {
            Some(cluster_config) => {
                let (cluster, queue) = cluster::Cluster::new(cluster_config, Arc::clone(&counters));
                let (events, inbox) = mpsc::unbounded_channel();
                (Some(cluster), Some((queue, events, inbox)))
            }
            None => (None, None),
        };
        let (commands, commands_inbox) = mpsc::channel(MATCHMAKER_QUEUE);
        let (departures, departures_inbox) = mpsc::unbounded_channel();
        let (void_rounds, void_rounds_inbox) = mpsc::unbounded_channel();
        let context = RoomContext {
            config: Arc::clone(&config),
            counters: Arc::clone(&counters),
            void_rounds,
            shutdown: shutdown.clone(),
        };
        let (link, events_inbox) = match cluster_events {
            Some((queue, events, inbox)) => (Some((queue, events)), Some(inbox)),
            None => (None, None),
        };
        let inbox = Inbox {
            commands: commands_inbox,
            departures: departures_inbox,
            void_rounds: void_rounds_inbox,
            cluster: events_inbox,
        };
        matchmaker::spawn(context, inbox, cluster.clone(), tracker);
        let first_player = cluster.as_ref().map_or(1, |c| c.first_player());
        let game = Game {
            shared: Arc::new(Shared {
                config,
                commands,
                departures,
                counters,
                next_player: AtomicU64::new(first_player),
                cluster: cluster.clone(),
                holding: resume::Holding::new(options.resume_grace),
                shutdown: shutdown.clone(),
                tracker: tracker.clone(),
            }),
        };
        if let (Some(cluster), Some((queue, events))) = (cluster, link) {
            cluster.start(queue, events, game.clone(), shutdown, tracker);
        }
        game
    }

    /// A newly connected player (uid `player-{n}`, no name, in no room) whose events go to
    /// `outbox`.
    pub fn connect(&self, outbox: Outbox) -> Player {
        let number = self.shared.next_player.fetch_add(1, Ordering::Relaxed);
        Player::new(number, outbox, Arc::clone(&self.shared))
    }

    /// Players connected, rooms open, rounds played (relaxed atomics; cheap).
    pub fn stats(&self) -> Stats {
        self.shared.counters.snapshot()
    }

    /// Cluster mode: where this node stands; `None` on a single node.
    pub fn cluster_state(&self) -> Option<ClusterState> {
        self.shared.cluster.as_ref().map(|c| c.state())
    }

    /// Cluster mode: this node's id, state and the cluster's totals; `None` on a single node.
    pub fn cluster_stats(&self) -> Option<ClusterStats> {
        self.shared.cluster.as_ref().map(|c| c.stats())
    }

    /// The rules this game runs with.
    pub fn config(&self) -> &GameConfig {
        &self.shared.config
    }
}

/// What a game runs with besides its rules.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Join the other nodes of this cluster (`None`: a single node).
    pub cluster: Option<ClusterConfig>,
    /// How long a dropped resumable player keeps its seat; zero turns resuming off.
    pub resume_grace: std::time::Duration,
}

/// Sleeps until `deadline`, or forever without one (a `select!` branch that is off).
async fn sleep_until_some(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
