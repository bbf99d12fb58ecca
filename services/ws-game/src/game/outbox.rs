//! Where a connection's [`ServerEvent`]s go: an [`Outbox`] is a handle on an [`EventSink`],
//! which takes each event without ever making the engine wait (STYLE: "a slow peer is
//! disconnected, not buffered forever"), so a slow reader never stalls a room.
//!
//! The server's sink writes the event's frame straight into the socket when nothing waits
//! before it (`server::connection::sink`). The sink here, [`Outbox::new`], is a bounded queue
//! read through an [`OutboxReceiver`] — the engine's unit tests read events from it: when the
//! queue is full it raises an overflow flag instead of waiting, and the reader closes when
//! [`OutboxReceiver::overflowed`] resolves.
//!
//! What travels is an [`OutboundEvent`]: the event, shared (`Arc`) by every recipient, with a
//! slot per framing for its encoded frame, so an event every member receives is encoded once
//! per framing, not once per member.

use std::{
    future::Future,
    pin::Pin,
    sync::{
        Arc, OnceLock,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context, Poll},
};

use futures_util::task::AtomicWaker;
use tokio::sync::mpsc::{self, error::TrySendError};

use crate::protocol::ServerEvent;

/// How many framings can cache an encoding of one event (socket.io and JSON).
pub const FRAMINGS: usize = 2;

/// A [`ServerEvent`] on its way to one or more connections, with its encoded frame in each
/// framing once a connection has asked for it.
#[derive(Debug)]
pub struct OutboundEvent {
    event: ServerEvent,
    frames: [OnceLock<Vec<u8>>; FRAMINGS],
}

impl OutboundEvent {
    /// `event`, not encoded yet.
    pub fn new(event: ServerEvent) -> Arc<Self> {
        Arc::new(Self {
            event,
            frames: Default::default(),
        })
    }

    /// The event.
    pub fn event(&self) -> &ServerEvent {
        &self.event
    }

    /// Its frame in framing `slot` (below [`FRAMINGS`]), made by `encode` for the first
    /// recipient that speaks it and shared by the others.
    pub fn frame(&self, slot: usize, encode: impl FnOnce(&ServerEvent) -> Vec<u8>) -> &[u8] {
        self.frames[slot % FRAMINGS].get_or_init(|| encode(&self.event))
    }
}

/// What takes a connection's events.
pub trait EventSink: Send + Sync + std::fmt::Debug {
    /// Takes `event` without waiting. A sink that cannot keep up disconnects its reader rather
    /// than buffering without limit; after that, or once the connection has ended, events are
    /// dropped.
    fn deliver(&self, event: &Arc<OutboundEvent>);
}

/// A connection's events, as the engine holds them: cheap to clone.
#[derive(Debug, Clone)]
pub struct Outbox {
    sink: Arc<dyn EventSink>,
}

/// The sink of [`Outbox::new`]: a bounded queue and its overflow flag.
#[derive(Debug)]
struct QueueSink {
    events: mpsc::Sender<Arc<OutboundEvent>>,
    overflow: Arc<Overflow>,
}

/// The overflow flag: raised once, never lowered; checked with one atomic load on every event
/// and every turn of the connection's loop, so it is a flag and a waker rather than a token.
#[derive(Debug, Default)]
struct Overflow {
    raised: AtomicBool,
    waker: AtomicWaker,
}

impl Overflow {
    fn is_raised(&self) -> bool {
        self.raised.load(Ordering::Acquire)
    }

    fn raise(&self) {
        self.raised.store(true, Ordering::Release);
        self.waker.wake();
    }
}

/// Resolves once the queue has overflowed ([`OutboxReceiver::overflowed`]).
#[derive(Debug)]
pub struct Overflowed(Arc<Overflow>);

impl Future for Overflowed {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0.is_raised() {
            return Poll::Ready(());
        }
        self.0.waker.register(cx.waker());
        // Raised between the check and the registration: the wake may have been missed.
        if self.0.is_raised() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// The receiving half, owned by the connection.
#[derive(Debug)]
pub struct OutboxReceiver {
    events: mpsc::Receiver<Arc<OutboundEvent>>,
    overflow: Arc<Overflow>,
}

impl Outbox {
    /// Events into `sink`.
    pub fn from_sink(sink: Arc<dyn EventSink>) -> Outbox {
        Outbox { sink }
    }

    /// A queue holding at most `capacity` events (at least 1), read through the
    /// [`OutboxReceiver`].
    pub fn new(capacity: usize) -> (Outbox, OutboxReceiver) {
        let (events, receiver) = mpsc::channel(capacity.max(1));
        let overflow = Arc::new(Overflow::default());
        let sink = QueueSink {
            events,
            overflow: Arc::clone(&overflow),
        };
        let receiver = OutboxReceiver {
            events: receiver,
            overflow,
        };
        (Outbox::from_sink(Arc::new(sink)), receiver)
    }

    /// Hands `event` to the sink ([`EventSink::deliver`]).
    pub(crate) fn deliver(&self, event: &Arc<OutboundEvent>) {
        self.sink.deliver(event);
    }
}

impl EventSink for QueueSink {
    /// Queues `event` without waiting. A full queue raises the overflow flag (the reader then
    /// closes); once overflowed, or after the receiver is gone, events are dropped.
    fn deliver(&self, event: &Arc<OutboundEvent>) {
        if self.overflow.is_raised() {
            return;
        }
        match self.events.try_send(Arc::clone(event)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                log::warn!(
                    "outbound queue full at `{}`: disconnecting the slow reader",
                    event.event().name()
                );
                self.overflow.raise();
            }
            // The connection has ended; its `Player` is being dropped.
            Err(TrySendError::Closed(_)) => {}
        }
    }
}

impl OutboxReceiver {
    /// The next event; `None` once every [`Outbox`] for this connection is gone.
    pub async fn recv(&mut self) -> Option<Arc<OutboundEvent>> {
        self.events.recv().await
    }

    /// The next event if one is queued now.
    pub fn try_recv(&mut self) -> Option<Arc<OutboundEvent>> {
        self.events.try_recv().ok()
    }

    /// Resolves once the queue has overflowed. It borrows nothing, so it can sit in the same
    /// `select!` as [`OutboxReceiver::recv`]; make it once and poll it on every loop turn.
    pub fn overflowed(&self) -> Overflowed {
        Overflowed(Arc::clone(&self.overflow))
    }

    /// Whether the queue has overflowed.
    pub fn is_overflowed(&self) -> bool {
        self.overflow.is_raised()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hi() -> Arc<OutboundEvent> {
        OutboundEvent::new(ServerEvent::Hi { nearby: 10 })
    }

    #[tokio::test]
    async fn events_arrive_in_order() {
        let (outbox, mut receiver) = Outbox::new(4);
        outbox.deliver(&hi());
        outbox.deliver(&OutboundEvent::new(ServerEvent::Leave { uid: "u".into() }));
        let first = receiver.recv().await;
        assert_eq!(first.as_ref().map(|e| e.event()), Some(hi().event()));
        assert_eq!(receiver.try_recv().map(|e| e.event().name()), Some("leave"));
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
        let overflow = Arc::clone(&receiver.overflow);
        drop(receiver);
        outbox.deliver(&hi());
        assert!(!overflow.is_raised());
    }

    #[test]
    fn an_event_is_encoded_once_per_framing() {
        let event = hi();
        let mut calls = 0;
        for _ in 0..3 {
            let frame = event.frame(0, |_| {
                calls += 1;
                b"socket.io".to_vec()
            });
            assert_eq!(frame, b"socket.io");
        }
        assert_eq!(event.frame(1, |_| b"json".to_vec()), b"json");
        assert_eq!(calls, 1);
    }

    #[test]
    fn zero_capacity_is_raised_to_one() {
        let (outbox, mut receiver) = Outbox::new(0);
        outbox.deliver(&hi());
        assert!(receiver.try_recv().is_some());
        assert!(!receiver.is_overflowed());
    }
}
