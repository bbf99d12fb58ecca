//! Behaviour tests of the engine through its public surface (`Game`, `Player`, `Outbox`), on a
//! paused clock: waiting for an event lets tokio jump to the next timer, so the time at which
//! an event arrives is exactly the time it was sent.

mod lifecycle;
mod matchmaking;
mod rounds;

use std::time::Duration;

use tokio::time::Instant;
use tokio_util::{sync::CancellationToken, task::TaskTracker};

use super::{Game, GameConfig, Outbox, OutboxReceiver, Player};
use crate::protocol::{ClientCommand, RoomUser, ServerEvent, User};

/// Outbound queue of a test client: large enough never to overflow by accident.
const QUEUE: usize = 64;

/// No test waits longer than this (virtual time) for an event.
const PATIENCE: Duration = Duration::from_secs(120);

/// A game with deterministic bots and the original timings.
pub(super) fn config() -> GameConfig {
    GameConfig {
        rng_seed: Some(7),
        ..GameConfig::default()
    }
}

/// A running game and what stops it.
pub(super) struct Harness {
    pub(super) game: Game,
    shutdown: CancellationToken,
    tracker: TaskTracker,
}

impl Harness {
    pub(super) fn new() -> Self {
        Self::with(config())
    }

    pub(super) fn with(config: GameConfig) -> Self {
        let shutdown = CancellationToken::new();
        let tracker = TaskTracker::new();
        let game = Game::start(config, shutdown.clone(), &tracker);
        Self {
            game,
            shutdown,
            tracker,
        }
    }

    /// A connected client that has not said `hello`.
    pub(super) fn connect(&self) -> Client {
        self.connect_with_queue(QUEUE)
    }

    pub(super) fn connect_with_queue(&self, capacity: usize) -> Client {
        let (outbox, events) = Outbox::new(capacity);
        Client {
            player: self.game.connect(outbox),
            events,
        }
    }

    /// A client that said `hello` as `uid` (name `name-of-{uid}`, avatar `http://a/{uid}.png`).
    pub(super) async fn hello(&self, uid: &str) -> Client {
        let mut client = self.connect();
        client.send(ClientCommand::Hello(user(uid))).await;
        assert_eq!(client.next().await, ServerEvent::Hi { nearby: 10 });
        client
    }

    /// Cancels the token and waits for every task to end.
    pub(super) async fn shutdown(self) {
        self.shutdown.cancel();
        self.tracker.close();
        tokio::time::timeout(PATIENCE, self.tracker.wait())
            .await
            .expect("every task ends on shutdown");
    }
}

/// The user a test client introduces itself as.
pub(super) fn user(uid: &str) -> User {
    User {
        uid: uid.to_owned(),
        uname: format!("name-of-{uid}"),
        uavatar: format!("http://a/{uid}.png"),
    }
}

/// `uid`'s seat in `start` before any round was played.
pub(super) fn fresh(uid: &str) -> RoomUser {
    let user = user(uid);
    RoomUser {
        uid: user.uid,
        uname: user.uname,
        uavatar: user.uavatar,
        choice: None,
        round_score: 0,
        total_score: 0,
        win_streak: 0,
    }
}

/// One connection as the test sees it: the player and its outbound queue.
pub(super) struct Client {
    pub(super) player: Player,
    pub(super) events: OutboxReceiver,
}

impl Client {
    pub(super) async fn send(&mut self, command: ClientCommand) {
        self.player.command(command).await;
    }

    /// The next event, however long (virtual time) it takes.
    pub(super) async fn next(&mut self) -> ServerEvent {
        let event = tokio::time::timeout(PATIENCE, self.events.recv())
            .await
            .expect("an event before the patience runs out")
            .expect("the outbox is open");
        event.event().clone()
    }

    /// The next event and how long after `since` it arrived.
    pub(super) async fn next_at(&mut self, since: Instant) -> (ServerEvent, Duration) {
        let event = self.next().await;
        (event, since.elapsed())
    }

    /// Asserts that nothing arrives within `period`.
    pub(super) async fn quiet_for(&mut self, period: Duration) {
        if let Ok(event) = tokio::time::timeout(period, self.events.recv()).await {
            panic!("expected no event within {period:?}, got {event:?}");
        }
    }

    /// The room users of the next event, which must be `start`.
    pub(super) async fn next_start(&mut self) -> Vec<RoomUser> {
        match self.next().await {
            ServerEvent::Start {
                game_time,
                room_users,
            } => {
                assert_eq!(game_time, 3);
                room_users
            }
            other => panic!("expected start, got {other:?}"),
        }
    }
}

/// Two clients `a` and `b` that said hello and joined the same room, their `start` consumed.
pub(super) async fn pair(harness: &Harness) -> (Client, Client) {
    let mut a = harness.hello("a").await;
    let mut b = harness.hello("b").await;
    a.send(ClientCommand::Join).await;
    b.send(ClientCommand::Join).await;
    a.next_start().await;
    b.next_start().await;
    (a, b)
}
