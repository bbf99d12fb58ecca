//! One room as a task that owns its members, its round timer and its bots' timers
//! (`spec/originals.md` §2.3–2.4). Commands arrive over a bounded channel; events leave through
//! each human member's [`Outbox`](super::Outbox), which never waits, so a slow reader never
//! stalls the room. The members' own choices and faces reach the others through the room's
//! [`Relay`], which the room keeps in step with its members.
//!
//! The room does not decide who sits where: the matchmaker sends every `Add`, `Leave` and
//! `Remove`, and applies the same membership rules to its own seat counts. The task ends when
//! the matchmaker drops the room (its channel closes) or on shutdown.

use std::{pin::pin, sync::Arc};

use rand::rngs::StdRng;
use tokio::{
    sync::{mpsc, oneshot},
    time::{Duration, Instant},
};
use tokio_util::{sync::CancellationToken, task::TaskTracker};

use super::{
    GameConfig, OutboundEvent, bot,
    member::{Member, MemberId, Role, lock},
    relay::{Relay, RelaySeat},
    scoring::{GameData, score_round},
    stats::Counters,
};
use crate::protocol::{Choice, Movement, RoomUser, RoundResult, ServerEvent, User};

/// A room's number; its name is `room{id}`.
mod rebind;

pub(crate) use rebind::Rebinding;

pub(crate) type RoomId = u64;

/// Commands waiting for a room beyond this make their senders wait. A room hears from at most
/// `room_capacity` players (each waiting for its own send) and the matchmaker.
const ROOM_QUEUE: usize = 32;

/// What a room is asked to do.
#[derive(Debug)]
pub(crate) enum RoomCommand {
    /// Seat a member; a full room starts a round.
    Add(Member),
    /// The member leaves and the others are told; bots then leave too (§2.4).
    Leave(MemberId),
    /// The member goes without a word (re-join elsewhere, disconnect).
    Remove(MemberId),
    /// The member's hand; the others see that it moved, not what (sent here only when the
    /// [`Relay`] does not seat the member yet).
    Choice(MemberId, Choice),
    /// The member's face, relayed to the others (likewise).
    Face(MemberId, i64),
    /// The member said `hello` again while seated; `done` is answered once the room and its
    /// relay use the new name.
    Rename(MemberId, User, oneshot::Sender<()>),
    /// The member's events go elsewhere from now on (a resumed player's new connection).
    Rebind(MemberId, Rebinding),
}

/// What every room shares: rules, counters, where void rounds are reported, shutdown.
#[derive(Debug, Clone)]
pub(crate) struct RoomContext {
    pub(crate) config: Arc<GameConfig>,
    pub(crate) counters: Arc<Counters>,
    /// A room whose round ended with a single human left reports itself here, so the
    /// matchmaker re-arms its bot timer. At most one report per round, hence unbounded.
    pub(crate) void_rounds: mpsc::UnboundedSender<RoomId>,
    pub(crate) shutdown: CancellationToken,
}

/// Starts room `id` on `tracker`; returns its command queue and its relay.
pub(crate) fn spawn(
    id: RoomId,
    context: &RoomContext,
    tracker: &TaskTracker,
) -> (mpsc::Sender<RoomCommand>, Arc<Relay>) {
    let (commands, inbox) = mpsc::channel(ROOM_QUEUE);
    let relay = Arc::new(Relay::default());
    let room = Room {
        id,
        relay: Arc::clone(&relay),
        config: Arc::clone(&context.config),
        counters: Arc::clone(&context.counters),
        void_rounds: context.void_rounds.clone(),
        members: Vec::new(),
        round_ends: None,
        rng: bot::room_rng(context.config.rng_seed, id),
    };
    tracker.spawn(room.run(inbox, context.shutdown.clone()));
    (commands, relay)
}

struct Room {
    id: RoomId,
    /// Who sits here, for the members' own tasks (kept in step with `members`).
    relay: Arc<Relay>,
    config: Arc<GameConfig>,
    counters: Arc<Counters>,
    void_rounds: mpsc::UnboundedSender<RoomId>,
    /// In join order.
    members: Vec<Member>,
    round_ends: Option<Instant>,
    rng: StdRng,
}

impl Room {
    async fn run(mut self, mut inbox: mpsc::Receiver<RoomCommand>, shutdown: CancellationToken) {
        log::debug!("room{} opened", self.id);
        // Made once and re-armed only when the next deadline changes: a command costs no
        // timer registration and no shutdown-waiter registration.
        let mut stopped = pin!(shutdown.cancelled());
        let mut timer = pin!(tokio::time::sleep_until(Instant::now()));
        let mut armed = None;
        loop {
            let due = self
                .round_ends
                .into_iter()
                .chain(self.next_bot_choice())
                .min();
            if due != armed {
                if let Some(at) = due {
                    timer.as_mut().reset(at);
                }
                armed = due;
            }
            // Commands first, the rare branches after them, so a turn that finds a command
            // polls nothing else; the timers are compared with the clock before each command,
            // so a flood of commands cannot hold back the end of a round.
            tokio::select! {
                biased;
                command = inbox.recv() => {
                    let Some(command) = command else { break };
                    if armed.is_some_and(|at| at <= Instant::now()) {
                        armed = None;
                        self.timers_fired();
                    }
                    self.handle(command);
                }
                () = &mut timer, if armed.is_some() => {
                    armed = None;
                    self.timers_fired();
                }
                () = &mut stopped => break,
            }
        }
        log::debug!("room{} closed", self.id);
    }

    /// The round's end, then the bots whose time has come.
    fn timers_fired(&mut self) {
        let now = Instant::now();
        if self.round_ends.is_some_and(|ends| ends <= now) {
            self.finish_round();
        }
        if self.next_bot_choice().is_some_and(|due| due <= now) {
            self.bots_choose();
        }
    }

    fn handle(&mut self, command: RoomCommand) {
        match command {
            RoomCommand::Add(member) => {
                self.add(member);
                self.sync_relay();
            }
            RoomCommand::Leave(id) => {
                self.leave(id);
                self.sync_relay();
            }
            RoomCommand::Remove(id) => {
                self.members.retain(|member| member.id != id);
                self.sync_relay();
            }
            RoomCommand::Choice(id, choice) => {
                if let Some(index) = self.index_of(id) {
                    lock(&self.members[index].data).choice = Some(choice);
                    self.relay_movement(index, Movement::Choice);
                }
            }
            RoomCommand::Face(id, face) => {
                if let Some(index) = self.index_of(id) {
                    self.relay_movement(index, Movement::Face(face));
                }
            }
            RoomCommand::Rename(id, user, done) => {
                if let Some(index) = self.index_of(id) {
                    self.members[index].rename(user);
                    self.sync_relay();
                }
                let _ = done.send(());
            }
            RoomCommand::Rebind(id, outbox) => self.rebind(id, outbox),
        }
    }

    /// Hands the relay the seats as they are now.
    fn sync_relay(&self) {
        let seats = self.members.iter().map(|member| RelaySeat {
            id: member.id,
            uid: Arc::clone(&member.uid),
            chose: Arc::clone(&member.chose),
            data: Arc::clone(&member.data),
            outbox: match &member.role {
                Role::Human(outbox) => Some(outbox.clone()),
                Role::Bot { .. } => None,
            },
        });
        self.relay.set(seats.collect());
    }

    fn add(&mut self, member: Member) {
        log::debug!("{} enters room{}", member.user.uid, self.id);
        self.members.push(member);
        if self.members.len() >= self.config.capacity() {
            self.start_round();
        }
    }

    /// The others hear of the leaver first. A bot that hears of a leave leaves too, and its own
    /// leave reaches everyone still seated — the leaver included, who goes last (§2.4).
    fn leave(&mut self, id: MemberId) {
        let Some(index) = self.index_of(id) else {
            return;
        };
        let uid = self.members[index].user.uid.clone();
        self.send(ServerEvent::Leave { uid }, Some(index));
        while let Some(bot) = self.members.iter().position(Member::is_bot) {
            let uid = self.members[bot].user.uid.clone();
            self.send(ServerEvent::Leave { uid }, Some(bot));
            self.members.remove(bot);
        }
        self.members.retain(|member| member.id != id);
    }

    /// Round start: every round score back to 0, `start` to everyone, bots begin to choose. A
    /// room that fills up again during a round starts afresh (the unfinished round is dropped).
    fn start_round(&mut self) {
        let now = Instant::now();
        let first_choice = now + self.config.bot_first_choice;
        let room_users = self
            .members
            .iter_mut()
            .map(|member| {
                let data = {
                    let mut data = lock(&member.data);
                    data.round_score = 0;
                    *data
                };
                if let Role::Bot { next_choice } = &mut member.role {
                    *next_choice = Some(first_choice);
                }
                RoomUser {
                    uid: member.user.uid.clone(),
                    uname: member.user.uname.clone(),
                    uavatar: member.user.uavatar.clone(),
                    choice: data.choice,
                    round_score: data.round_score,
                    total_score: data.total_score,
                    win_streak: data.win_streak,
                }
            })
            .collect();
        self.round_ends = Some(now + self.config.game_time);
        log::debug!("room{}: round starts", self.id);
        let game_time = self.config.game_time_secs();
        self.send(
            ServerEvent::Start {
                game_time,
                room_users,
            },
            None,
        );
    }

    /// Round end: judge and score everyone still seated and send `result`. With fewer than two
    /// left the round is void — no single-entry `result`, which crashed the original client —
    /// and a human left alone gets a bot (the matchmaker re-arms the bot timer).
    fn finish_round(&mut self) {
        self.round_ends = None;
        for member in &mut self.members {
            if let Role::Bot { next_choice } = &mut member.role {
                *next_choice = None;
            }
        }
        if self.members.len() < 2 {
            log::debug!("room{}: round void", self.id);
            self.counters.round_voided();
            if self.members.iter().any(|member| !member.is_bot()) {
                // Fails only when the matchmaker has stopped (shutdown).
                let _ = self.void_rounds.send(self.id);
            }
            return;
        }
        let mut scores: Vec<GameData> = self.members.iter().map(|m| *lock(&m.data)).collect();
        score_round(&mut scores);
        let result = self
            .members
            .iter()
            .zip(&scores)
            .map(|(member, score)| {
                let mut data = lock(&member.data);
                data.round_score = score.round_score;
                data.total_score = score.total_score;
                data.win_streak = score.win_streak;
                RoundResult {
                    uid: member.user.uid.clone(),
                    round_score: data.round_score,
                    total_score: data.total_score,
                    win_streak: data.win_streak,
                    choice: score.choice,
                }
            })
            .collect();
        self.counters.round_played();
        self.send(ServerEvent::Result(result), None);
    }

    fn next_bot_choice(&self) -> Option<Instant> {
        self.members
            .iter()
            .filter_map(|member| match member.role {
                Role::Bot { next_choice } => next_choice,
                Role::Human(_) => None,
            })
            .min()
    }

    /// Every bot whose time has come picks a random hand (seen by the others as a movement)
    /// and its next moment, a random pause later.
    fn bots_choose(&mut self) {
        let now = Instant::now();
        for index in 0..self.members.len() {
            let due = match self.members[index].role {
                Role::Bot {
                    next_choice: Some(due),
                } if due <= now => due,
                _ => continue,
            };
            let choice = bot::random_choice(&mut self.rng);
            let pause: Duration = bot::random_pause(&mut self.rng, self.config.bot_choice_interval);
            let member = &mut self.members[index];
            member.role = Role::Bot {
                next_choice: Some(due + pause),
            };
            lock(&member.data).choice = Some(choice);
            self.relay_movement(index, Movement::Choice);
        }
    }

    fn relay_movement(&self, index: usize, movement: Movement) {
        let member = &self.members[index];
        if movement == Movement::Choice {
            self.deliver(&member.chose, Some(index));
        } else {
            let uid = Arc::clone(&member.uid);
            self.send(ServerEvent::Movement { uid, movement }, Some(index));
        }
    }

    /// Sends `event` to every human member but the one at `except`.
    fn send(&self, event: ServerEvent, except: Option<usize>) {
        self.deliver(&OutboundEvent::new(event), except);
    }

    /// Delivers `event` to every human member but the one at `except`.
    fn deliver(&self, event: &Arc<OutboundEvent>, except: Option<usize>) {
        for (index, member) in self.members.iter().enumerate() {
            if Some(index) == except {
                continue;
            }
            if let Role::Human(outbox) = &member.role {
                outbox.deliver(event);
            }
        }
    }

    fn index_of(&self, id: MemberId) -> Option<usize> {
        self.members.iter().position(|member| member.id == id)
    }
}
