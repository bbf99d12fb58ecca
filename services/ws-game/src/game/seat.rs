//! What a connection and the matchmaker share about one player: the room it sits in, its game
//! data, and whether it has disconnected.
//!
//! Only the matchmaker moves a player between rooms; the connection reads the seat to send its
//! choices and faces straight to its room. Locks here guard O(1) sections, never an `.await`.

use std::sync::{
    Arc, Mutex, PoisonError,
    atomic::{AtomicBool, Ordering},
};

use tokio::sync::mpsc;

use super::{
    member::{MemberId, SharedData},
    relay::Relay,
    room::{RoomCommand, RoomId},
};

/// The way into one room: its queue, and its relay for choices and faces.
#[derive(Debug, Clone)]
pub(crate) struct RoomLink {
    pub(crate) id: RoomId,
    pub(crate) commands: mpsc::Sender<RoomCommand>,
    pub(crate) relay: Arc<Relay>,
}

/// One player's seat.
#[derive(Debug)]
pub(crate) struct Seat {
    player: u64,
    room: Mutex<Option<RoomLink>>,
    data: SharedData,
    gone: AtomicBool,
}

impl Seat {
    /// Player number `player`, seated nowhere.
    pub(crate) fn new(player: u64) -> Arc<Self> {
        Arc::new(Self {
            player,
            room: Mutex::new(None),
            data: SharedData::default(),
            gone: AtomicBool::new(false),
        })
    }

    /// The player as a room member.
    pub(crate) fn member_id(&self) -> MemberId {
        MemberId::Player(self.player)
    }

    /// The player's game data, which follows it from room to room.
    pub(crate) fn data(&self) -> &SharedData {
        &self.data
    }

    /// The room the player sits in.
    pub(crate) fn room(&self) -> Option<RoomLink> {
        self.slot().clone()
    }

    /// The relay of the room the player sits in (cheaper than [`Seat::room`]).
    pub(crate) fn relay(&self) -> Option<Arc<Relay>> {
        self.slot().as_ref().map(|link| Arc::clone(&link.relay))
    }

    /// Seats the player (matchmaker only).
    pub(crate) fn set_room(&self, link: RoomLink) {
        *self.slot() = Some(link);
    }

    /// Unseats the player, returning where it sat (matchmaker only).
    pub(crate) fn take_room(&self) -> Option<RoomLink> {
        self.slot().take()
    }

    /// The connection has ended: a `join` still queued for the matchmaker must not seat it.
    pub(crate) fn mark_gone(&self) {
        self.gone.store(true, Ordering::SeqCst);
    }

    pub(crate) fn is_gone(&self) -> bool {
        self.gone.load(Ordering::SeqCst)
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<RoomLink>> {
        self.room.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
