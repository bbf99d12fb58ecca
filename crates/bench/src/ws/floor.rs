//! The bare relay: the least a server can do for the relay phase, measured in the same run as
//! ws-game so that ws-game's CPU per relayed message has a floor to be read against on this
//! machine, at this moment (the kernel's share of a loopback read and write varies a lot between
//! machines and with what else runs).
//!
//! It speaks just enough of the protocol for the relay phase's players (`proto/ws-game.md`): the
//! handshake, the greeting, `hi` for `hello`, a `start` for each two players that `join`, and for
//! each `choice` the sender's `movement`, prepared once per player, written into the partner's
//! socket — one read and one write per relayed message, on tokio's current-thread runtime as
//! ws-game runs by default. Nothing is validated; it is a yardstick, not a server.
//!
//! `ws-bench --serve-floor` runs it (the bench starts itself as a child process, so the
//! relay's CPU time is its own: [`measure`]).

use std::process::Stdio;
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::Context;
use bytes::{Buf, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

use super::relay::{self, RelayPlan, RelayReport};

/// The line the child prints once it listens, followed by `host:port`.
const LISTENING: &str = "floor relay listening on ";

/// One player's write side, shared with its partner (who writes the movements into it).
type Writer = Arc<tokio::sync::Mutex<OwnedWriteHalf>>;

/// Where a player's partner is written to, once paired (set by whichever of the two joins last).
type Partner = Arc<Mutex<Option<Writer>>>;

/// A player that joined and waits for a partner: its write side, its `start` entry and where
/// to put the partner.
type Waiting = Mutex<Option<(Writer, String, Partner)>>;

/// Runs the bare relay on a loopback port until killed; prints [`LISTENING`] and the address.
///
/// # Errors
/// The port cannot be bound.
pub async fn serve() -> anyhow::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    println!("{LISTENING}{}", listener.local_addr()?);
    let waiting = Arc::new(Waiting::default());
    loop {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        tokio::spawn(connection(stream, Arc::clone(&waiting)));
    }
}

async fn connection(stream: TcpStream, waiting: Arc<Waiting>) -> anyhow::Result<()> {
    let (mut reader, writer) = stream.into_split();
    let writer: Writer = Arc::new(tokio::sync::Mutex::new(writer));
    let mut input = BytesMut::with_capacity(4096);
    let head = loop {
        if let Some(end) = input.windows(4).position(|w| w == b"\r\n\r\n") {
            break String::from_utf8_lossy(&input.split_to(end + 4)).into_owned();
        }
        anyhow::ensure!(reader.read_buf(&mut input).await? > 0, "closed early");
    };
    let socket_io = head.contains("/socket.io/");
    let Some(key) = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("sec-websocket-key")
            .then(|| value.trim().to_owned())
    }) else {
        // Not an upgrade: the stats the relay phase reads around its window.
        let body = r#"{"connections":0,"rounds":0}"#;
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        return Ok(writer.lock().await.write_all(answer.as_bytes()).await?);
    };
    let mut out = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n\r\n",
        derive_accept_key(key.as_bytes())
    )
    .into_bytes();
    let greeting: &[&str] = if socket_io {
        &[
            r#"0{"sid":"floor","upgrades":[],"pingInterval":25000,"pingTimeout":60000}"#,
            "40",
        ]
    } else {
        &[r#"{"type":"open","data":{"sid":"floor","pingInterval":25000,"pingTimeout":60000}}"#]
    };
    for text in greeting {
        frame(&mut out, text);
    }
    writer.lock().await.write_all(&out).await?;

    let event = |name: &str, payload: &str| match socket_io {
        true => format!(r#"42["{name}",{payload}]"#),
        false => format!(r#"{{"type":"{name}","data":{payload}}}"#),
    };
    let (mut uid, mut movement) = (String::new(), Vec::new());
    let partner = Partner::default();
    loop {
        while let Some(text) = next_payload(&mut input) {
            if contains(&text, br#""choice""#) {
                let to = partner
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone();
                if let Some(to) = to {
                    to.lock().await.write_all(&movement).await?;
                }
            } else if contains(&text, br#""hello""#) {
                let text = String::from_utf8_lossy(&text);
                let rest = text.split_once(r#""uid":""#).map_or("", |(_, rest)| rest);
                uid = rest.split('"').next().unwrap_or_default().to_owned();
                movement.clear();
                let payload = format!(r#"{{"uid":"{uid}","movement":"choice"}}"#);
                frame(&mut movement, &event("movement", &payload));
                let mut hi = Vec::new();
                frame(
                    &mut hi,
                    &event("hi", r#"{"message":"welcome","nearby":10}"#),
                );
                writer.lock().await.write_all(&hi).await?;
            } else if contains(&text, br#""join""#) {
                let me = format!(r#"{{"uid":"{uid}"}}"#);
                let waiter = waiting
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take();
                match waiter {
                    Some((other, them, their_partner)) => {
                        let payload = format!(r#"{{"gameTime":1,"roomUsers":[{them},{me}]}}"#);
                        let mut start = Vec::new();
                        frame(&mut start, &event("start", &payload));
                        *their_partner.lock().unwrap_or_else(PoisonError::into_inner) =
                            Some(Arc::clone(&writer));
                        *partner.lock().unwrap_or_else(PoisonError::into_inner) =
                            Some(Arc::clone(&other));
                        other.lock().await.write_all(&start).await?;
                        writer.lock().await.write_all(&start).await?;
                    }
                    None => {
                        *waiting.lock().unwrap_or_else(PoisonError::into_inner) =
                            Some((Arc::clone(&writer), me, Arc::clone(&partner)));
                    }
                }
            }
        }
        if reader.read_buf(&mut input).await? == 0 {
            return Ok(());
        }
    }
}

fn contains(text: &[u8], word: &[u8]) -> bool {
    text.windows(word.len()).any(|window| window == word)
}

/// Appends an unmasked final text frame.
fn frame(out: &mut Vec<u8>, text: &str) {
    out.push(0x81);
    match text.len() {
        len @ 0..=125 => out.push(len as u8),
        len => {
            out.push(126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
    }
    out.extend_from_slice(text.as_bytes());
}

/// The next whole masked client frame's payload, unmasked in place; `None` until one is whole.
fn next_payload(input: &mut BytesMut) -> Option<BytesMut> {
    let (len, at) = match *input.get(1)? & 0x7F {
        126 => (
            usize::from(u16::from_be_bytes([*input.get(2)?, *input.get(3)?])),
            4,
        ),
        len => (usize::from(len), 2),
    };
    let mask: [u8; 4] = input.get(at..at + 4)?.try_into().ok()?;
    input.get(at + 4..at + 4 + len)?;
    input.advance(at + 4);
    let mut payload = input.split_to(len);
    for (byte, key) in payload.iter_mut().zip(mask.iter().cycle()) {
        *byte ^= key;
    }
    Some(payload)
}

/// Kills the child when dropped, so no path leaves a bare relay running.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the bare relay as a child process, runs the relay phase of `plan` against it (its
/// own CPU time measured), and stops it.
///
/// # Errors
/// The child does not start or the relay phase fails.
pub async fn measure(http: &reqwest::Client, mut plan: RelayPlan) -> anyhow::Result<RelayReport> {
    let exe = std::env::current_exe().context("finding ws-bench itself")?;
    let mut child = Child(
        std::process::Command::new(exe)
            .arg("--serve-floor")
            .stdout(Stdio::piped())
            .spawn()
            .context("starting the bare relay")?,
    );
    let stdout = child.0.stdout.take().context("the bare relay's stdout")?;
    // One line, written as soon as the child listens.
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)?;
    let addr = line
        .trim()
        .strip_prefix(LISTENING)
        .with_context(|| format!("the bare relay said {line:?}"))?
        .to_owned();
    plan.server_pid = Some(child.0.id());
    relay::run(http, &addr, plan).await
}
