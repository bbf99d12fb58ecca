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

/// A room on another node of the cluster (`game::cluster`): its owner's node id and its number
/// there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RemoteRoom {
    pub(crate) owner: Arc<str>,
    pub(crate) id: RoomId,
}

/// Where a player sits.
#[derive(Debug, Clone)]
pub(crate) enum Place {
    /// A room of this node.
    Local(RoomLink),
    /// A room owned by another node (cluster mode only).
    Remote(RemoteRoom),
}

/// One player's seat.
#[derive(Debug)]
pub(crate) struct Seat {
    player: u64,
    room: Mutex<Option<Place>>,
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

    /// The local room the player sits in.
    pub(crate) fn room(&self) -> Option<RoomLink> {
        match &*self.slot() {
            Some(Place::Local(link)) => Some(link.clone()),
            _ => None,
        }
    }

    /// The remote room the player sits in (cluster mode).
    pub(crate) fn remote(&self) -> Option<RemoteRoom> {
        match &*self.slot() {
            Some(Place::Remote(room)) => Some(room.clone()),
            _ => None,
        }
    }

    /// The relay of the local room the player sits in (cheaper than [`Seat::room`]).
    pub(crate) fn relay(&self) -> Option<Arc<Relay>> {
        match &*self.slot() {
            Some(Place::Local(link)) => Some(Arc::clone(&link.relay)),
            _ => None,
        }
    }

    /// Seats the player in a local room (matchmaker only).
    pub(crate) fn set_room(&self, link: RoomLink) {
        *self.slot() = Some(Place::Local(link));
    }

    /// Seats the player in another node's room (matchmaker only).
    pub(crate) fn set_remote(&self, room: RemoteRoom) {
        *self.slot() = Some(Place::Remote(room));
    }

    /// Unseats the player, returning where it sat (matchmaker only).
    pub(crate) fn take_place(&self) -> Option<Place> {
        self.slot().take()
    }

    /// Where the player sits.
    pub(crate) fn place(&self) -> Option<Place> {
        self.slot().clone()
    }

    /// The connection has ended: a `join` still queued for the matchmaker must not seat it.
    pub(crate) fn mark_gone(&self) {
        self.gone.store(true, Ordering::SeqCst);
    }

    pub(crate) fn is_gone(&self) -> bool {
        self.gone.load(Ordering::SeqCst)
    }

    /// The player's number (its [`MemberId::Player`]).
    pub(crate) fn number(&self) -> u64 {
        self.player
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<Place>> {
        self.room.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
