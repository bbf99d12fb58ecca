//! The matchmaker's cluster side (`game::cluster`): claiming seats from the shared list,
//! seating players of other nodes, and re-seating when a node or Redis goes away. None of it
//! runs on a single node (`Matchmaker::cluster` is `None`).

use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use super::{Departure, Matchmaker};
use crate::game::{
    cluster::{Cluster, ClusterEvent, Outbound, RemoteSink, Wire, entry},
    member::{Member, MemberId, Role, lock},
    room::{Rebinding, RoomCommand, RoomId},
    seat::{Place, RemoteRoom, Seat},
};

/// Claims that find the caller's own room gone before giving up on the list (each retry sees
/// a list with that entry removed, so this is only a guard).
const CLAIM_ATTEMPTS: usize = 3;

/// The next cluster event; pending forever on a single node.
pub(super) async fn next(
    events: &mut Option<mpsc::UnboundedReceiver<ClusterEvent>>,
) -> Option<ClusterEvent> {
    match events {
        Some(events) => events.recv().await,
        None => std::future::pending().await,
    }
}

impl Matchmaker {
    /// The cluster, if this node is part of one and Redis answers.
    pub(super) fn joined_cluster(&self) -> Option<Arc<Cluster>> {
        self.cluster.as_ref().filter(|c| c.is_joined()).cloned()
    }

    /// Claims a seat anywhere in the cluster, or lists a new room of ours. `Err(member)`: Redis
    /// failed, the caller seats the player locally.
    pub(super) async fn join_cluster(
        &mut self,
        cluster: &Arc<Cluster>,
        seat: &Arc<Seat>,
        member: Member,
    ) -> Result<(), Member> {
        let capacity = self.context.config.capacity();
        for _ in 0..CLAIM_ATTEMPTS {
            let Some(mut lobby) = cluster.lobby() else {
                return Err(member);
            };
            let me = cluster.node();
            let mine = entry(&me, self.next_room);
            let claimed = match lobby.claim_or_list(&mine, capacity - 1).await {
                Ok(claimed) => claimed,
                Err(error) => {
                    log::warn!("cluster: seat list unreachable ({error}); seating locally");
                    return Err(member);
                }
            };
            let Some(claimed) = claimed else {
                // Our new room is listed: open it (it takes the number listed).
                let index = self.open_room();
                self.seat_here(index, seat, member).await;
                return Ok(());
            };
            if *claimed.node == *me {
                match self.index_of(claimed.room) {
                    Some(index) if self.rooms[index].seated() < capacity => {
                        self.seat_here(index, seat, member).await;
                        return Ok(());
                    }
                    // A stale entry of ours: claim again.
                    _ => continue,
                }
            }
            let owner: Arc<str> = Arc::from(claimed.node);
            let number = seat.number();
            seat.set_remote(RemoteRoom {
                owner: Arc::clone(&owner),
                id: claimed.room,
            });
            let join = Wire::Join {
                room: claimed.room,
                player: number,
                node: me,
                user: member.user.clone(),
                data: *lock(&member.data),
            };
            cluster.send(&owner, Outbound::Wire(join));
            self.remote_seats.insert(number, (Arc::clone(seat), member));
            return Ok(());
        }
        Err(member)
    }

    /// Our player leaves a room of another node.
    pub(super) async fn leave_remote(&mut self, number: u64, room: &RemoteRoom, how: Departure) {
        self.remote_seats.remove(&number);
        if let Some(cluster) = self.joined_cluster()
            && let Some(mut lobby) = cluster.lobby()
        {
            // Free the seat now rather than when the owner hears of it, so a re-join from here
            // finds it (the owner, told `released`, frees it no more).
            let _ = lobby.release(&entry(&room.owner, room.id), 1).await;
        }
        if let Some(cluster) = &self.cluster {
            let leave = Wire::Leave {
                room: room.id,
                player: number,
                notified: how == Departure::Notified,
            };
            cluster.send(&room.owner, Outbound::Wire(leave));
        }
    }

    /// Tells the seat list that our room `room` has `seated` members (free seats listed,
    /// a full or dropped room unlisted). Nothing on a single node or while Redis is gone.
    pub(super) async fn list(&self, room: RoomId, seated: usize) {
        let Some(cluster) = self.joined_cluster() else {
            return;
        };
        let Some(mut lobby) = cluster.lobby() else {
            return;
        };
        let free = if seated == 0 {
            0
        } else {
            self.context.config.capacity().saturating_sub(seated)
        };
        if let Err(error) = lobby.set_free(&entry(&cluster.node(), room), free).await {
            log::debug!("cluster: listing room{room} failed: {error}");
        }
    }

    /// `seats` more free seats in our room `room` on the seat list (a count added in one
    /// script, never a total set: claims in flight stay counted). Nothing on a single node or
    /// while Redis is gone (the room is listed afresh on rejoining).
    pub(super) async fn release(&self, room: RoomId, seats: usize) {
        let Some(cluster) = self.joined_cluster() else {
            return;
        };
        let Some(mut lobby) = cluster.lobby() else {
            return;
        };
        if let Err(error) = lobby.release(&entry(&cluster.node(), room), seats).await {
            log::debug!("cluster: freeing a seat of room{room} failed: {error}");
        }
    }

    /// Whether a bot may take room `room`'s free seat: on a single node always; in a cluster
    /// only if it claims the listed seat (no human of another node claimed it), or when the
    /// timer already found it claimed once (a claim whose `Join` never came: its node died).
    pub(super) async fn bot_may_sit(&mut self, room: RoomId) -> bool {
        let Some(cluster) = self.joined_cluster() else {
            return true;
        };
        let Some(mut lobby) = cluster.lobby() else {
            return true;
        };
        let mine = entry(&cluster.node(), room);
        let claimed = lobby.claim(&mine).await.unwrap_or(true);
        let Some(index) = self.index_of(room) else {
            return false;
        };
        let entry = &mut self.rooms[index];
        if claimed || entry.bot_refused {
            entry.bot_refused = false;
            if !claimed {
                let _ = lobby.set_free(&mine, 0).await;
            }
            return true;
        }
        entry.bot_refused = true;
        false
    }

    pub(super) async fn on_cluster(&mut self, event: ClusterEvent) {
        match event {
            ClusterEvent::Join {
                room,
                player,
                node,
                user,
                data,
            } => self.seat_remote(room, player, node, user, data).await,
            ClusterEvent::Leave {
                room,
                player,
                notified,
            } => {
                let Some(index) = self.index_of(room) else {
                    return;
                };
                if !self.rooms[index].remote.iter().any(|(p, _)| *p == player) {
                    return;
                }
                let link = self.rooms[index].link.clone();
                let how = if notified {
                    Departure::Notified
                } else {
                    Departure::Silent
                };
                self.vacate(&link, MemberId::Player(player), how, true)
                    .await;
            }
            ClusterEvent::Rejected { player, room } => {
                let seated_there = self
                    .remote_seats
                    .get(&player)
                    .is_some_and(|(seat, _)| seat.remote().is_some_and(|remote| remote.id == room));
                if seated_there && let Some((seat, member)) = self.remote_seats.remove(&player) {
                    seat.take_place();
                    self.join(&seat, member).await;
                }
            }
            ClusterEvent::Rebind { room, player, node } => self.rebind(room, player, node).await,
            ClusterEvent::ToRoom { room, command } => {
                if let Some(index) = self.index_of(room) {
                    let link = self.rooms[index].link.clone();
                    let _ = link.commands.send(command).await;
                }
            }
            ClusterEvent::LiveNodes(live) => {
                let alive = |node: &Arc<str>| live.iter().any(|live| live == node);
                self.drop_nodes(|node| !alive(node)).await;
            }
            ClusterEvent::Lost => self.drop_nodes(|_| true).await,
            ClusterEvent::Joined => {
                // A new incarnation: list our rooms with free seats under the new id.
                let rooms: Vec<(RoomId, usize)> = self
                    .rooms
                    .iter()
                    .map(|entry| (entry.link.id, entry.seated()))
                    .collect();
                for (room, seated) in rooms {
                    self.list(room, seated).await;
                }
            }
        }
    }

    /// A player of `node` takes the seat it claimed in our room `room` — or is refused.
    async fn seat_remote(
        &mut self,
        room: RoomId,
        player: u64,
        node: Arc<str>,
        user: crate::protocol::User,
        data: crate::game::scoring::GameData,
    ) {
        let Some(cluster) = self.cluster.clone() else {
            return;
        };
        let capacity = self.context.config.capacity();
        let index = self
            .index_of(room)
            .filter(|&index| self.rooms[index].seated() < capacity && cluster.is_joined());
        let Some(index) = index else {
            let refused = Wire::Rejected { room, player };
            cluster.send(&node, Outbound::Wire(refused));
            return;
        };
        let data = Arc::new(Mutex::new(data));
        let outbox = RemoteSink::outbox(&cluster, Arc::clone(&node), player, Arc::clone(&data));
        let member = Member::human(player, user, outbox, data);
        let entry = &mut self.rooms[index];
        entry.humans += 1;
        entry.remote.push((player, node));
        let link = entry.link.clone();
        let _ = link.commands.send(RoomCommand::Add(member)).await;
        self.arm_bot_timer(room);
    }

    /// A remote member's socket moved to `node` (resume elsewhere).
    async fn rebind(&mut self, room: RoomId, player: u64, node: Arc<str>) {
        let Some(cluster) = self.cluster.clone() else {
            return;
        };
        let Some(index) = self.index_of(room) else {
            return;
        };
        let entry = &mut self.rooms[index];
        entry.remote.retain(|(p, _)| *p != player);
        let to = if node == cluster.node() {
            match cluster.player(player) {
                Some(local) => Rebinding::Local(local.outbox, local.data),
                None => return,
            }
        } else {
            entry.remote.push((player, Arc::clone(&node)));
            Rebinding::Remote(Arc::clone(&cluster), node)
        };
        let link = entry.link.clone();
        let _ = link
            .commands
            .send(RoomCommand::Rebind(MemberId::Player(player), to))
            .await;
    }

    /// Removes the remote members on nodes `gone` says are gone from our rooms, and joins
    /// again our players seated in those nodes' rooms.
    async fn drop_nodes(&mut self, gone: impl Fn(&Arc<str>) -> bool) {
        let mut leaving = Vec::new();
        for entry in &self.rooms {
            for (player, node) in &entry.remote {
                if gone(node) {
                    leaving.push((entry.link.clone(), *player));
                }
            }
        }
        for (link, player) in leaving {
            log::info!("room{}: member player-{player} lost with its node", link.id);
            self.vacate(&link, MemberId::Player(player), Departure::Silent, false)
                .await;
        }
        let stranded: Vec<u64> = self
            .remote_seats
            .iter()
            .filter(|(_, (seat, _))| seat.remote().is_none_or(|room| gone(&room.owner)))
            .map(|(&number, _)| number)
            .collect();
        for number in stranded {
            if let Some((seat, member)) = self.remote_seats.remove(&number) {
                seat.take_place();
                self.join(&seat, member).await;
            }
        }
    }

    /// A resumed player takes over its seat.
    pub(super) async fn resume(&mut self, seat: &Arc<Seat>, member: Member, place: Option<Place>) {
        let number = seat.number();
        match place {
            None => {}
            Some(Place::Local(link)) => {
                seat.set_room(link.clone());
                if let Role::Human(outbox) = &member.role {
                    let to = Rebinding::Local(outbox.clone(), Arc::clone(seat.data()));
                    let command = RoomCommand::Rebind(MemberId::Player(number), to);
                    let _ = link.commands.send(command).await;
                }
            }
            Some(Place::Remote(room)) => {
                let Some(cluster) = self.cluster.clone() else {
                    return;
                };
                if *room.owner == *cluster.node() {
                    // The room is ours; its member was on the node we took the player from.
                    if let Some(link) = cluster.room(room.id) {
                        seat.set_room(link);
                        self.rebind(room.id, number, cluster.node()).await;
                    }
                    return;
                }
                seat.set_remote(room.clone());
                let rebind = Wire::Rebind {
                    room: room.id,
                    player: number,
                    node: cluster.node(),
                };
                cluster.send(&room.owner, Outbound::Wire(rebind));
                self.remote_seats.insert(number, (Arc::clone(seat), member));
            }
        }
    }
}
