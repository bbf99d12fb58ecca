//! One connected player: what the connection layer hands its decoded commands to.

use std::sync::Arc;

use tokio::sync::oneshot;

use super::{
    OutboundEvent, Outbox, Shared,
    cluster::{Outbound, Wire},
    matchmaker::MatchCommand,
    member::{self, Member},
    room::{RoomCommand, RoomId},
    seat::Seat,
};
use crate::protocol::{ClientCommand, Movement, ServerEvent, User};

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
    /// The resume token of a JSON player that asked for one.
    pub(super) token: Option<String>,
    /// Handed over to another node (resume): dropping it is not a disconnect.
    pub(super) detached: bool,
}

impl Player {
    pub(super) fn new(number: u64, outbox: Outbox, shared: Arc<Shared>) -> Self {
        let user = User {
            uid: server_uid(number),
            ..User::default()
        };
        Self::with(Seat::new(number), user, outbox, shared)
    }

    /// A player with `seat` (its number and game data) and `user`.
    pub(super) fn with(seat: Arc<Seat>, user: User, outbox: Outbox, shared: Arc<Shared>) -> Self {
        shared.counters.player_connected();
        let number = seat.number();
        if let Some(cluster) = &shared.cluster {
            let local = super::cluster::LocalPlayer {
                outbox: outbox.clone(),
                data: Arc::clone(seat.data()),
            };
            cluster.add_player(number, local);
        }
        Self {
            seat,
            user,
            outbox,
            shared,
            number,
            token: None,
            detached: false,
        }
    }

    /// The resume token given to this player, if it asked for one.
    pub fn resume_token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    pub(super) fn seat(&self) -> &Arc<Seat> {
        &self.seat
    }

    /// The member this player sits as (its current outbox).
    pub(super) fn member(&self) -> Member {
        Member::human(
            self.number,
            self.user.clone(),
            self.outbox.clone(),
            Arc::clone(self.seat.data()),
        )
    }

    /// A resumed player's new connection: its events go to `outbox` from now on, here and in
    /// its room.
    pub(super) async fn take_over(&mut self, outbox: Outbox) {
        self.outbox = outbox;
        if let Some(cluster) = &self.shared.cluster {
            let local = super::cluster::LocalPlayer {
                outbox: self.outbox.clone(),
                data: Arc::clone(self.seat.data()),
            };
            cluster.add_player(self.number, local);
        }
        let seat = Arc::clone(&self.seat);
        let member = self.member();
        let place = seat.place();
        self.ask(|done| MatchCommand::Resume {
            seat,
            member,
            place,
            done,
        })
        .await;
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
                let member = self.member();
                let seat = Arc::clone(&self.seat);
                self.ask(|done| MatchCommand::Join { seat, member, done })
                    .await;
            }
            ClientCommand::Leave => {
                let seat = Arc::clone(&self.seat);
                self.ask(|done| MatchCommand::Leave { seat, done }).await;
            }
            ClientCommand::Choice(choice) => {
                let id = self.seat.member_id();
                match self.seat.relay() {
                    Some(relay) if relay.movement(id, Movement::Choice, Some(choice)) => {}
                    Some(_) => self.to_room(RoomCommand::Choice(id, choice)).await,
                    None => {
                        // Like the original, a hand chosen outside a room is kept for the next
                        // round.
                        member::lock(self.seat.data()).choice = Some(choice);
                        self.to_remote(|room, player| Wire::Choice {
                            room,
                            player,
                            choice,
                        });
                    }
                }
            }
            ClientCommand::Face(face) => {
                let id = self.seat.member_id();
                let relayed = self
                    .seat
                    .relay()
                    .map(|relay| relay.movement(id, Movement::Face(face), None));
                match relayed {
                    Some(false) => self.to_room(RoomCommand::Face(id, face)).await,
                    Some(true) => {}
                    None => self.to_remote(|room, player| Wire::Face { room, player, face }),
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
            // Wait until the room uses the new name, so the next movement carries it.
            let (done, renamed) = oneshot::channel();
            let command = RoomCommand::Rename(self.seat.member_id(), self.user.clone(), done);
            if room.commands.send(command).await.is_ok() {
                let _ = renamed.await;
            }
        }
        let user = self.user.clone();
        self.to_remote(|room, player| Wire::Rename { room, player, user });
    }

    /// Cluster mode: sends `message(room, player)` to the owner of the remote room the player
    /// sits in, if it sits in one.
    fn to_remote(&self, message: impl FnOnce(RoomId, u64) -> Wire) {
        let Some(cluster) = &self.shared.cluster else {
            return;
        };
        if let Some(room) = self.seat.remote() {
            let wire = message(room.id, self.number);
            cluster.send(&room.owner, Outbound::Wire(wire));
        }
    }

    /// Queues `command` for the player's room (a player not yet seated by its relay).
    async fn to_room(&self, command: RoomCommand) {
        if let Some(room) = self.seat.room() {
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
        self.shared.counters.player_disconnected();
        if let Some(cluster) = &self.shared.cluster {
            cluster.remove_player(self.number);
        }
        if self.detached {
            return;
        }
        self.seat.mark_gone();
        // Fails only when the matchmaker has stopped, and then there is no room to leave.
        let _ = self.shared.departures.send(Arc::clone(&self.seat));
    }
}

/// The uid given to a player that did not bring one.
fn server_uid(number: u64) -> String {
    format!("player-{number}")
}

#[cfg(test)]
mod tests {
    use tokio::sync::mpsc;
    use tokio_util::{sync::CancellationToken, task::TaskTracker};

    use super::*;
    use crate::{
        game::{Game, GameConfig, relay::Relay, seat::RoomLink},
        protocol::Choice,
    };

    #[tokio::test]
    async fn a_movement_the_relay_cannot_place_is_queued_for_the_room() {
        let game = Game::start(
            GameConfig::default(),
            CancellationToken::new(),
            &TaskTracker::new(),
        );
        let (outbox, _events) = Outbox::new(4);
        let mut player = game.connect(outbox);
        // Seated by the matchmaker, but the room has not applied the `Add` (its relay is
        // empty): the choice must wait in the room's queue, behind the `Add`.
        let (commands, mut queued) = mpsc::channel(4);
        let relay = Arc::new(Relay::default());
        player.seat.set_room(RoomLink {
            id: 7,
            commands,
            relay,
        });
        player.command(ClientCommand::Choice(Choice::Rock)).await;
        player.command(ClientCommand::Face(2)).await;
        let id = player.seat.member_id();
        assert!(
            matches!(queued.try_recv(), Ok(RoomCommand::Choice(who, Choice::Rock)) if who == id)
        );
        assert!(matches!(queued.try_recv(), Ok(RoomCommand::Face(who, 2)) if who == id));
    }
}
