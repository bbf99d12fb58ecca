//! ws-game's Prometheus metrics, served at `GET /metrics` on the game port (outside the
//! `{base}/websocket` paths nginx forwards), in the registry of `weapp_common::metrics`:
//!
//! | metric | type | what |
//! |---|---|---|
//! | `weapp_ws_connections` | gauge | WebSocket connections open |
//! | `weapp_ws_players` | gauge | players connected to the game |
//! | `weapp_ws_rooms` | gauge | rooms open |
//! | `weapp_ws_rounds_total` | counter | rounds judged |
//! | `weapp_ws_void_rounds_total` | counter | rounds that ended void |
//! | `weapp_ws_messages_received_total` | counter | text frames received from clients |
//! | `weapp_ws_messages_sent_total` | counter | game events sent to clients (the handshake and answers to pings and bad frames are not counted) |
//! | `weapp_ws_slow_readers_closed_total` | counter | sockets closed (1008) because their outbound queue overflowed |
//!
//! The game's own counters (`GET …/websocket/stats`) are read at each scrape; the message and
//! slow-reader counters are incremented by the connections.

use std::sync::atomic::{AtomicUsize, Ordering};

use prometheus::{IntCounter, IntGauge, core::Collector};
use weapp_common::metrics::{Metrics, counter_fn, gauge_fn};

use crate::game::Game;

/// The registry and the counters the connections increment.
pub struct GameMetrics {
    metrics: Metrics,
    connections: IntGauge,
    /// Text frames received from clients.
    pub messages_in: IntCounter,
    /// Game events sent to clients.
    pub messages_out: IntCounter,
    /// Sockets closed because their outbound queue overflowed.
    pub slow_readers_closed: IntCounter,
}

impl GameMetrics {
    /// The metrics of `game` (its stats are read at each scrape).
    pub fn new(game: &Game) -> Self {
        let metrics = Metrics::new();
        let register = |collector: Box<dyn Collector>| {
            if let Err(error) = metrics.registry().register(collector) {
                log::error!("registering a metric: {error}");
            }
        };
        let stats = |read: fn(&Game) -> f64| {
            let game = game.clone();
            move || read(&game)
        };
        let pulled = [
            gauge_fn(
                "weapp_ws_players",
                "Players connected to the game.",
                stats(|g| g.stats().players as f64),
            ),
            gauge_fn(
                "weapp_ws_rooms",
                "Rooms open.",
                stats(|g| g.stats().rooms as f64),
            ),
            counter_fn(
                "weapp_ws_rounds_total",
                "Rounds judged.",
                stats(|g| g.stats().rounds as f64),
            ),
            counter_fn(
                "weapp_ws_void_rounds_total",
                "Rounds that ended void (fewer than two members left).",
                stats(|g| g.stats().void_rounds as f64),
            ),
        ];
        for collector in pulled.into_iter().flatten() {
            register(collector);
        }
        let gauge = |name: &str, help: &str| {
            IntGauge::new(name, help).inspect(|gauge| register(Box::new(gauge.clone())))
        };
        let counter = |name: &str, help: &str| {
            IntCounter::new(name, help).inspect(|counter| register(Box::new(counter.clone())))
        };
        match (
            gauge("weapp_ws_connections", "WebSocket connections open."),
            counter(
                "weapp_ws_messages_received_total",
                "Text frames received from clients.",
            ),
            counter(
                "weapp_ws_messages_sent_total",
                "Game events sent to clients.",
            ),
            counter(
                "weapp_ws_slow_readers_closed_total",
                "Sockets closed (1008) because their outbound queue overflowed.",
            ),
        ) {
            (Ok(connections), Ok(messages_in), Ok(messages_out), Ok(slow_readers_closed)) => Self {
                metrics,
                connections,
                messages_in,
                messages_out,
                slow_readers_closed,
            },
            _ => unreachable!("the metric definitions above are valid"),
        }
    }

    /// Everything, in the text exposition format, with `connections` open now.
    pub fn render(&self, connections: &AtomicUsize) -> String {
        let open = connections.load(Ordering::Relaxed);
        self.connections
            .set(i64::try_from(open).unwrap_or(i64::MAX));
        self.metrics.render()
    }
}
