//! One simulated player: its own WebSocket, `hello`, `join`, then rounds until told to stop.
//!
//! **Pace.** Players join spread over one round length, so rooms do not all start their rounds
//! at the same moment. In the paced phase a player sends its first choice at a random moment
//! within `think` after `start`, and each next one `think` ± 50 % after the opponent has seen the
//! previous one (at most one choice of each player in flight); in the flat-out phase both
//! pauses are 0. The later joiner of a room (index > 0 in `roomUsers`)
//! sends `join` after `result`; the server seats it in the first room with a free seat, which
//! the leaver just made, so every room is full again and the rooms' first members never move.
//! A player paired with a bot also re-joins (bots never do).
//!
//! **Delay.** A player stamps its choice (µs since the run's epoch) in [`Shared::in_flight`]
//! just before writing it; the player that reads the matching `movement` takes the stamp and
//! records now − stamp. Both clocks are the same process's monotonic clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::{Notify, Semaphore, mpsc, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::{Message, protocol::WebSocketConfig};
use tokio_tungstenite::{WebSocketStream, client_async_with_config};

use super::frames::{self, Event, Framing};

/// Choices are not sent in a round's last moments, so that a choice is relayed within its own
/// round and never pairs with a stamp of the next one.
const ROUND_GUARD: Duration = Duration::from_millis(50);

/// How long a player waits for the handshake and `hi`.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

/// What the run is doing; players count into the phase they see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Connecting and saying hello; nobody joins yet.
    Connect,
    /// Playing, not measured.
    Warmup,
    /// Measured, with the configured think time between choices.
    Paced,
    /// Measured, next choice as soon as the previous one was seen.
    FlatOut,
    /// Close the socket and report.
    Stop,
}

impl Phase {
    /// Index into [`Report`]'s arrays: the two measured phases, everything else 0.
    pub fn slot(self) -> usize {
        match self {
            Self::Paced => 1,
            Self::FlatOut => 2,
            _ => 0,
        }
    }
}

/// Shared by every player of a run.
#[derive(Debug)]
pub struct Shared {
    /// ws-game's `host:port`.
    pub host_port: String,
    /// The framing every player speaks.
    pub framing: Framing,
    /// Connections being opened at once (a burst of thousands would overflow the backlog).
    pub connect_gate: Semaphore,
    /// The run's clock origin.
    pub epoch: Instant,
    /// Per player: µs since `epoch` + 1 of its choice in flight, 0 when none.
    pub in_flight: Vec<AtomicU64>,
    /// Per player: woken when its choice in flight has been seen.
    pub seen: Vec<Notify>,
    /// Pause between a seen choice and the next in the paced phase.
    pub think: Duration,
    /// The server's round length (`WS_GAME_GAME__GAME_TIME_MS`).
    pub round: Duration,
}

impl Shared {
    /// State for `players` players; `connects` handshakes at a time.
    pub fn new(
        host_port: String,
        framing: Framing,
        players: usize,
        connects: usize,
        (think, round): (Duration, Duration),
    ) -> Self {
        Self {
            host_port,
            framing,
            connect_gate: Semaphore::new(connects.max(1)),
            epoch: Instant::now(),
            in_flight: (0..players).map(|_| AtomicU64::new(0)).collect(),
            seen: (0..players).map(|_| Notify::new()).collect(),
            think,
            round,
        }
    }

    fn now_us(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX)
    }
}

/// What one player counted, per [`Phase::slot`].
#[derive(Debug, Default)]
pub struct Report {
    /// Frames written.
    pub sent: [u64; 3],
    /// Text frames read.
    pub received: [u64; 3],
    /// `movement`s of a choice this player read whose send time was known (one per delay).
    pub relayed: [u64; 3],
    /// choice → opponent's movement delays this player observed, in µs.
    pub delays_us: [Vec<u32>; 3],
    /// Own choices never seen by anyone (dropped at the next `start`).
    pub unanswered: u64,
    /// Why the player stopped early, if it did.
    pub error: Option<String>,
}

/// The client side of one socket: small buffers, since thousands of them share the process.
pub fn socket_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0)
}

/// Opens a socket at `host_port` + `framing.path()` and reads the greeting.
///
/// # Errors
/// Connection, handshake or greeting failure.
pub async fn connect(
    host_port: &str,
    framing: Framing,
) -> anyhow::Result<WebSocketStream<TcpStream>> {
    let stream = TcpStream::connect(host_port).await?;
    stream.set_nodelay(true)?;
    let url = format!("ws://{host_port}{}", framing.path());
    let (mut socket, _) = client_async_with_config(url, stream, Some(socket_config())).await?;
    for _ in 0..framing.greeting_frames() {
        match socket.next().await {
            Some(Ok(Message::Text(_))) => {}
            other => anyhow::bail!("no greeting: {other:?}"),
        }
    }
    Ok(socket)
}

/// Player `index` connected (at most `gate`'s permits at a time) with `hello` said and `hi` read,
/// within [`CONNECT_TIMEOUT`].
///
/// # Errors
/// Connection, handshake, greeting or `hi` failure, or the timeout.
pub async fn say_hello(
    host_port: &str,
    framing: Framing,
    gate: &Semaphore,
    index: usize,
) -> anyhow::Result<WebSocketStream<TcpStream>> {
    tokio::time::timeout(CONNECT_TIMEOUT, async {
        let _permit = gate.acquire().await?;
        let mut socket = connect(host_port, framing).await?;
        let hello = framing.hello(&frames::uid(index));
        socket.send(Message::text(hello)).await?;
        // `hi` comes before anything else: the player is in no room yet.
        match socket.next().await {
            Some(Ok(Message::Text(_))) => Ok(socket),
            other => anyhow::bail!("no hi: {other:?}"),
        }
    })
    .await
    .unwrap_or_else(|_| Err(anyhow::anyhow!("connect timed out")))
}

/// Runs player `index` until [`Phase::Stop`]; never fails, a failure is in the report.
///
/// It connects and says `hello` (telling `ready` whether that worked), waits for the phase to
/// leave [`Phase::Connect`], joins, and plays.
pub async fn run(
    index: usize,
    shared: Arc<Shared>,
    phase: watch::Receiver<Phase>,
    ready: mpsc::Sender<bool>,
) -> Report {
    let mut report = Report::default();
    let framing = shared.framing;
    let gate = &shared.connect_gate;
    let socket = say_hello(&shared.host_port, framing, gate, index).await;
    let _ = ready.send(socket.is_ok()).await;
    match socket {
        Ok(socket) => {
            let mut player = Player {
                index,
                framing,
                current: Phase::Connect,
                shared,
                phase,
                report: &mut report,
                in_round: None,
                next_send: None,
                hand: u8::try_from(index % 3).unwrap_or(0) + 1,
                // Any odd, index-dependent seed: xorshift needs a non-zero state.
                random: (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
            };
            if let Err(error) = player.play(socket).await {
                report.error = Some(format!("{error:#}"));
            }
        }
        Err(error) => report.error = Some(format!("{error:#}")),
    }
    report
}

struct Player<'r> {
    index: usize,
    framing: Framing,
    shared: Arc<Shared>,
    phase: watch::Receiver<Phase>,
    /// The phase last seen on `phase` (read once per change, not per frame).
    current: Phase,
    report: &'r mut Report,
    /// When the current round started and whether to re-join after it.
    in_round: Option<(Instant, bool)>,
    next_send: Option<Instant>,
    hand: u8,
    /// xorshift64 state for the pauses.
    random: u64,
}

impl Player<'_> {
    async fn play(&mut self, mut socket: WebSocketStream<TcpStream>) -> anyhow::Result<()> {
        while *self.phase.borrow_and_update() == Phase::Connect {
            self.phase.changed().await?;
        }
        self.current = *self.phase.borrow();
        let players = self.shared.in_flight.len().max(1) as u32;
        let offset = self.shared.round / players * u32::try_from(self.index).unwrap_or(0);
        tokio::time::sleep(offset).await;
        self.send(&mut socket, self.framing.join()).await?;
        while self.current != Phase::Stop {
            // A choice that is due goes out now, without a trip through the timer wheel.
            if self.next_send.is_some_and(|due| due <= Instant::now()) {
                self.next_send = None;
                self.send_choice(&mut socket).await?;
                continue;
            }
            let waiting_for_seen = self.in_round.is_some() && self.next_send.is_none();
            let me = &self.shared.seen[self.index];
            tokio::select! {
                changed = self.phase.changed() => {
                    changed?;
                    self.current = *self.phase.borrow_and_update();
                }
                frame = socket.next() => match frame {
                    Some(Ok(Message::Text(text))) => {
                        self.report.received[self.current.slot()] += 1;
                        if self.on_frame(&text)? {
                            self.send(&mut socket, self.framing.join()).await?;
                        }
                    }
                    Some(Ok(Message::Close(_))) | None => anyhow::bail!("closed by the server"),
                    Some(Ok(_)) => {}
                    Some(Err(error)) => return Err(error.into()),
                },
                () = me.notified(), if waiting_for_seen => {
                    if self.shared.in_flight[self.index].load(Ordering::Acquire) == 0 {
                        let think = self.pause(0.5);
                        self.next_send = Some(Instant::now() + think);
                    }
                }
                () = sleep_until(self.next_send) => {
                    self.next_send = None;
                    self.send_choice(&mut socket).await?;
                }
            }
        }
        let _ = socket.close(None).await;
        Ok(())
    }

    /// Reacts to one server frame; `true` when the player must now send `join`.
    fn on_frame(&mut self, text: &str) -> anyhow::Result<bool> {
        match self.framing.decode(text)? {
            Event::Start { uids } => {
                let me = frames::uid(self.index);
                let position = uids.iter().position(|uid| *uid == me).unwrap_or(0);
                let with_bot = uids.iter().any(|uid| frames::index_of(uid).is_none());
                self.in_round = Some((Instant::now(), position > 0 || with_bot));
                // A choice of the last round nobody saw (its room emptied): forget it.
                if self.shared.in_flight[self.index].swap(0, Ordering::AcqRel) != 0 {
                    self.report.unanswered += 1;
                }
                self.next_send = Some(Instant::now() + self.pause(0.0));
            }
            Event::Movement { uid, choice: true } => {
                if let Some(sender) = frames::index_of(&uid)
                    && let Some(slot) = self.shared.in_flight.get(sender)
                {
                    let stamp = slot.swap(0, Ordering::AcqRel);
                    if stamp != 0 {
                        let delay = self.shared.now_us().saturating_sub(stamp - 1);
                        let delay = u32::try_from(delay).unwrap_or(u32::MAX);
                        self.report.relayed[self.current.slot()] += 1;
                        self.report.delays_us[self.current.slot()].push(delay);
                        self.shared.seen[sender].notify_one();
                    }
                }
            }
            Event::Result => {
                self.next_send = None;
                return Ok(self.in_round.take().is_some_and(|(_, rejoin)| rejoin));
            }
            Event::Movement { .. } | Event::Other => {}
        }
        Ok(false)
    }

    async fn send_choice(&mut self, socket: &mut WebSocketStream<TcpStream>) -> anyhow::Result<()> {
        let Some((started, _)) = self.in_round else {
            return Ok(());
        };
        let slot = &self.shared.in_flight[self.index];
        if started.elapsed() + ROUND_GUARD >= self.shared.round || slot.load(Ordering::Acquire) != 0
        {
            return Ok(());
        }
        self.hand = self.hand % 3 + 1;
        slot.store(self.shared.now_us() + 1, Ordering::Release);
        let frame = self.framing.choice(self.hand);
        self.send(socket, frame).await
    }

    async fn send(
        &mut self,
        socket: &mut WebSocketStream<TcpStream>,
        frame: String,
    ) -> anyhow::Result<()> {
        socket.send(Message::text(frame)).await?;
        self.report.sent[self.current.slot()] += 1;
        Ok(())
    }

    /// `think` × a random factor in `[low, low + 1)` — the first choice of a round comes at
    /// `[0, 1)` × think, the next ones at `[0.5, 1.5)` × think — or zero when flat out.
    fn pause(&mut self, low: f64) -> Duration {
        if self.current == Phase::FlatOut {
            return Duration::ZERO;
        }
        self.random ^= self.random << 13;
        self.random ^= self.random >> 7;
        self.random ^= self.random << 17;
        let unit = (self.random >> 11) as f64 / (1u64 << 53) as f64;
        self.shared.think.mul_f64(low + unit)
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
