//! One player of the cluster bench: its socket on one node, a `join` when the orchestrator says
//! so, its room's `roomUsers` back to the orchestrator, then a `choice` every period while its
//! pair's class is active in the current phase.
//!
//! **Pairs.** Players `2k` and `2k+1` are pair `k`. Even pairs are *same-node* (both sockets on
//! node `(k/2) mod n`), odd pairs *cross-node* (player `2k` on node `(k/2) mod n`, player `2k+1`
//! on the next one). The orchestrator lets one pair `join` at a time, so the two meet in one
//! room wherever their sockets are (`join` claims the first listed room cluster-wide), and
//! checks that from `start`.
//!
//! **Delay.** As in `relay.rs`: a player stamps each choice (µs since the run's epoch) before
//! writing it; the opponent that reads the matching `movement` takes the oldest stamp.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::{Notify, Semaphore, mpsc, watch};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

use super::super::frames::{Event, Framing};
use super::super::in_flight::InFlight;
use super::super::player;

/// What the run is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Connected; waiting for the orchestrator's go to `join`.
    Join,
    /// Every pair plays at the base period, not measured.
    Warmup,
    /// Measured: every pair at the base period.
    Mixed,
    /// Measured: only same-node pairs, at half the period (the same total rate).
    SameOnly,
    /// Measured: only cross-node pairs, at half the period.
    CrossOnly,
    /// Close the socket and report.
    Stop,
}

impl Phase {
    /// Index into [`Report`]'s arrays: the measured phases 1..=3, everything else 0.
    pub fn slot(self) -> usize {
        match self {
            Self::Mixed => 1,
            Self::SameOnly => 2,
            Self::CrossOnly => 3,
            _ => 0,
        }
    }

    /// Period between two choices of a player of class `cross` in this phase (None: silent).
    fn period(self, base: Duration, cross: bool) -> Option<Duration> {
        match self {
            Self::Warmup | Self::Mixed => Some(base),
            Self::SameOnly if !cross => Some(base / 2),
            Self::CrossOnly if cross => Some(base / 2),
            _ => None,
        }
    }
}

/// Which node player `index` talks to, of `nodes`.
pub fn node_of(index: usize, nodes: usize) -> usize {
    let pair = index / 2;
    let home = (pair / 2) % nodes.max(1);
    if is_cross(index) && index % 2 == 1 {
        (home + 1) % nodes.max(1)
    } else {
        home
    }
}

/// Whether player `index`'s pair is a cross-node pair (with two nodes or more).
pub fn is_cross(index: usize) -> bool {
    (index / 2) % 2 == 1
}

/// Shared by every player of a run.
pub struct Shared {
    /// Each node's `host:port`.
    pub addrs: Vec<String>,
    /// The framing every player speaks.
    pub framing: Framing,
    /// Handshakes in flight.
    pub connect_gate: Semaphore,
    /// Every player's choices in flight, on the run's clock.
    pub in_flight: InFlight,
    /// Per player: the orchestrator's go to `join`.
    pub go: Vec<Notify>,
    /// Base period between two choices of one player.
    pub every: Duration,
}

/// What one player counted, per [`Phase::slot`].
#[derive(Debug, Default)]
pub struct Report {
    /// The player.
    pub index: usize,
    /// Frames written.
    pub sent: [u64; 4],
    /// Text frames read.
    pub received: [u64; 4],
    /// `movement`s of a choice read with a known send time.
    pub relayed: [u64; 4],
    /// choice → this player's reading of the movement, in µs.
    pub delays_us: [Vec<u32>; 4],
    /// Why the player stopped early, if it did.
    pub error: Option<String>,
}

/// A player's `start`: who it is and the uids of its room.
pub type Seated = (usize, Vec<String>);

/// Runs player `index`; never fails, a failure is in the report.
pub async fn run(
    index: usize,
    shared: Arc<Shared>,
    mut phase: watch::Receiver<Phase>,
    ready: mpsc::Sender<bool>,
    seated: mpsc::UnboundedSender<Seated>,
) -> Report {
    let mut report = Report {
        index,
        ..Report::default()
    };
    let addr = &shared.addrs[node_of(index, shared.addrs.len())];
    let socket = player::say_hello(addr, shared.framing, &shared.connect_gate, index).await;
    let _ = ready.send(socket.is_ok()).await;
    let result = match socket {
        Ok(socket) => {
            let io = (&mut phase, socket, &seated);
            play(index, &shared, io, &mut report).await
        }
        Err(error) => Err(error),
    };
    if let Err(error) = result {
        report.error = Some(format!("{error:#}"));
    }
    report
}

type Io<'a> = (
    &'a mut watch::Receiver<Phase>,
    WebSocketStream<TcpStream>,
    &'a mpsc::UnboundedSender<Seated>,
);

async fn play(
    index: usize,
    shared: &Shared,
    (phase, mut socket, seated_tx): Io<'_>,
    report: &mut Report,
) -> anyhow::Result<()> {
    let framing = shared.framing;
    let cross = is_cross(index);
    tokio::select! {
        () = shared.go[index].notified() => {}
        _ = phase.wait_for(|phase| *phase == Phase::Stop) => return Ok(()),
    }
    socket.send(Message::text(framing.join())).await?;
    let mut current = *phase.borrow_and_update();
    report.sent[current.slot()] += 1;
    let players = u32::try_from(shared.in_flight.players().max(1)).unwrap_or(u32::MAX);
    let schedule = |current: Phase| {
        let every = current.period(shared.every, cross)?;
        // Spread the players' schedules evenly over one period.
        let offset = every / players * u32::try_from(index).unwrap_or(0);
        let mut ticks = tokio::time::interval_at(Instant::now() + offset, every);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Some(ticks)
    };
    let mut ticks = schedule(current);
    let mut seated = false;
    let mut hand = u8::try_from(index % 3).unwrap_or(0) + 1;
    while current != Phase::Stop {
        tokio::select! {
            changed = phase.changed() => {
                changed?;
                current = *phase.borrow_and_update();
                ticks = schedule(current);
            }
            _ = async { ticks.as_mut()?.tick().await; Some(()) }, if seated && ticks.is_some() => {
                hand = hand % 3 + 1;
                shared.in_flight.sent(index);
                socket.send(Message::text(framing.choice(hand))).await?;
                report.sent[current.slot()] += 1;
            }
            frame = socket.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    let slot = current.slot();
                    report.received[slot] += 1;
                    match framing.decode(&text)? {
                        Event::Start { uids } => {
                            if !seated {
                                let uids = uids.into_iter().map(|uid| uid.into_owned()).collect();
                                let _ = seated_tx.send((index, uids));
                            }
                            seated = true;
                        }
                        Event::Movement { uid, choice: true } => {
                            if let Some(delay) = shared.in_flight.seen(&uid) {
                                report.relayed[slot] += 1;
                                report.delays_us[slot].push(delay);
                            }
                        }
                        Event::Movement { .. } | Event::Result | Event::Other => {}
                    }
                }
                Some(Ok(Message::Close(_))) | None => anyhow::bail!("closed by the server"),
                Some(Ok(_)) => {}
                Some(Err(error)) => return Err(error.into()),
            },
        }
    }
    let _ = socket.close(None).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn even_pairs_share_a_node_and_odd_pairs_span_two() {
        let nodes: Vec<usize> = (0..8).map(|index| node_of(index, 2)).collect();
        // pair 0 same (node 0), pair 1 cross (0→1), pair 2 same (node 1), pair 3 cross (1→0)
        assert_eq!(nodes, [0, 0, 0, 1, 1, 1, 1, 0]);
        assert!(!is_cross(0) && is_cross(2) && is_cross(3) && !is_cross(4));
    }

    #[test]
    fn each_class_gets_the_whole_rate_in_its_own_phase() {
        let base = Duration::from_millis(50);
        assert_eq!(Phase::Mixed.period(base, true), Some(base));
        assert_eq!(Phase::SameOnly.period(base, false), Some(base / 2));
        assert_eq!(Phase::SameOnly.period(base, true), None);
        assert_eq!(Phase::CrossOnly.period(base, true), Some(base / 2));
        assert_eq!(Phase::Join.period(base, true), None);
    }
}
