//! ws-game configuration: the original's constants (`spec/originals.md` §2.1, §2.4) plus the
//! limits a production WebSocket server needs.
//!
//! Loaded by [`weapp_common::config::Source`] with prefix `WS_GAME`: `WS_GAME_PORT`,
//! `WS_GAME_GAME__GAME_TIME_SECS`, `WS_GAME_LIMITS__MAX_CONNECTIONS`, …

use std::time::Duration;

use secrecy::ExposeSecret;
use serde::Deserialize;
use weapp_common::config::{ConfigError, Secret};

use crate::game::{ClusterConfig, GameConfig};

/// The original robot's avatar (`server/game/robot.ts`, §2.4).
pub const ORIGINAL_BOT_AVATAR: &str =
    "http://www.scoutiegirl.com/wp-content/uploads/2015/06/Blue-Robot.png";

weapp_common::service_settings! {
    env: "WS_GAME",
    // The original's `PORT`; sockets get 5 s to close at shutdown.
    server: { port: 9595, shutdown_timeout_secs: 5 },

    /// Everything ws-game reads from configuration: the listener keys every service has
    /// (`host`, `port`, `route_base_path`, `shutdown_timeout_secs`) and its own. Sockets live
    /// under `{route_base_path}/websocket/`.
    #[derive(Debug, Clone, Deserialize)]
    pub struct Settings {
        /// Engine.IO heartbeat announced in the open packet, in ms (engine.io default 25000).
        pub ping_interval_ms: u64 = 25_000,
        /// Engine.IO ping timeout, in ms (60000). A socket silent for interval + timeout is
        /// closed.
        pub ping_timeout_ms: u64 = 60_000,
        /// Runtime threads: 1 runs everything on one thread (tokio's current-thread runtime,
        /// the cheapest per message: no cross-thread wake-ups), more runs a work-stealing pool
        /// of that many, 0 one per core.
        pub workers: usize = 1,
        /// Game rules and timing.
        pub game: GameSettings,
        /// Connection limits.
        pub limits: Limits,
        /// Milliseconds a JSON player that opened with `?resume` keeps its seat, score and
        /// streak after its socket drops, waiting for a reconnect with its token; 0 turns
        /// resuming off.
        pub resume_grace_ms: u64 = 10_000,
        /// Several nodes as one game over Redis (off unless `cluster.redis_url` is set).
        pub cluster: ClusterSettings,
    }
}

/// The game's constants (§2.4); shorten them for load tests.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct GameSettings {
    /// `GAME_TIME`: seconds a round lasts (`start` carries it as `gameTime`).
    pub game_time_secs: u64,
    /// Milliseconds to round length instead of whole seconds (load tests); 0 = use secs.
    pub game_time_ms: u64,
    /// Milliseconds after a join before a bot fills a free seat (original: 1000).
    pub bot_delay_ms: u64,
    /// The constant `nearby` of `hi` (10).
    pub nearby: u32,
    /// Seats per room (`MAX_ROOT_MEMBER`, 2).
    pub room_capacity: usize,
    /// The bots' avatar URL.
    pub bot_avatar: String,
    /// Milliseconds after `start` before a bot's first choice (10).
    pub bot_first_choice_ms: u64,
    /// Shortest pause between a bot's later choices, ms (100).
    pub bot_choice_min_ms: u64,
    /// Longest pause between a bot's later choices, ms (4100).
    pub bot_choice_max_ms: u64,
}

impl Default for GameSettings {
    fn default() -> Self {
        Self {
            game_time_secs: 3,
            game_time_ms: 0,
            bot_delay_ms: 1000,
            nearby: 10,
            room_capacity: 2,
            bot_avatar: ORIGINAL_BOT_AVATAR.into(),
            bot_first_choice_ms: 10,
            bot_choice_min_ms: 100,
            bot_choice_max_ms: 4100,
        }
    }
}

/// Cluster mode (issue 14): every node that names the same Redis and key prefix joins one
/// game. `redis_url` unset: one node, no Redis touched.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ClusterSettings {
    /// `redis://host:port/db` (may carry a password, hence a secret). Unset: single node.
    pub redis_url: Option<Secret>,
    /// Prefix of every key and channel this game uses in Redis (`{prefix}:open`, …), so
    /// several games (or tests) can share one Redis.
    pub key_prefix: String,
    /// Milliseconds between two heartbeats of this node (and checks of the others').
    pub heartbeat_interval_ms: u64,
    /// Milliseconds a heartbeat lives: a node silent this long counts as dead.
    pub heartbeat_ttl_ms: u64,
}

impl Default for ClusterSettings {
    fn default() -> Self {
        Self {
            redis_url: None,
            key_prefix: "ws-game".into(),
            // A dead node is noticed within interval + ttl ≈ 4 s.
            heartbeat_interval_ms: 1_000,
            heartbeat_ttl_ms: 3_000,
        }
    }
}

/// Limits enforced at the edge.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Most WebSocket connections at once; more are refused with HTTP 503.
    pub max_connections: usize,
    /// Largest inbound frame/message in bytes; larger closes the socket with 1009 as soon as
    /// the length header arrives (RFC 6455 §7.4.1).
    pub max_frame_bytes: usize,
    /// Outbound events queued per connection before it counts as a slow reader and is closed.
    pub outbound_queue: usize,
    /// Seconds a client has to send its HTTP request head.
    pub handshake_timeout_secs: u64,
    /// Bytes of the per-socket read buffer (small keeps idle sockets cheap).
    pub read_buffer_bytes: usize,
    /// Milliseconds that bytes for a client may wait unsent (its TCP window stays shut: it
    /// does not read) before the socket is closed with 1008.
    pub write_timeout_ms: u64,
    /// Frames per second a socket may send on average (any frame: data, ping, pong, close);
    /// more closes it with 1008.
    pub inbound_frames_per_sec: u32,
    /// Frames a socket may send at once above that rate (the token bucket's size).
    pub inbound_frames_burst: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 20_000,
            max_frame_bytes: 16 * 1024,
            outbound_queue: 64,
            handshake_timeout_secs: 10,
            read_buffer_bytes: 4096,
            write_timeout_ms: 10_000,
            // A player sends a few frames a second (the original client: choices and faces at
            // human speed, no heartbeat); ten times that leaves room and still stops a flood.
            inbound_frames_per_sec: 50,
            inbound_frames_burst: 100,
        }
    }
}

impl Settings {
    /// Check the rules the types cannot express.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the key.
    pub fn validate(self) -> Result<Self, ConfigError> {
        let invalid = ConfigError::invalid;
        self.check_server()?;
        if self.game.game_time_secs == 0 && self.game.game_time_ms == 0 {
            return Err(invalid("game.game_time_secs", "must be above 0"));
        }
        if self.game.room_capacity < 2 {
            return Err(invalid("game.room_capacity", "must be at least 2"));
        }
        if self.game.bot_choice_min_ms > self.game.bot_choice_max_ms {
            return Err(invalid(
                "game.bot_choice_min_ms",
                "must not exceed game.bot_choice_max_ms",
            ));
        }
        if self.limits.max_connections == 0 || self.limits.outbound_queue == 0 {
            return Err(invalid(
                "limits.max_connections",
                "limits must be above 0 (also limits.outbound_queue)",
            ));
        }
        if self.limits.max_frame_bytes < 256 {
            return Err(invalid("limits.max_frame_bytes", "must be at least 256"));
        }
        if self.limits.write_timeout_ms == 0 {
            return Err(invalid("limits.write_timeout_ms", "must be above 0"));
        }
        if self.limits.inbound_frames_per_sec == 0 || self.limits.inbound_frames_burst == 0 {
            return Err(invalid(
                "limits.inbound_frames_per_sec",
                "must be above 0 (also limits.inbound_frames_burst)",
            ));
        }
        if self.ping_interval_ms == 0 || self.ping_timeout_ms == 0 {
            return Err(invalid(
                "ping_timeout_ms",
                "heartbeat times must be above 0",
            ));
        }
        self.check_cluster()?;
        Ok(self)
    }

    fn check_cluster(&self) -> Result<(), ConfigError> {
        let invalid = ConfigError::invalid;
        let cluster = &self.cluster;
        if let Some(url) = &cluster.redis_url
            && redis::Client::open(url.expose_secret()).is_err()
        {
            // The URL itself is not echoed: it may carry a password.
            return Err(invalid("cluster.redis_url", "is not a redis:// URL"));
        }
        if cluster.key_prefix.is_empty() || cluster.key_prefix.contains(char::is_whitespace) {
            return Err(invalid(
                "cluster.key_prefix",
                "must be non-empty, without spaces",
            ));
        }
        if cluster.heartbeat_interval_ms == 0 {
            return Err(invalid("cluster.heartbeat_interval_ms", "must be above 0"));
        }
        if cluster.heartbeat_ttl_ms <= cluster.heartbeat_interval_ms {
            return Err(invalid(
                "cluster.heartbeat_ttl_ms",
                "must exceed cluster.heartbeat_interval_ms",
            ));
        }
        Ok(())
    }

    /// The cluster's configuration; `None` when `cluster.redis_url` is unset (single node).
    pub fn cluster_config(&self) -> Option<ClusterConfig> {
        let cluster = &self.cluster;
        let url = cluster.redis_url.as_ref()?;
        Some(ClusterConfig {
            redis_url: url.clone(),
            key_prefix: cluster.key_prefix.clone(),
            heartbeat_interval: Duration::from_millis(cluster.heartbeat_interval_ms),
            heartbeat_ttl: Duration::from_millis(cluster.heartbeat_ttl_ms),
        })
    }

    /// How long a dropped resumable player keeps its seat (`resume_grace_ms`).
    pub fn resume_grace(&self) -> Duration {
        Duration::from_millis(self.resume_grace_ms)
    }

    /// Engine.IO path prefix: `{base}/websocket/socket.io/` (the original `rootPath` plus `/`;
    /// requests match when they start with it, so the client's `socket.io//` works).
    pub fn socket_io_prefix(&self) -> String {
        format!("{}/websocket/socket.io/", self.route_base_path)
    }

    /// The plain JSON protocol's path: `{base}/websocket/ws`.
    pub fn json_path(&self) -> String {
        format!("{}/websocket/ws", self.route_base_path)
    }

    /// The operators' stats route: `{base}/websocket/stats`.
    pub fn stats_path(&self) -> String {
        format!("{}/websocket/stats", self.route_base_path)
    }

    /// How long bytes for a client may wait unsent (`limits.write_timeout_ms`).
    pub fn write_timeout(&self) -> Duration {
        Duration::from_millis(self.limits.write_timeout_ms)
    }

    /// A socket silent this long is closed (pingInterval + pingTimeout, §2.1).
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_millis(self.ping_interval_ms + self.ping_timeout_ms)
    }

    /// The engine's configuration.
    pub fn game_config(&self) -> GameConfig {
        let game = &self.game;
        let game_time = if game.game_time_ms > 0 {
            Duration::from_millis(game.game_time_ms)
        } else {
            Duration::from_secs(game.game_time_secs)
        };
        GameConfig {
            game_time,
            bot_delay: Duration::from_millis(game.bot_delay_ms),
            nearby: game.nearby,
            room_capacity: game.room_capacity,
            bot_avatar: game.bot_avatar.clone(),
            bot_first_choice: Duration::from_millis(game.bot_first_choice_ms),
            bot_choice_interval: (
                Duration::from_millis(game.bot_choice_min_ms),
                Duration::from_millis(game.bot_choice_max_ms),
            ),
            rng_seed: None,
        }
    }
}

#[cfg(test)]
mod tests;
