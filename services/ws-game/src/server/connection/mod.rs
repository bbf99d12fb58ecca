//! One WebSocket: frames in → codec → game commands; game events → codec → frames out.
//!
//! One task reads the socket: client frames in place ([`crate::websocket`]), decoded commands
//! handed to the game. The write side is a `Sink` (`sink.rs`) the game holds as the player's
//! [`Outbox`]: an event's frame (encoded once per framing) goes into the socket from whichever
//! task made it, and only what the socket does not take at once waits for this task to write
//! it. Every refused frame gets its RFC 6455 §7.4.1 close code, then the closing handshake runs
//! (`closing.rs`):
//!
//! | case | close |
//! |---|---|
//! | a length header over `limits.max_frame_bytes` (the body is never read into memory) | 1009 |
//! | text that is not UTF-8 | 1007 |
//! | protocol error: unmasked frame, RSV bits, reserved opcode, bad control frame, fragments out of order | 1002 |
//! | more frames than `limits.inbound_frames_per_sec` / `_burst` allow | 1008 |
//! | bytes unsent for `limits.write_timeout_ms` (the client does not read) | 1008 |
//! | more than `limits.outbound_queue` events wait (the client reads too slowly) | 1008 |
//! | silent for pingInterval + pingTimeout (§2.1: any frame resets the timer) | 1000 |
//! | Engine.IO `1` / socket.io `41` | 1000 |
//! | shutdown | 1001 |
//!
//! While more than 64 KiB (`WRITE_BUFFER_LIMIT`) wait unsent, the connection stops reading the
//! client: a slow reader never makes the server buffer without limit.
//! Binary and malformed messages are dropped (socket.io) or answered with an error frame (JSON).

mod closing;
mod outgoing;
mod rate;
mod sink;

use std::{
    future::poll_fn,
    net::SocketAddr,
    pin::pin,
    sync::{Arc, atomic::Ordering},
};

use bytes::{Buf, BytesMut};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio::{
    io::AsyncReadExt,
    net::{TcpStream, tcp::OwnedReadHalf},
    time::Instant,
};

use self::{
    closing::ClientSide,
    rate::TokenBucket,
    sink::{Sink, Stopped},
};
use super::ServerContext;
use crate::{
    codec::{Codec, Inbound, new_sid},
    game::{Outbox, Player},
    websocket::{CloseCode, Failure, Message, Reader, Step, opcode, write},
};

/// Unsent bytes above which the connection stops reading the client and taking events until the
/// socket drains (≈ 1,000 movements: more than a reader that keeps up ever has waiting).
const WRITE_BUFFER_LIMIT: usize = 64 * 1024;

/// How a connection ends.
#[derive(Debug)]
enum End {
    /// The socket is gone: nothing more to send.
    Gone(&'static str),
    /// The server closes it with this code and reason; the client's frames can be followed.
    Close(CloseCode, &'static str),
    /// The server refused a frame.
    Refused(Failure),
    /// The client sent its close frame (with this code): we answer it.
    ClientClosed(Option<CloseCode>),
}

/// A JSON client's resume request (`?resume` / `?resume=TOKEN`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resume {
    /// Give the player a token.
    New,
    /// Take over the player held under this token (a new one if none is).
    Token(String),
}

/// Serve one upgraded connection until either side closes it or the server shuts down.
pub async fn serve(
    upgraded: Upgraded,
    codec: Codec,
    resume: Option<Resume>,
    peer: SocketAddr,
    context: &ServerContext,
) {
    // hyper hands back the TCP stream it was given, and any bytes it read past the request.
    let parts = match upgraded.downcast::<TokioIo<TcpStream>>() {
        Ok(parts) => parts,
        Err(_) => {
            log::error!("upgraded connection from {peer} is not a TCP stream");
            return;
        }
    };
    let limits = &context.settings.limits;
    let hyper::upgrade::Parts { io, read_buf, .. } = parts;
    let mut input = BytesMut::with_capacity(limits.read_buffer_bytes.max(read_buf.len()));
    input.extend_from_slice(&read_buf);
    // It shares hyper's whole read buffer: keeping it would keep that buffer per socket.
    drop(read_buf);
    let (socket, write_half) = io.into_inner().into_split();
    let mut connection = Connection {
        socket,
        input,
        sink: Sink::new(
            write_half,
            codec,
            limits.outbound_queue,
            context.metrics.messages_out.clone(),
        ),
        reader: Reader::new(limits.max_frame_bytes),
        codec,
        heard: Instant::now(),
        rate: TokenBucket::new(
            limits.inbound_frames_per_sec,
            limits.inbound_frames_burst,
            Instant::now(),
        ),
    };
    context.connections.fetch_add(1, Ordering::Relaxed);
    let ended = connection.run(context, resume).await;
    if matches!(ended, "slow consumer" | "write timeout") {
        context.metrics.slow_readers_closed.inc();
    }
    context.connections.fetch_sub(1, Ordering::Relaxed);
    log::debug!("socket from {peer} closed: {ended}");
}

struct Connection {
    /// The read side of the socket.
    socket: OwnedReadHalf,
    /// Bytes received and not yet read as frames.
    input: BytesMut,
    /// The write side, shared with the game.
    sink: Arc<Sink>,
    reader: Reader,
    codec: Codec,
    /// When the client last sent anything.
    heard: Instant,
    rate: TokenBucket,
}

impl Connection {
    /// Greets, serves, then closes; returns why it ended (for the log).
    async fn run(&mut self, context: &ServerContext, resume: Option<Resume>) -> &'static str {
        let settings = &context.settings;
        let outbox = Outbox::from_sink(Arc::clone(&self.sink) as _);
        let sid = new_sid();
        let greeting =
            self.codec
                .greeting(&sid, settings.ping_interval_ms, settings.ping_timeout_ms);
        self.sink.append(|out| {
            for frame in &greeting {
                write::text(out, frame);
            }
        });
        let mut player = match resume {
            None => context.game.connect(outbox),
            Some(resume) => {
                let (player, resumed) = resumed_player(context, resume, outbox).await;
                let frame = resume_frame(player.resume_token().unwrap_or_default(), resumed);
                self.sink.append(|out| write::text(out, &frame));
                player
            }
        };
        self.sink.flush_now();
        let end = self.serve(context, &mut player).await;
        // Leave the game first (or be held for a resume): the room must not wait for our close
        // handshake.
        context.game.release(player);
        let (client, reason) = match end {
            End::Gone(reason) => {
                drop(self.sink.take_socket());
                return reason;
            }
            End::Close(code, reason) => {
                self.sink.close(|out| write::close(out, code, reason));
                (ClientSide::Open { skip: 0 }, reason)
            }
            End::Refused(failure) => {
                self.sink
                    .close(|out| write::close(out, failure.code, failure.reason));
                let client = failure
                    .frame_len
                    .map_or(ClientSide::Lost, |skip| ClientSide::Open { skip });
                (client, failure.reason)
            }
            End::ClientClosed(code) => {
                // §5.5.1: echo the client's code; an empty close gets an empty one.
                self.sink.close(|out| match code {
                    Some(code) => write::close(out, code, ""),
                    None => write::frame(out, opcode::CLOSE, &[]),
                });
                (ClientSide::Closed, "closed by client")
            }
        };
        let wait = std::time::Duration::from_secs(settings.limits.handshake_timeout_secs);
        closing::finish(&mut self.socket, &mut self.input, &self.sink, client, wait).await;
        // The game may still hold the sink for a moment: the socket closes now regardless.
        drop(self.sink.take_socket());
        reason
    }

    /// The connection loop, until something ends it.
    async fn serve(&mut self, context: &ServerContext, player: &mut Player) -> End {
        let settings = &context.settings;
        let (idle_timeout, write_timeout) = (settings.idle_timeout(), settings.write_timeout());
        let mut shutdown = context.notice.waiter();
        // One timer, re-armed only when it fires: per message there is no timer to reset.
        let mut timer = pin!(tokio::time::sleep_until(Instant::now() + write_timeout));
        let Self {
            socket,
            input,
            sink,
            reader,
            codec,
            heard,
            rate,
        } = self;
        loop {
            let taking = sink.unsent_len() < WRITE_BUFFER_LIMIT;
            if taking && input.capacity() - input.len() < 512 {
                input.reserve(settings.limits.read_buffer_bytes);
            }
            // The socket first; the rare branches last, so a turn that finds work polls
            // nothing else.
            tokio::select! {
                biased;
                read = socket.read_buf(input), if taking => match read {
                    Ok(0) => return End::Gone("connection lost"),
                    Ok(_) => {
                        *heard = Instant::now();
                        let frames = Frames {
                            input: &mut *input,
                            reader: &mut *reader,
                            sink,
                            codec: *codec,
                            rate: &mut *rate,
                            now: *heard,
                            received: &context.metrics.messages_in,
                        };
                        let handled = frames.handle(player).await;
                        // Whatever the frames were answered with goes out in one write.
                        sink.flush_now();
                        if let Err(end) = handled {
                            return end;
                        }
                    }
                    Err(error) => {
                        log::debug!("read failed: {error}");
                        return End::Gone("read failed");
                    }
                },
                flushed = poll_fn(|cx| sink.poll_flush(cx)) => match flushed {
                    Ok(()) => {}
                    Err(Stopped::Overflow) => return End::Close(CloseCode::POLICY, "slow consumer"),
                    Err(Stopped::Failed) => return End::Gone("write failed"),
                },
                () = &mut shutdown => return End::Close(CloseCode::GOING_AWAY, "server shutting down"),
                () = &mut timer => {
                    let now = Instant::now();
                    let write_deadline = sink.waiting_since().map(|since| since + write_timeout);
                    if write_deadline.is_some_and(|deadline| deadline <= now) {
                        return End::Close(CloseCode::POLICY, "write timeout");
                    }
                    if *heard + idle_timeout <= now {
                        return End::Close(CloseCode::NORMAL, "ping timeout");
                    }
                    let next = write_deadline.unwrap_or(now + write_timeout);
                    timer.as_mut().reset(next.min(*heard + idle_timeout));
                }
            }
        }
    }
}

/// The player of a `?resume` connection, and whether it was resumed.
async fn resumed_player(context: &ServerContext, resume: Resume, outbox: Outbox) -> (Player, bool) {
    if let Resume::Token(token) = resume
        && let Some(player) = context.game.resume(&token, outbox.clone()).await
    {
        return (player, true);
    }
    (context.game.connect_resumable(outbox), false)
}

/// `{"type":"resume","data":{"token":"…","resumed":true|false}}`, sent after `open`.
fn resume_frame(token: &str, resumed: bool) -> String {
    serde_json::json!({"type": "resume", "data": {"token": token, "resumed": resumed}}).to_string()
}

/// The frames received so far, and what they need to be handled.
struct Frames<'c> {
    input: &'c mut BytesMut,
    reader: &'c mut Reader,
    sink: &'c Sink,
    codec: Codec,
    rate: &'c mut TokenBucket,
    now: Instant,
    /// Text frames received (`weapp_ws_messages_received_total`).
    received: &'c prometheus::IntCounter,
}

impl Frames<'_> {
    /// Handles every whole frame in the input, leaving a partial one there.
    async fn handle(self, player: &mut Player) -> Result<(), End> {
        loop {
            let (consumed, inbound) = match self.reader.read(self.input).map_err(End::Refused)? {
                Step::NeedMore(needed) => {
                    self.input.reserve(needed.saturating_sub(self.input.len()));
                    return Ok(());
                }
                Step::Frame { consumed, message } => {
                    if !self.rate.take(self.now) {
                        return Err(End::Close(CloseCode::POLICY, "too many messages"));
                    }
                    let inbound = match message {
                        Message::Text(text) => {
                            self.received.inc();
                            Some(self.codec.decode(text))
                        }
                        Message::Binary => {
                            Some(Inbound::Invalid("binary frames are not supported".into()))
                        }
                        Message::Ping(payload) => {
                            self.sink.append(|out| write::pong(out, payload));
                            None
                        }
                        Message::Pong | Message::Fragment => None,
                        Message::Close(code) => return Err(End::ClientClosed(code)),
                    };
                    (consumed, inbound)
                }
            };
            self.input.advance(consumed);
            match inbound {
                Some(Inbound::Command(command)) => player.command(command).await,
                Some(Inbound::Reply(reply)) => self.sink.append(|out| write::text(out, reply)),
                Some(Inbound::Close) => {
                    return Err(End::Close(CloseCode::NORMAL, "client disconnect"));
                }
                Some(Inbound::Invalid(reason)) => {
                    log::debug!("invalid frame: {reason}");
                    if let Some(error) = self.codec.error_frame(&reason) {
                        self.sink.append(|out| write::text(out, &error));
                    }
                }
                Some(Inbound::Ignore) | None => {}
            }
        }
    }
}
