//! A room's members: players and bots, their game data, and how each is reached.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::time::Instant;

use super::{OutboundEvent, Outbox, bot, scoring::GameData};
use crate::protocol::{Movement, ServerEvent, User};

/// Who a member is: players and bots are numbered apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MemberId {
    /// A connected player, by connection number.
    Player(u64),
    /// Bot `robot-{n}`.
    Bot(u64),
}

/// A player's game data, shared by its connection and the room it sits in (the original kept
/// it on the client object, so it follows the player from room to room). Locked only for short
/// synchronous sections, never across an `.await`.
pub(crate) type SharedData = Arc<Mutex<GameData>>;

/// Locks game data; a poisoned lock still holds plain numbers, so it is used as is.
pub(crate) fn lock(data: &SharedData) -> MutexGuard<'_, GameData> {
    data.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A seat taken in a room.
#[derive(Debug)]
pub(crate) struct Member {
    pub(super) id: MemberId,
    pub(super) user: User,
    /// `user.uid`, shared by the movements this member makes.
    pub(super) uid: Arc<str>,
    /// This member's `movement` for a choice: the same event every time, so it is built and
    /// encoded (once per framing) for the member's first choice only.
    pub(super) chose: Arc<OutboundEvent>,
    pub(super) data: SharedData,
    pub(super) role: Role,
}

/// What a member is.
#[derive(Debug)]
pub(super) enum Role {
    /// A connection: gets events.
    Human(Outbox),
    /// A bot: gets nothing, chooses at `next_choice` while a round runs.
    Bot { next_choice: Option<Instant> },
}

impl Member {
    /// Player `id` as `user`, reached through `outbox`.
    pub(crate) fn human(id: u64, user: User, outbox: Outbox, data: SharedData) -> Self {
        let (uid, chose) = chose(&user);
        Self {
            id: MemberId::Player(id),
            uid,
            chose,
            user,
            data,
            role: Role::Human(outbox),
        }
    }

    /// Bot `robot-{n}` with a fresh game data.
    pub(crate) fn bot(n: u64, avatar: &str) -> Self {
        let user = bot::bot_user(n, avatar);
        let (uid, chose) = chose(&user);
        Self {
            id: MemberId::Bot(n),
            uid,
            chose,
            user,
            data: SharedData::default(),
            role: Role::Bot { next_choice: None },
        }
    }

    pub(super) fn is_bot(&self) -> bool {
        matches!(self.role, Role::Bot { .. })
    }

    /// The member said `hello` again as `user`.
    pub(super) fn rename(&mut self, user: User) {
        (self.uid, self.chose) = chose(&user);
        self.user = user;
    }
}

/// `user`'s uid, shared, and its choice `movement`.
fn chose(user: &User) -> (Arc<str>, Arc<OutboundEvent>) {
    let uid: Arc<str> = Arc::from(user.uid.as_str());
    let movement = ServerEvent::Movement {
        uid: Arc::clone(&uid),
        movement: Movement::Choice,
    };
    (uid, OutboundEvent::new(movement))
}
