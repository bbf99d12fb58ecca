//! Cheap counters for operators: players connected, rooms open, rounds played.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// A snapshot of the engine's counters (`GET …/websocket/stats`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Players connected (one per live [`Player`](super::Player)).
    pub players: usize,
    /// Rooms in the room list (including rooms where only a bot is left).
    pub rooms: usize,
    /// Rounds judged since start (void rounds are not counted).
    pub rounds: u64,
    /// Rounds that ended void since start: fewer than two members were left when the time
    /// was up, so nobody got a `result`.
    pub void_rounds: u64,
}

/// The live counters, shared by the tasks that change them.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    players: AtomicUsize,
    rooms: AtomicUsize,
    rounds: AtomicU64,
    void_rounds: AtomicU64,
}

impl Counters {
    pub(crate) fn snapshot(&self) -> Stats {
        Stats {
            players: self.players.load(Ordering::Relaxed),
            rooms: self.rooms.load(Ordering::Relaxed),
            rounds: self.rounds.load(Ordering::Relaxed),
            void_rounds: self.void_rounds.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn player_connected(&self) {
        self.players.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn player_disconnected(&self) {
        self.players.fetch_sub(1, Ordering::Relaxed);
    }

    pub(crate) fn room_opened(&self) {
        self.rooms.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn room_closed(&self) {
        self.rooms.fetch_sub(1, Ordering::Relaxed);
    }

    pub(crate) fn round_played(&self) {
        self.rounds.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn round_voided(&self) {
        self.void_rounds.fetch_add(1, Ordering::Relaxed);
    }
}
