//! The matchmaker: a task that owns the room list and every seat count, and decides who sits
//! where (`spec/originals.md` §2.4).
//!
//! - `join`: leave the current room silently, then take the first room with a free seat in the
//!   list, or open `room{n}` at the front of the list.
//! - Every seat taken arms a bot timer (`bot_delay`); when it fires, a room that still has a
//!   free seat and a human in it gets bot `robot-{n}`. A void round re-arms it.
//! - A room leaves the list, and its task ends, when its last member goes. A room where only a
//!   bot is left stays: the next human is paired with the bot at once.
//!
//! Rooms are told every membership change in the order the matchmaker decides them, and apply
//! the same rules (a notified leave takes the bots along), so counts here and members there
//! agree without asking. The room never waits on the matchmaker (void rounds and departures come
//! over unbounded channels that hold at most one message per room round or per player), so the
//! matchmaker may wait on a room's bounded queue without risk of deadlock.

use std::{collections::VecDeque, sync::Arc};

use tokio::{
    sync::{mpsc, oneshot},
    time::Instant,
};
use tokio_util::task::TaskTracker;

use super::{
    member::Member,
    room::{self, RoomCommand, RoomContext, RoomId},
    seat::{RoomLink, Seat},
    sleep_until_some,
};

/// Join and leave requests beyond this make players wait. Each player has at most one request
/// in flight (it awaits the answer), so this only smooths bursts.
pub(crate) const MATCHMAKER_QUEUE: usize = 256;

/// A player's request; `done` is answered once the rooms concerned have been told.
#[derive(Debug)]
pub(crate) enum MatchCommand {
    /// `join` (§2.3).
    Join {
        seat: Arc<Seat>,
        member: Member,
        done: oneshot::Sender<()>,
    },
    /// `leave` (§2.3).
    Leave {
        seat: Arc<Seat>,
        done: oneshot::Sender<()>,
    },
}

/// Everything the matchmaker listens to.
#[derive(Debug)]
pub(crate) struct Inbox {
    pub(crate) commands: mpsc::Receiver<MatchCommand>,
    /// Disconnected players, one message each (sent from `Drop`, which cannot wait).
    pub(crate) departures: mpsc::UnboundedReceiver<Arc<Seat>>,
    /// Rooms whose round ended void with a human alone in them.
    pub(crate) void_rounds: mpsc::UnboundedReceiver<RoomId>,
}

/// Starts the matchmaker on `tracker`; rooms it opens run on `tracker` too.
pub(crate) fn spawn(context: RoomContext, inbox: Inbox, tracker: &TaskTracker) {
    let matchmaker = Matchmaker {
        context,
        tracker: tracker.clone(),
        rooms: VecDeque::new(),
        bot_timers: VecDeque::new(),
        next_room: 0,
        next_bot: 0,
    };
    tracker.spawn(matchmaker.run(inbox));
}

/// One room of the list as the matchmaker counts it.
#[derive(Debug)]
struct RoomEntry {
    link: RoomLink,
    humans: usize,
    bots: usize,
}

impl RoomEntry {
    fn seated(&self) -> usize {
        self.humans + self.bots
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Departure {
    /// `leave`: the others are told.
    Notified,
    /// Re-join or disconnect: nobody is told.
    Silent,
}

struct Matchmaker {
    context: RoomContext,
    tracker: TaskTracker,
    /// Front = newest room; "first free seat" searches from the front.
    rooms: VecDeque<RoomEntry>,
    /// `(when, room)`, in firing order: every timer has the same delay and is armed at "now".
    bot_timers: VecDeque<(Instant, RoomId)>,
    next_room: u64,
    next_bot: u64,
}

impl Matchmaker {
    async fn run(mut self, mut inbox: Inbox) {
        let shutdown = self.context.shutdown.clone();
        loop {
            let next_timer = self.bot_timers.front().map(|&(at, _)| at);
            tokio::select! {
                biased;
                () = shutdown.cancelled() => break,
                () = sleep_until_some(next_timer) => self.bot_timer_fired().await,
                Some(seat) = inbox.departures.recv() => {
                    self.unseat(&seat, Departure::Silent).await;
                }
                Some(room) = inbox.void_rounds.recv() => self.arm_bot_timer(room),
                command = inbox.commands.recv() => match command {
                    Some(MatchCommand::Join { seat, member, done }) => {
                        self.join(&seat, member).await;
                        let _ = done.send(());
                    }
                    Some(MatchCommand::Leave { seat, done }) => {
                        self.unseat(&seat, Departure::Notified).await;
                        let _ = done.send(());
                    }
                    // The game and every player are gone.
                    None => break,
                },
            }
        }
        log::debug!("matchmaker stopped with {} rooms", self.rooms.len());
    }

    async fn join(&mut self, seat: &Arc<Seat>, member: Member) {
        // Its disconnect is queued or done: seating it now would leave a ghost in a room.
        if seat.is_gone() {
            return;
        }
        self.unseat(seat, Departure::Silent).await;
        let capacity = self.context.config.capacity();
        let index = match self.rooms.iter().position(|room| room.seated() < capacity) {
            Some(index) => index,
            None => self.open_room(),
        };
        let entry = &mut self.rooms[index];
        entry.humans += 1;
        let link = entry.link.clone();
        // Seat the player only once `Add` is queued, so its next choice lands after it.
        let _ = link.commands.send(RoomCommand::Add(member)).await;
        seat.set_room(link.clone());
        self.arm_bot_timer(link.id);
    }

    async fn unseat(&mut self, seat: &Seat, how: Departure) {
        let Some(link) = seat.take_room() else {
            return;
        };
        let member = seat.member_id();
        let command = match how {
            Departure::Notified => RoomCommand::Leave(member),
            Departure::Silent => RoomCommand::Remove(member),
        };
        // Fails only when the room has stopped (shutdown).
        let _ = link.commands.send(command).await;
        let Some(index) = self.index_of(link.id) else {
            return;
        };
        let entry = &mut self.rooms[index];
        entry.humans = entry.humans.saturating_sub(1);
        if how == Departure::Notified {
            // Bots leave when they hear of a leave (the room does the same).
            entry.bots = 0;
        }
        if entry.seated() == 0 {
            self.rooms.remove(index);
            self.context.counters.room_closed();
            log::debug!("room{} dropped", link.id);
        }
    }

    /// Opens `room{n}` at the front of the list; returns its index (0).
    fn open_room(&mut self) -> usize {
        let id = self.next_room;
        self.next_room += 1;
        let (commands, relay) = room::spawn(id, &self.context, &self.tracker);
        self.rooms.push_front(RoomEntry {
            link: RoomLink {
                id,
                commands,
                relay,
            },
            humans: 0,
            bots: 0,
        });
        self.context.counters.room_opened();
        0
    }

    fn arm_bot_timer(&mut self, room: RoomId) {
        let at = Instant::now() + self.context.config.bot_delay;
        self.bot_timers.push_back((at, room));
    }

    /// A bot takes the free seat of the room whose timer fired, if a human still waits there.
    async fn bot_timer_fired(&mut self) {
        let Some((_, room)) = self.bot_timers.pop_front() else {
            return;
        };
        let Some(index) = self.index_of(room) else {
            return;
        };
        let capacity = self.context.config.capacity();
        let entry = &mut self.rooms[index];
        if entry.humans == 0 || entry.seated() >= capacity {
            return;
        }
        entry.bots += 1;
        let commands = entry.link.commands.clone();
        self.next_bot += 1;
        let bot = Member::bot(self.next_bot, &self.context.config.bot_avatar);
        let _ = commands.send(RoomCommand::Add(bot)).await;
        // Like any join, the bot's arms a timer of its own.
        self.arm_bot_timer(room);
    }

    fn index_of(&self, room: RoomId) -> Option<usize> {
        self.rooms.iter().position(|entry| entry.link.id == room)
    }
}
