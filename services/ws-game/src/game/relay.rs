//! The shortcut for the messages sent most: a member's `choice` or `face` goes to the others
//! straight from its own connection's task — its hand recorded, one `movement` built and handed
//! to each other member's [`Outbox`] — without a hop through the room's task.
//!
//! The room task stays the only one that changes who sits where: after every membership change
//! it hands the room's [`Relay`] the new list of seats. A movement from a member the list does
//! not hold yet (its `Add` still queued) goes through the room's queue instead, behind the
//! `Add`, so the order of a player's commands is kept. Locks here guard short synchronous
//! sections; nothing waits while holding one.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::{
    OutboundEvent, Outbox,
    member::{MemberId, SharedData, lock},
};
use crate::protocol::{Choice, Movement, ServerEvent};

/// One seat as the relay sees it.
#[derive(Debug, Clone)]
pub(crate) struct RelaySeat {
    pub(crate) id: MemberId,
    pub(crate) uid: Arc<str>,
    /// Its choice `movement`, built once.
    pub(crate) chose: Arc<OutboundEvent>,
    pub(crate) data: SharedData,
    /// `None` for a bot.
    pub(crate) outbox: Option<Outbox>,
}

/// Who sits in one room and how to reach them, as the room task last set it.
#[derive(Debug, Default)]
pub(crate) struct Relay {
    seats: Mutex<Vec<RelaySeat>>,
}

impl Relay {
    fn lock(&self) -> MutexGuard<'_, Vec<RelaySeat>> {
        self.seats.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Replaces the seats (the room task, after each membership change).
    pub(crate) fn set(&self, seats: Vec<RelaySeat>) {
        *self.lock() = seats;
    }

    /// `id`'s movement to every other human seated here, after recording `choice` as its hand.
    /// `false` when `id` is not seated here (yet): the caller then queues the command for the
    /// room, behind the `Add` that seats it.
    pub(crate) fn movement(
        &self,
        id: MemberId,
        movement: Movement,
        choice: Option<Choice>,
    ) -> bool {
        let seats = self.lock();
        let Some(mover) = seats.iter().find(|seat| seat.id == id) else {
            return false;
        };
        if choice.is_some() {
            lock(&mover.data).choice = choice;
        }
        let event = match movement {
            Movement::Choice => Arc::clone(&mover.chose),
            Movement::Face(_) => OutboundEvent::new(ServerEvent::Movement {
                uid: Arc::clone(&mover.uid),
                movement,
            }),
        };
        for seat in seats.iter().filter(|seat| seat.id != id) {
            if let Some(outbox) = &seat.outbox {
                outbox.deliver(&event);
            }
        }
        true
    }
}
