//! The write side of one socket, shared by its connection task and the game: an event's frame
//! goes straight into the socket from whichever task produced it — one `write(2)`, no hop
//! through the recipient's task — unless bytes already wait, in which case it queues behind
//! them and the connection task writes them as the socket drains.
//!
//! A reader that falls behind is bounded: more than `limits.outbound_queue` events waiting
//! raise the overflow flag, and the connection closes with 1008. After [`Sink::close`] (the
//! close frame is the last thing queued), events are dropped.

use std::{
    pin::Pin,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    task::{Context, Poll},
};

use futures_util::task::AtomicWaker;
use tokio::{io::AsyncWrite, net::tcp::OwnedWriteHalf, time::Instant};

use super::outgoing::Outgoing;
use crate::{
    codec::Codec,
    game::{EventSink, OutboundEvent},
};

/// Why the sink stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// More than `limits.outbound_queue` events waited.
    Overflow,
    /// The socket refused a write (the peer is gone).
    Failed,
}

/// One socket's write side.
pub struct Sink {
    codec: Codec,
    max_queued: usize,
    /// Game events handed to this socket (`weapp_ws_messages_sent_total`).
    sent: prometheus::IntCounter,
    /// The connection task, woken when bytes start waiting or the sink stops.
    task: AtomicWaker,
    state: Mutex<State>,
}

struct State {
    /// `None` once the connection has taken it back to close the socket.
    socket: Option<OwnedWriteHalf>,
    out: Outgoing,
    /// Events that went into `out` while bytes were waiting.
    queued: usize,
    stopped: Option<Stopped>,
    /// The close frame is queued: nothing more is taken.
    closed: bool,
}

impl std::fmt::Debug for Sink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sink")
            .field("codec", &self.codec)
            .field("unsent", &self.unsent_len())
            .finish_non_exhaustive()
    }
}

impl Sink {
    /// The write side `socket`, in `codec`'s framing, stopping after `max_queued` waiting events;
    /// each event delivered counts in `sent`.
    pub fn new(
        socket: OwnedWriteHalf,
        codec: Codec,
        max_queued: usize,
        sent: prometheus::IntCounter,
    ) -> Arc<Self> {
        Arc::new(Self {
            codec,
            max_queued: max_queued.max(1),
            sent,
            task: AtomicWaker::new(),
            state: Mutex::new(State {
                socket: Some(socket),
                out: Outgoing::default(),
                queued: 0,
                stopped: None,
                closed: false,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends the connection's own frames (greeting, pongs, errors) with `write`; they go out
    /// at the next [`Sink::flush_now`] or as the socket drains.
    pub fn append(&self, write: impl FnOnce(&mut Vec<u8>)) {
        let mut state = self.lock();
        if !state.closed {
            write(state.out.buffer());
        }
    }

    /// Writes what waits, as far as the socket takes it now (no waiting); the connection task
    /// is woken to write the rest.
    pub fn flush_now(&self) {
        let mut guard = self.lock();
        let state = &mut *guard;
        let Some(socket) = state.socket.as_ref() else {
            return;
        };
        if state.out.unsent_len() == 0 {
            return;
        }
        match socket.try_write(state.out.unsent()) {
            Ok(n) => state.out.sent(n),
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(_) => state.stopped = Some(Stopped::Failed),
        }
        if state.out.unsent_len() > 0 || state.stopped.is_some() {
            drop(guard);
            self.task.wake();
        }
    }

    /// Writes what waits as the socket takes it. Ready with `Ok` after any progress (so the
    /// caller can look at [`Sink::unsent_len`] again), with `Err` once the sink has stopped;
    /// pending while nothing waits or the socket is full.
    pub fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<Result<(), Stopped>> {
        self.task.register(cx.waker());
        let mut guard = self.lock();
        let state = &mut *guard;
        if let Some(stopped) = state.stopped {
            return Poll::Ready(Err(stopped));
        }
        let Some(socket) = state.socket.as_mut() else {
            return Poll::Pending;
        };
        let mut progress = false;
        while state.out.unsent_len() > 0 {
            match Pin::new(&mut *socket).poll_write(cx, state.out.unsent()) {
                Poll::Ready(Ok(n)) if n > 0 => {
                    state.out.sent(n);
                    progress = true;
                }
                Poll::Ready(_) => {
                    state.stopped = Some(Stopped::Failed);
                    return Poll::Ready(Err(Stopped::Failed));
                }
                Poll::Pending if progress => return Poll::Ready(Ok(())),
                Poll::Pending => return Poll::Pending,
            }
        }
        state.queued = 0;
        if progress {
            Poll::Ready(Ok(()))
        } else {
            Poll::Pending
        }
    }

    /// Bytes waiting for the socket.
    pub fn unsent_len(&self) -> usize {
        self.lock().out.unsent_len()
    }

    /// Since when bytes have waited without the socket taking any.
    pub fn waiting_since(&self) -> Option<Instant> {
        self.lock().out.waiting_since()
    }

    /// Queues the close frame written by `write` as the last thing this socket sends: events
    /// are dropped from now on, and an overflow no longer stops the flushing.
    pub fn close(&self, write: impl FnOnce(&mut Vec<u8>)) {
        let mut state = self.lock();
        if state.stopped == Some(Stopped::Overflow) {
            state.stopped = None;
        }
        write(state.out.buffer());
        state.closed = true;
    }

    /// Takes the socket's write half back (to close the connection); later writes go nowhere.
    pub fn take_socket(&self) -> Option<OwnedWriteHalf> {
        self.lock().socket.take()
    }
}

impl EventSink for Sink {
    /// Writes `event`'s frame into the socket at once when nothing waits before it; otherwise
    /// queues it behind what waits (the connection task writes it), or, past the limit, stops
    /// the sink (1008, slow consumer).
    fn deliver(&self, event: &Arc<OutboundEvent>) {
        let mut guard = self.lock();
        let state = &mut *guard;
        if state.closed || state.stopped.is_some() {
            return;
        }
        let frame = self.codec.frame(event);
        self.sent.inc();
        if state.out.unsent_len() == 0 {
            let written = match state.socket.as_ref().map(|socket| socket.try_write(frame)) {
                Some(Ok(n)) => n,
                Some(Err(error)) if error.kind() == std::io::ErrorKind::WouldBlock => 0,
                // The peer is gone (the connection task sees it too), or the socket was taken
                // back to close the connection: the event goes nowhere.
                Some(Err(_)) | None => return,
            };
            if written == frame.len() {
                return;
            }
            state.queued = 1;
            state.out.buffer().extend_from_slice(&frame[written..]);
        } else if state.queued < self.max_queued {
            state.queued += 1;
            state.out.buffer().extend_from_slice(frame);
            // The connection task is already waiting for the socket to drain.
            return;
        } else {
            log::warn!(
                "outbound queue full at `{}`: disconnecting the slow reader",
                event.event().name()
            );
            state.stopped = Some(Stopped::Overflow);
        }
        drop(guard);
        self.task.wake();
    }
}
