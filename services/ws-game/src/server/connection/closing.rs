//! The closing handshake (RFC 6455 §7.1.2–7.1.4), once the server has queued its close frame:
//! write what is queued, then read and drop the client's bytes until its close frame or the end
//! of its stream, all within one bounded wait; the caller then drops the TCP connection (§7.1.1:
//! the server closes it first).
//!
//! Draining matters: a socket closed with unread bytes in its receive queue makes the kernel
//! send a reset, and a client still writing (an oversized body) would see "connection reset"
//! instead of our close code. The bytes are never parsed as messages: only frame headers are
//! followed, to find the client's close frame; after a header that cannot be read, everything
//! is dropped until the end.

use std::{future::poll_fn, time::Duration};

use bytes::{Buf, BytesMut};
use tokio::{io::AsyncReadExt, net::tcp::OwnedReadHalf, time::Instant};

use super::sink::Sink;
use crate::websocket::{Closing, skip_to_close};

/// Bytes read at a time while draining: larger than the usual read buffer, since a client may
/// still be sending the body of a refused frame.
const DRAIN_CHUNK: usize = 64 * 1024;

/// How the client's side stands when the closing handshake starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientSide {
    /// It sent its close frame already: only our answer remains to be written.
    Closed,
    /// Its frames can be followed after skipping this many bytes (the rest of a refused frame).
    Open {
        /// Bytes at the start of the input that belong to a refused frame.
        skip: u64,
    },
    /// Its frames cannot be followed any more: drop everything until the end.
    Lost,
}

/// Writes what `sink` holds (our close frame last) and drains `input` and `socket` as the module
/// documentation says, for at most `wait`.
pub async fn finish(
    socket: &mut OwnedReadHalf,
    input: &mut BytesMut,
    sink: &Sink,
    client: ClientSide,
    wait: Duration,
) {
    let deadline = Instant::now() + wait;
    let (mut skip, mut done_reading) = match client {
        ClientSide::Closed => (None, true),
        ClientSide::Open { skip } => (Some(skip), false),
        ClientSide::Lost => (None, false),
    };
    loop {
        if !done_reading {
            match skip.map(|bytes| skip_to_close(input, bytes)) {
                Some(Closing::Continue { used, skip: rest }) => {
                    input.advance(used);
                    skip = Some(rest);
                }
                Some(Closing::CloseFrame) => {
                    input.clear();
                    done_reading = true;
                }
                Some(Closing::Lost) | None => {
                    input.clear();
                    skip = None;
                }
            }
        }
        if done_reading && sink.unsent_len() == 0 {
            return;
        }
        input.reserve(DRAIN_CHUNK);
        tokio::select! {
            biased;
            () = tokio::time::sleep_until(deadline) => return,
            flushed = poll_fn(|cx| sink.poll_flush(cx)) => if flushed.is_err() {
                return;
            },
            read = socket.read_buf(input), if !done_reading => match read {
                Ok(0) | Err(_) => done_reading = true,
                Ok(_) => {}
            },
        }
    }
}
