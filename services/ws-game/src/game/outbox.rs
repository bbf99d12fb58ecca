//! One connection's bounded outbound queue of [`ServerEvent`]s (STYLE: "a slow peer is
//! disconnected, not buffered forever").
//!
//! The engine only ever `try_send`s into an [`Outbox`]; when the queue is full it cancels the
//! connection's overflow token instead of waiting, so a slow reader never stalls a room. The
//! connection owns the [`OutboxReceiver`], writes what it receives and closes the socket when
//! [`OutboxReceiver::overflowed`] resolves.

use std::sync::Arc;

use tokio::sync::mpsc::{self, error::TrySendError};
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

use crate::protocol::ServerEvent;

/// The sending half of one connection's bounded outbound queue. Events are shared (`Arc`) so
/// a broadcast is built once for all recipients.
#[derive(Debug, Clone)]
pub struct Outbox {
    events: mpsc::Sender<Arc<ServerEvent>>,
    overflow: CancellationToken,
}

/// The receiving half, owned by the connection.
#[derive(Debug)]
pub struct OutboxReceiver {
    events: mpsc::Receiver<Arc<ServerEvent>>,
    overflow: CancellationToken,
}

impl Outbox {
    /// A queue holding at most `capacity` events (at least 1).
    pub fn new(capacity: usize) -> (Outbox, OutboxReceiver) {
        let (events, receiver) = mpsc::channel(capacity.max(1));
        let overflow = CancellationToken::new();
        (
            Outbox {
                events,
                overflow: overflow.clone(),
            },
            OutboxReceiver {
                events: receiver,
                overflow,
            },
        )
    }

    /// Queues `event` without waiting. A full queue cancels the overflow token (the connection
    /// then closes); once overflowed, or after the receiver is gone, events are dropped.
    pub(crate) fn deliver(&self, event: &Arc<ServerEvent>) {
        if self.overflow.is_cancelled() {
            return;
        }
        match self.events.try_send(Arc::clone(event)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                log::warn!(
                    "outbound queue full at `{}`: disconnecting the slow reader",
                    event.name()
                );
                self.overflow.cancel();
            }
            // The connection has ended; its `Player` is being dropped.
            Err(TrySendError::Closed(_)) => {}
        }
    }
}

impl OutboxReceiver {
    /// The next event; `None` once every [`Outbox`] for this connection is gone.
    pub async fn recv(&mut self) -> Option<Arc<ServerEvent>> {
        self.events.recv().await
    }

    /// The next event if one is queued now.
    pub fn try_recv(&mut self) -> Option<Arc<ServerEvent>> {
        self.events.try_recv().ok()
    }

    /// Resolves once the queue has overflowed. It borrows nothing, so it can sit in the same
    /// `select!` as [`OutboxReceiver::recv`]; create it anew on each loop turn (cheap).
    pub fn overflowed(&self) -> WaitForCancellationFutureOwned {
        self.overflow.clone().cancelled_owned()
    }

    /// Whether the queue has overflowed.
    pub fn is_overflowed(&self) -> bool {
        self.overflow.is_cancelled()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hi() -> Arc<ServerEvent> {
        Arc::new(ServerEvent::Hi { nearby: 10 })
    }

    #[tokio::test]
    async fn events_arrive_in_order() {
        let (outbox, mut receiver) = Outbox::new(4);
        outbox.deliver(&hi());
        outbox.deliver(&Arc::new(ServerEvent::Leave { uid: "u".into() }));
        assert_eq!(receiver.recv().await.as_deref(), Some(&*hi()));
        assert_eq!(receiver.try_recv().map(|e| e.name()), Some("leave"));
        assert!(receiver.try_recv().is_none());
        assert!(!receiver.is_overflowed());
    }

    #[tokio::test]
    async fn a_full_queue_flags_overflow_instead_of_waiting() {
        let (outbox, mut receiver) = Outbox::new(1);
        outbox.deliver(&hi());
        outbox.deliver(&hi());
        assert!(receiver.is_overflowed());
        receiver.overflowed().await;
        // Later events are dropped, even once there is room again.
        assert!(receiver.try_recv().is_some());
        outbox.deliver(&hi());
        assert!(receiver.try_recv().is_none());
    }

    #[tokio::test]
    async fn delivering_to_a_closed_connection_is_harmless() {
        let (outbox, receiver) = Outbox::new(1);
        drop(receiver);
        outbox.deliver(&hi());
        assert!(!outbox.overflow.is_cancelled());
    }

    #[test]
    fn zero_capacity_is_raised_to_one() {
        let (outbox, mut receiver) = Outbox::new(0);
        outbox.deliver(&hi());
        assert!(receiver.try_recv().is_some());
        assert!(!receiver.is_overflowed());
    }
}
