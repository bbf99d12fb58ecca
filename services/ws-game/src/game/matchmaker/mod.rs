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
//!
//! In cluster mode (`cluster.rs`) a join claims a seat from the shared list in Redis first, and
//! the matchmaker also seats, unseats and re-seats players of other nodes.

mod cluster;

use std::{
    collections::{HashMap, VecDeque},
    sync::Arc,
};

use tokio::{
    sync::{mpsc, oneshot},
    time::Instant,
};
use tokio_util::task::TaskTracker;

use super::{
    cluster::{Cluster, ClusterEvent},
    member::{Member, MemberId},
    room::{self, RoomCommand, RoomContext, RoomId},
    seat::{Place, RoomLink, Seat},
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
    /// A resumed player: `member` takes over its seat at `place` (its old connection's outbox
    /// is replaced by the new one's).
    Resume {
        seat: Arc<Seat>,
        member: Member,
        place: Option<Place>,
        done: oneshot::Sender<()>,
    },
    /// A held player handed over to another node: forget it without a word (its seat moves).
    Forget { seat: Arc<Seat> },
}

/// Everything the matchmaker listens to.
#[derive(Debug)]
pub(crate) struct Inbox {
    pub(crate) commands: mpsc::Receiver<MatchCommand>,
    /// Disconnected players, one message each (sent from `Drop`, which cannot wait).
    pub(crate) departures: mpsc::UnboundedReceiver<Arc<Seat>>,
    /// Rooms whose round ended void with a human alone in them.
    pub(crate) void_rounds: mpsc::UnboundedReceiver<RoomId>,
    /// Cluster mode only: what other nodes and the link report.
    pub(crate) cluster: Option<mpsc::UnboundedReceiver<ClusterEvent>>,
}

/// Starts the matchmaker on `tracker`; rooms it opens run on `tracker` too.
pub(crate) fn spawn(
    context: RoomContext,
    inbox: Inbox,
    cluster: Option<Arc<Cluster>>,
    tracker: &TaskTracker,
) {
    let matchmaker = Matchmaker {
        context,
        tracker: tracker.clone(),
        rooms: VecDeque::new(),
        bot_timers: VecDeque::new(),
        next_room: 0,
        next_bot: 0,
        cluster,
        remote_seats: HashMap::new(),
    };
    tracker.spawn(matchmaker.run(inbox));
}

/// One room of the list as the matchmaker counts it.
#[derive(Debug)]
struct RoomEntry {
    link: RoomLink,
    humans: usize,
    bots: usize,
    /// Cluster mode: the members whose socket is on another node, and that node.
    remote: Vec<(u64, Arc<str>)>,
    /// Cluster mode: the last bot timer found the seat claimed by a human of another node.
    bot_refused: bool,
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
    /// Cluster mode.
    cluster: Option<Arc<Cluster>>,
    /// Cluster mode: this node's players seated in other nodes' rooms, with the member they
    /// joined as (to join again if that room is refused or its node dies).
    remote_seats: HashMap<u64, (Arc<Seat>, Member)>,
}

impl Matchmaker {
    async fn run(mut self, mut inbox: Inbox) {
        let shutdown = self.context.shutdown.clone();
        let mut cluster_events = inbox.cluster.take();
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
                Some(event) = cluster::next(&mut cluster_events) => self.on_cluster(event).await,
                command = inbox.commands.recv() => match command {
                    Some(MatchCommand::Join { seat, member, done }) => {
                        self.join(&seat, member).await;
                        let _ = done.send(());
                    }
                    Some(MatchCommand::Leave { seat, done }) => {
                        self.unseat(&seat, Departure::Notified).await;
                        let _ = done.send(());
                    }
                    Some(MatchCommand::Resume { seat, member, place, done }) => {
                        self.resume(&seat, member, place).await;
                        let _ = done.send(());
                    }
                    Some(MatchCommand::Forget { seat }) => {
                        self.remote_seats.remove(&seat.number());
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
        let member = match self.joined_cluster() {
            Some(cluster) => match self.join_cluster(&cluster, seat, member).await {
                Ok(()) => return,
                // Redis failed: play locally.
                Err(member) => member,
            },
            None => member,
        };
        let capacity = self.context.config.capacity();
        let index = match self.rooms.iter().position(|room| room.seated() < capacity) {
            Some(index) => index,
            None => self.open_room(),
        };
        self.seat_here(index, seat, member).await;
    }

    /// Seats `member` in the room at `index` of the list.
    async fn seat_here(&mut self, index: usize, seat: &Arc<Seat>, member: Member) {
        let entry = &mut self.rooms[index];
        entry.humans += 1;
        let link = entry.link.clone();
        // Seat the player only once `Add` is queued, so its next choice lands after it.
        let _ = link.commands.send(RoomCommand::Add(member)).await;
        seat.set_room(link.clone());
        self.arm_bot_timer(link.id);
    }

    async fn unseat(&mut self, seat: &Seat, how: Departure) {
        let link = match seat.take_place() {
            None => return,
            Some(Place::Local(link)) => link,
            Some(Place::Remote(room)) => {
                self.leave_remote(seat.number(), &room, how).await;
                return;
            }
        };
        self.vacate(&link, seat.member_id(), how, false).await;
    }

    /// `member` leaves room `link`; the seat counts follow, and an empty room is dropped.
    /// `released`: the member's node has already freed its seat in the cluster's seat list
    /// (a remote member's `leave`); otherwise this frees it (and the seats of bots that leave).
    async fn vacate(&mut self, link: &RoomLink, member: MemberId, how: Departure, released: bool) {
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
        if let MemberId::Player(number) = member {
            entry.remote.retain(|(player, _)| *player != number);
        }
        // Bots leave when they hear of a leave (the room does the same).
        let bots_gone = if how == Departure::Notified {
            std::mem::take(&mut entry.bots)
        } else {
            0
        };
        let seated = entry.seated();
        if seated == 0 {
            self.rooms.remove(index);
            self.context.counters.room_closed();
            if let Some(cluster) = &self.cluster {
                cluster.remove_room(link.id);
            }
            log::debug!("room{} dropped", link.id);
            self.list(link.id, 0).await;
        } else {
            // Counted, never set: a claim from another node may be on its way to this room,
            // and the list already counts it.
            let freed = usize::from(!released) + bots_gone;
            self.release(link.id, freed).await;
        }
    }

    /// Opens `room{n}` at the front of the list; returns its index (0).
    fn open_room(&mut self) -> usize {
        let id = self.next_room;
        self.next_room += 1;
        let (commands, relay) = room::spawn(id, &self.context, &self.tracker);
        let link = RoomLink {
            id,
            commands,
            relay,
        };
        if let Some(cluster) = &self.cluster {
            cluster.add_room(link.clone());
        }
        self.rooms.push_front(RoomEntry {
            link,
            humans: 0,
            bots: 0,
            remote: Vec::new(),
            bot_refused: false,
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
        let entry = &self.rooms[index];
        if entry.humans == 0 || entry.seated() >= capacity {
            return;
        }
        if !self.bot_may_sit(room).await {
            self.arm_bot_timer(room);
            return;
        }
        let Some(index) = self.index_of(room) else {
            return;
        };
        let entry = &mut self.rooms[index];
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
