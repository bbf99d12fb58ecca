//! Resuming (issue 14): a JSON player that opened with `?resume` gets a token; when its socket
//! drops, the player is *held* — seat, score and streak kept, events dropped — for the grace
//! period. A new socket that brings the token, on this node or (cluster mode) any other, takes
//! the player over.
//!
//! Across nodes: the holding node lists `{prefix}:resume:{token}` → its node id (expiring with
//! the grace); the new node asks it ([`Wire::ResumeAsk`]), the holder hands the player over
//! ([`Handover`]: number, user, game data, room) and forgets it without a word, and the new
//! node tells the room's owner where the member's socket is now (`Wire::Rebind`). Events sent
//! while no socket held the player are lost; the next `start` or `result` carries the state.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, MutexGuard, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use super::{
    Game, Outbox, Player,
    cluster::{Outbound, Wire},
    matchmaker::MatchCommand,
    member::lock,
    room::RoomId,
    scoring::GameData,
    seat::{Place, RemoteRoom, Seat},
};
use crate::protocol::User;

/// How long a node waits for another to hand a player over.
const HANDOVER_WAIT: Duration = Duration::from_secs(2);

/// A held player as it moves between nodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Handover {
    player: u64,
    user: User,
    data: GameData,
    /// The room it sits in: owner node and number.
    room: Option<(Arc<str>, RoomId)>,
}

/// Held players and pending asks.
#[derive(Debug)]
pub(crate) struct Holding {
    grace: Duration,
    held: Mutex<HashMap<String, Player>>,
    asks: Mutex<HashMap<u64, oneshot::Sender<Option<Handover>>>>,
    next_ask: AtomicU64,
    /// Tokens of this node's players still connected: a resume may arrive before the old
    /// socket is seen to drop, and then waits for it (up to [`RELEASE_WAIT`]).
    live: Mutex<std::collections::HashSet<String>>,
    released: tokio::sync::Notify,
}

/// How long a resume waits for the player's old socket to be seen dropping.
const RELEASE_WAIT: Duration = Duration::from_secs(1);

/// How long a token names its node in Redis while its player is connected.
const TOKEN_TTL_MS: u64 = 3_600_000;

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Holding {
    pub(crate) fn new(grace: Duration) -> Self {
        Self {
            grace,
            held: Mutex::default(),
            asks: Mutex::default(),
            next_ask: AtomicU64::new(1),
            live: Mutex::default(),
            released: tokio::sync::Notify::new(),
        }
    }
}

impl Game {
    /// Whether resuming is on (`resume_grace_ms` above 0).
    pub fn resumable(&self) -> bool {
        !self.shared.holding.grace.is_zero()
    }

    /// A new player with a resume token ([`Player::resume_token`]).
    pub fn connect_resumable(&self, outbox: Outbox) -> Player {
        let mut player = self.connect(outbox);
        let token = format!("{}{}", crate::codec::new_sid(), crate::codec::new_sid());
        self.name_holder(&token, TOKEN_TTL_MS);
        locked(&self.shared.holding.live).insert(token.clone());
        player.token = Some(token);
        player
    }

    /// Cluster mode: `{prefix}:resume:{token}` → this node, for `ttl_ms`.
    fn name_holder(&self, token: &str, ttl_ms: u64) {
        let Some(cluster) = self.shared.cluster.clone() else {
            return;
        };
        let key = cluster.resume_key(token);
        self.shared.tracker.spawn(async move {
            if let Some(mut connection) = cluster.connection() {
                let _: redis::RedisResult<()> =
                    connection.pset_ex(key, &*cluster.node(), ttl_ms).await;
            }
        });
    }

    /// The player held under `token`; waits a little for one of ours still connected.
    async fn take_held(&self, token: &str) -> Option<Player> {
        let holding = &self.shared.holding;
        let deadline = tokio::time::Instant::now() + RELEASE_WAIT;
        loop {
            let released = holding.released.notified();
            if let Some(player) = locked(&holding.held).remove(token) {
                locked(&holding.live).remove(token);
                return Some(player);
            }
            if !locked(&holding.live).contains(token) {
                return None;
            }
            if tokio::time::timeout_at(deadline, released).await.is_err() {
                return None;
            }
        }
    }

    /// The connection of `player` has ended: a player with a token is held for the grace
    /// period, any other leaves the game (dropped).
    pub fn release(&self, player: Player) {
        let shared = &self.shared;
        let Some(token) = player.token.clone() else {
            return;
        };
        if !self.resumable() || shared.shutdown.is_cancelled() {
            return;
        }
        locked(&shared.holding.held).insert(token.clone(), player);
        let game = self.clone();
        shared.tracker.spawn(async move {
            if let Some(cluster) = game.shared.cluster.clone()
                && let Some(mut connection) = cluster.connection()
            {
                let grace =
                    u64::try_from(game.shared.holding.grace.as_millis()).unwrap_or(u64::MAX);
                let key = cluster.resume_key(&token);
                let _: redis::RedisResult<()> =
                    connection.pset_ex(key, &*cluster.node(), grace).await;
            }
            tokio::select! {
                () = tokio::time::sleep(game.shared.holding.grace) => {}
                () = game.shared.shutdown.cancelled() => {}
            }
            // Still held: the grace is over, the player leaves (dropped outside the lock).
            let expired = locked(&game.shared.holding.held).remove(&token);
            if expired.is_some() {
                locked(&game.shared.holding.live).remove(&token);
            }
            drop(expired);
        });
    }

    /// The player held under `token`, now on the connection of `outbox`; `None` when no node
    /// holds it (unknown, expired, or its node is gone).
    pub async fn resume(&self, token: &str, outbox: Outbox) -> Option<Player> {
        if let Some(mut player) = self.take_held(token).await {
            player.take_over(outbox).await;
            return Some(player);
        }
        let cluster = self.shared.cluster.clone().filter(|c| c.is_joined())?;
        let mut connection = cluster.connection()?;
        let holder: Option<String> = connection.get(cluster.resume_key(token)).await.ok()?;
        let holder: Arc<str> = Arc::from(holder?);
        let me = cluster.node();
        if holder == me {
            return None;
        }
        let ask = self.shared.holding.next_ask.fetch_add(1, Ordering::Relaxed);
        let (answer, answered) = oneshot::channel();
        locked(&self.shared.holding.asks).insert(ask, answer);
        let message = Wire::ResumeAsk {
            token: token.to_owned(),
            node: me,
            ask,
        };
        cluster.send(&holder, Outbound::Wire(message));
        let handover = tokio::time::timeout(HANDOVER_WAIT, answered).await;
        locked(&self.shared.holding.asks).remove(&ask);
        let handover = handover.ok()?.ok()??;
        Some(self.adopt(handover, token, outbox).await)
    }

    /// A player handed over by another node, on the connection of `outbox`.
    async fn adopt(&self, handover: Handover, token: &str, outbox: Outbox) -> Player {
        let seat = Seat::new(handover.player);
        *lock(seat.data()) = handover.data;
        let mut player = Player::with(seat, handover.user, outbox, Arc::clone(&self.shared));
        player.token = Some(token.to_owned());
        let place = handover
            .room
            .map(|(owner, id)| Place::Remote(RemoteRoom { owner, id }));
        let seat = Arc::clone(player.seat());
        let member = player.member();
        let (done, answered) = oneshot::channel();
        let command = MatchCommand::Resume {
            seat,
            member,
            place,
            done,
        };
        if self.shared.commands.send(command).await.is_ok() {
            let _ = answered.await;
        }
        player
    }

    /// A resume message from another node.
    pub(crate) async fn on_resume_wire(&self, wire: Wire) {
        match wire {
            Wire::ResumeAsk { token, node, ask } => {
                // Off the link's task: it may wait for the old socket to drop.
                let game = self.clone();
                self.shared
                    .tracker
                    .spawn(async move { game.hand_over(token, node, ask).await });
            }
            Wire::ResumeGrant { ask, held } => {
                if let Some(answer) = locked(&self.shared.holding.asks).remove(&ask) {
                    let _ = answer.send(Some(held));
                }
            }
            Wire::ResumeDeny { ask } => {
                if let Some(answer) = locked(&self.shared.holding.asks).remove(&ask) {
                    let _ = answer.send(None);
                }
            }
            _ => {}
        }
    }

    /// Hands the player held under `token` over to `node`, or refuses.
    async fn hand_over(&self, token: String, node: Arc<str>, ask: u64) {
        let held = self.take_held(&token).await;
        let Some(cluster) = self.shared.cluster.clone() else {
            return;
        };
        let Some(mut player) = held else {
            cluster.send(&node, Outbound::Wire(Wire::ResumeDeny { ask }));
            return;
        };
        let seat = Arc::clone(player.seat());
        let room = match seat.place() {
            Some(Place::Local(link)) => Some((cluster.node(), link.id)),
            Some(Place::Remote(room)) => Some((room.owner, room.id)),
            None => None,
        };
        let handover = Handover {
            player: seat.number(),
            user: player.user().clone(),
            data: *lock(seat.data()),
            room,
        };
        player.detached = true;
        let _ = self
            .shared
            .commands
            .send(MatchCommand::Forget { seat })
            .await;
        drop(player);
        let grant = Wire::ResumeGrant {
            ask,
            held: handover,
        };
        cluster.send(&node, Outbound::Wire(grant));
    }
}
