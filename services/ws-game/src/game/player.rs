//! One connected player: what the connection layer hands its decoded commands to.

use std::sync::Arc;

use tokio::sync::oneshot;

use super::{
    OutboundEvent, Outbox, Shared,
    matchmaker::MatchCommand,
    room::{self, Member, RoomCommand},
    seat::Seat,
};
use crate::protocol::{ClientCommand, ServerEvent, User};

/// A connected player. Created by [`Game::connect`](super::Game::connect); dropping it is the
/// disconnect: the player leaves its room without the others being told (§2.4).
#[derive(Debug)]
pub struct Player {
    seat: Arc<Seat>,
    /// Who the player says it is; `player-{n}` with empty name and avatar until `hello`.
    user: User,
    outbox: Outbox,
    shared: Arc<Shared>,
    number: u64,
}

impl Player {
    pub(super) fn new(number: u64, outbox: Outbox, shared: Arc<Shared>) -> Self {
        shared.counters.player_connected();
        Self {
            seat: Seat::new(number),
            user: User {
                uid: server_uid(number),
                ..User::default()
            },
            outbox,
            shared,
            number,
        }
    }

    /// The player as it introduced itself (or the server-made identity before `hello`).
    pub fn user(&self) -> &User {
        &self.user
    }

    /// Applies one client command (§2.3):
    ///
    /// - `hello`: keeps the user (an empty `uid` is replaced by the server-made `player-{n}`)
    ///   and answers `hi` to this player only;
    /// - `join`: silently leaves the current room, then takes the first free seat or a new room;
    /// - `leave`: leaves the room, the others get `leave {uid}`;
    /// - `choice` / `face`: the others in the room see a `movement` (never the hand itself).
    ///
    /// It never waits on another player's connection: rooms only `try_send` to outboxes. It may
    /// wait for room in the matchmaker's or the room's queue, which is back-pressure on this
    /// player alone. Commands after shutdown are ignored.
    pub async fn command(&mut self, command: ClientCommand) {
        match command {
            ClientCommand::Hello(user) => self.hello(user).await,
            ClientCommand::Join => {
                let member = Member::human(
                    self.number,
                    self.user.clone(),
                    self.outbox.clone(),
                    Arc::clone(self.seat.data()),
                );
                let seat = Arc::clone(&self.seat);
                self.ask(|done| MatchCommand::Join { seat, member, done })
                    .await;
            }
            ClientCommand::Leave => {
                let seat = Arc::clone(&self.seat);
                self.ask(|done| MatchCommand::Leave { seat, done }).await;
            }
            ClientCommand::Choice(choice) => match self.seat.room() {
                Some(room) => {
                    let command = RoomCommand::Choice(self.seat.member_id(), choice);
                    let _ = room.commands.send(command).await;
                }
                // Like the original, a hand chosen outside a room is kept for the next round.
                None => room::lock(self.seat.data()).choice = Some(choice),
            },
            ClientCommand::Face(face) => {
                if let Some(room) = self.seat.room() {
                    let command = RoomCommand::Face(self.seat.member_id(), face);
                    let _ = room.commands.send(command).await;
                }
            }
        }
    }

    async fn hello(&mut self, mut user: User) {
        if user.uid.is_empty() {
            user.uid = server_uid(self.number);
        }
        self.user = user;
        let nearby = self.shared.config.nearby;
        self.outbox
            .deliver(&OutboundEvent::new(ServerEvent::Hi { nearby }));
        if let Some(room) = self.seat.room() {
            let command = RoomCommand::Rename(self.seat.member_id(), self.user.clone());
            let _ = room.commands.send(command).await;
        }
    }

    /// Sends a request to the matchmaker and waits until it has been carried out, so the next
    /// command of this player sees its effect.
    async fn ask(&self, request: impl FnOnce(oneshot::Sender<()>) -> MatchCommand) {
        let (done, answered) = oneshot::channel();
        if self.shared.commands.send(request(done)).await.is_ok() {
            // An error means the matchmaker stopped (shutdown).
            let _ = answered.await;
        }
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        self.seat.mark_gone();
        // Fails only when the matchmaker has stopped, and then there is no room to leave.
        let _ = self.shared.departures.send(Arc::clone(&self.seat));
        self.shared.counters.player_disconnected();
    }
}

/// The uid given to a player that did not bring one.
fn server_uid(number: u64) -> String {
    format!("player-{number}")
}
