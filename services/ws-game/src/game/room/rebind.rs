//! A resumed member's new connection (issue 14): where its events go from now on.

use std::sync::Arc;

use super::Room;
use crate::game::{
    cluster::{Cluster, RemoteSink},
    member::{MemberId, Role, SharedData, lock},
};

/// Where a resumed member's events go.
#[derive(Debug)]
pub(crate) enum Rebinding {
    /// A connection of this node, and the game data that connection's player reads: from now
    /// on the room keeps its member's score there.
    Local(crate::game::Outbox, SharedData),
    /// A connection on another node of the cluster.
    Remote(Arc<Cluster>, Arc<str>),
}

impl Room {
    /// Member `id`'s events go to `to` from now on (nothing if it is not seated here).
    pub(super) fn rebind(&mut self, id: MemberId, to: Rebinding) {
        let Some(index) = self.index_of(id) else {
            return;
        };
        let member = &mut self.members[index];
        let outbox = match to {
            // Reached through another node until now: the player's copy of its score takes
            // over from the room's, up to date.
            Rebinding::Local(outbox, data) => {
                if !Arc::ptr_eq(&data, &member.data) {
                    *lock(&data) = *lock(&member.data);
                    member.data = data;
                }
                outbox
            }
            Rebinding::Remote(cluster, node) => {
                let MemberId::Player(player) = id else {
                    return;
                };
                RemoteSink::outbox(&cluster, node, player, Arc::clone(&member.data))
            }
        };
        if let Role::Human(current) = &mut member.role {
            *current = outbox;
            self.sync_relay();
        }
    }
}
