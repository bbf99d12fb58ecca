//! The choices in flight of a relay run: per player, the send times of its choices whose
//! `movement` no one has read yet, on one clock shared by every player — so a delay is the
//! time from a choice's write to the opponent's read of its `movement`.

use std::{
    collections::VecDeque,
    sync::{Mutex, MutexGuard, PoisonError},
};

use tokio::time::Instant;

use super::frames;

/// A player's choices never answered beyond this many are forgotten (a lost room).
const MAX_IN_FLIGHT: usize = 64;

/// Send times (µs since the run's epoch) of every player's choices not yet seen, oldest first.
pub struct InFlight {
    epoch: Instant,
    stamps: Vec<Mutex<VecDeque<u64>>>,
}

impl InFlight {
    /// Empty, for `players` players, its clock starting now.
    pub fn new(players: usize) -> Self {
        Self {
            epoch: Instant::now(),
            stamps: (0..players).map(|_| Mutex::default()).collect(),
        }
    }

    /// How many players.
    pub fn players(&self) -> usize {
        self.stamps.len()
    }

    fn now_us(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    fn stamps(&self, index: usize) -> MutexGuard<'_, VecDeque<u64>> {
        self.stamps[index]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Player `index` writes a choice now.
    pub fn sent(&self, index: usize) {
        let mut stamps = self.stamps(index);
        if stamps.len() >= MAX_IN_FLIGHT {
            stamps.clear();
        }
        stamps.push_back(self.now_us());
    }

    /// A `movement` of a choice by the player of `uid` was read now: the delay since that
    /// player's oldest choice in flight, µs; `None` for an unknown player or no choice in
    /// flight.
    pub fn seen(&self, uid: &str) -> Option<u32> {
        let sender = frames::index_of(uid).filter(|&sender| sender < self.players())?;
        let stamp = self.stamps(sender).pop_front()?;
        Some(u32::try_from(self.now_us().saturating_sub(stamp)).unwrap_or(u32::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_movement_answers_the_senders_oldest_choice() {
        let in_flight = InFlight::new(2);
        in_flight.sent(1);
        in_flight.sent(1);
        assert!(in_flight.seen(&frames::uid(1)).is_some());
        assert!(in_flight.seen(&frames::uid(1)).is_some());
        assert_eq!(in_flight.seen(&frames::uid(1)), None, "both answered");
        assert_eq!(
            in_flight.seen(&frames::uid(0)),
            None,
            "player 0 sent nothing"
        );
        assert_eq!(in_flight.seen("stranger"), None);
    }

    #[test]
    fn a_player_far_behind_starts_over() {
        let in_flight = InFlight::new(1);
        for _ in 0..=MAX_IN_FLIGHT {
            in_flight.sent(0);
        }
        assert_eq!(in_flight.stamps(0).len(), 1);
    }
}
