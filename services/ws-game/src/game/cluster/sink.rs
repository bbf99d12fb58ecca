//! A remote member's [`EventSink`]: the owner's room delivers to it like to any connection, and
//! it queues the event for the player's node without waiting (`Cluster::send` never blocks; a
//! full queue drops and counts).

use std::sync::Arc;

use super::{Cluster, wire::Outbound};
use crate::{
    game::{
        EventSink, OutboundEvent, Outbox,
        member::{SharedData, lock},
    },
    protocol::ServerEvent,
};

/// Events for player `player` whose socket is on `node`.
#[derive(Debug)]
pub(crate) struct RemoteSink {
    cluster: Arc<Cluster>,
    node: Arc<str>,
    player: u64,
    /// The member's game data in the owner's room: sent along with `start` and `result`, so the
    /// player's own node keeps its score and streak (they follow it to its next room).
    data: SharedData,
}

impl RemoteSink {
    /// An outbox for player `player` on `node`.
    pub(crate) fn outbox(
        cluster: &Arc<Cluster>,
        node: Arc<str>,
        player: u64,
        data: SharedData,
    ) -> Outbox {
        Outbox::from_sink(Arc::new(Self {
            cluster: Arc::clone(cluster),
            node,
            player,
            data,
        }))
    }
}

impl EventSink for RemoteSink {
    fn deliver(&self, event: &Arc<OutboundEvent>) {
        let data = matches!(
            event.event(),
            ServerEvent::Start { .. } | ServerEvent::Result(_)
        )
        .then(|| *lock(&self.data));
        let wire = Outbound::Deliver {
            player: self.player,
            event: Arc::clone(event),
            data,
        };
        self.cluster.send(&self.node, wire);
    }
}
