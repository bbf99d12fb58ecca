//! One WebSocket: frames in → codec → game commands; game events → codec → frames out.
//!
//! The socket is owned by one task. Outbound events come from the game through the player's
//! bounded [`Outbox`]; when it overflows the game flags the player and this
//! task closes the socket (1008) — a slow reader never makes the server buffer without limit.
//! A socket that sends nothing for pingInterval + pingTimeout is closed (`spec/originals.md`
//! §2.1: any received packet resets the timer; the server itself never pings in EIO3).
//! Frames larger than `limits.max_frame_bytes` close the socket (1009); binary and malformed
//! frames are dropped (socket.io) or answered with an error frame (JSON), never harming others.

use std::{net::SocketAddr, sync::atomic::Ordering, time::Duration};

use futures_util::{SinkExt, StreamExt};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio::time::Instant;
use tokio_tungstenite::{
    WebSocketStream,
    tungstenite::{
        Message, Utf8Bytes,
        protocol::{CloseFrame, Role, frame::coding::CloseCode},
    },
};

use super::ServerContext;
use crate::{
    codec::{Codec, Inbound, new_sid},
    game::Outbox,
};

/// Outbound events written before one flush, so bursts cost one syscall.
const WRITE_BATCH: usize = 32;

type Socket = WebSocketStream<TokioIo<Upgraded>>;

/// How a connection ends.
enum End {
    /// The socket is gone or the client closed it: nothing more to send.
    Gone(&'static str),
    /// The server closes it with this close frame.
    Close(CloseCode, &'static str),
}

/// Serve one upgraded connection until either side closes it or the server shuts down.
pub async fn serve(upgraded: Upgraded, codec: Codec, peer: SocketAddr, context: &ServerContext) {
    let socket = WebSocketStream::from_raw_socket(
        TokioIo::new(upgraded),
        Role::Server,
        Some(context.websocket),
    )
    .await;
    context.connections.fetch_add(1, Ordering::Relaxed);
    let ended = run(socket, codec, context).await;
    context.connections.fetch_sub(1, Ordering::Relaxed);
    log::debug!("socket from {peer} closed: {ended}");
}

/// The connection loop; returns why it ended (for the log).
async fn run(socket: Socket, codec: Codec, context: &ServerContext) -> &'static str {
    let settings = &context.settings;
    let (outbox, mut outbound) = Outbox::new(settings.limits.outbound_queue);
    let mut player = context.game.connect(outbox);
    let (mut sink, mut stream) = socket.split();

    let sid = new_sid();
    for frame in codec.greeting(&sid, settings.ping_interval_ms, settings.ping_timeout_ms) {
        if sink.feed(Message::text(frame)).await.is_err() {
            return "write failed";
        }
    }
    if sink.flush().await.is_err() {
        return "write failed";
    }

    let idle_timeout = settings.idle_timeout();
    let mut deadline = Instant::now() + idle_timeout;
    let end = loop {
        tokio::select! {
            biased;
            () = context.shutdown.cancelled() => {
                break End::Close(CloseCode::Away, "server shutting down");
            }
            () = outbound.overflowed() => {
                context.metrics.slow_readers_closed.inc();
                break End::Close(CloseCode::Policy, "slow consumer");
            }
            event = outbound.recv() => {
                let Some(event) = event else { break End::Close(CloseCode::Away, "game stopped") };
                let mut batch = 1;
                let mut written = sink.feed(Message::text(codec.encode(&event))).await;
                while written.is_ok() && batch < WRITE_BATCH {
                    let Some(event) = outbound.try_recv() else { break };
                    written = sink.feed(Message::text(codec.encode(&event))).await;
                    batch += 1;
                }
                if written.is_err() || sink.flush().await.is_err() {
                    break End::Gone("write failed");
                }
                context.metrics.messages_out.inc_by(batch as u64);
            }
            frame = stream.next() => {
                deadline = Instant::now() + idle_timeout;
                if matches!(frame, Some(Ok(Message::Text(_)))) {
                    context.metrics.messages_in.inc();
                }
                match frame {
                    Some(Ok(Message::Text(text))) => match codec.decode(&text) {
                        Inbound::Command(command) => player.command(command).await,
                        Inbound::Reply(reply) => {
                            if sink.send(Message::text(reply)).await.is_err() {
                                break End::Gone("write failed");
                            }
                        }
                        Inbound::Close => break End::Close(CloseCode::Normal, "client disconnect"),
                        Inbound::Ignore => {}
                        Inbound::Invalid(reason) => {
                            log::debug!("invalid frame: {reason}");
                            if let Some(error) = codec.error_frame(&reason)
                                && sink.send(Message::text(error)).await.is_err()
                            {
                                break End::Gone("write failed");
                            }
                        }
                    },
                    Some(Ok(Message::Binary(_))) => {
                        if let Some(error) = codec.error_frame("binary frames are not supported")
                            && sink.send(Message::text(error)).await.is_err()
                        {
                            break End::Gone("write failed");
                        }
                    }
                    // tungstenite answers pings itself; pongs only prove liveness.
                    Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                    Some(Ok(Message::Close(_))) => {
                        // tungstenite queued the answering close frame; send it (RFC 6455 §5.5.1).
                        let _ = sink.close().await;
                        break End::Gone("closed by client");
                    }
                    None => break End::Gone("connection lost"),
                    Some(Err(tokio_tungstenite::tungstenite::Error::Capacity(_))) => {
                        break End::Close(CloseCode::Size, "frame too large");
                    }
                    Some(Err(error)) => {
                        log::debug!("socket error: {error}");
                        break End::Gone("socket error");
                    }
                }
            }
            () = tokio::time::sleep_until(deadline) => {
                break End::Close(CloseCode::Normal, "ping timeout");
            }
        }
    };
    // Leave the game first: the room must not wait for our close handshake.
    drop(player);
    match end {
        End::Gone(reason) => reason,
        End::Close(code, reason) => {
            let frame = CloseFrame {
                code,
                reason: Utf8Bytes::from_static(reason),
            };
            // A proper close: our frame, then the client's answer (bounded) before the TCP
            // connection is dropped.
            if sink.send(Message::Close(Some(frame))).await.is_ok() {
                let wait = Duration::from_secs(settings.limits.handshake_timeout_secs);
                let _ = tokio::time::timeout(wait, async {
                    while let Some(Ok(message)) = stream.next().await {
                        if matches!(message, Message::Close(_)) {
                            break;
                        }
                    }
                })
                .await;
            }
            reason
        }
    }
}
