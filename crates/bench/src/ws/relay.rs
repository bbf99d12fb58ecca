//! The relay phase: N players in stable pairs, each sending a `choice` every P ms, and what one
//! relayed message costs the server.
//!
//! Every player connects, says `hello` and `join`s; pairs form as the joins arrive, their round
//! starts, and nobody joins again, so the pairs never change: after the first round every
//! `choice` is relayed to the opponent as a `movement` (the room relays it whether or not a
//! round runs, `proto/ws-game.md`). A player sends its first choice once it has seen `start`,
//! then one every period on its own schedule (players are spread evenly over one period).
//!
//! **Figures.** Relayed messages are the `movement`s of a choice that players read during the
//! measured window; the server's CPU time over the same window (`/proc/<pid>/stat`) divided by
//! them is the CPU per relayed message. Each player keeps the send times of its choices in
//! flight in order ([`Stamps`]); the opponent that reads the matching `movement` takes the
//! oldest and records the delay. The two ends read one process's monotonic clock.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

use super::crowd::Crowd;
use super::frames::{Event, Framing};
use super::in_flight::InFlight;
use super::player::{self, Phase, Report};
use super::rounds::{self, PhaseFigures};

/// What to run.
#[derive(Debug, Clone, Copy)]
pub struct RelayPlan {
    /// Players; an odd one out would wait for a bot, so the bench rounds it down to even.
    pub players: usize,
    /// The framing every player speaks.
    pub framing: Framing,
    /// Handshakes in flight while players connect.
    pub connects: usize,
    /// Pause between two choices of one player.
    pub every: Duration,
    /// Unmeasured play (the pairs' first round) before the measured window.
    pub warmup: Duration,
    /// Length of the measured window.
    pub measured: Duration,
    /// The server's process, for its CPU time.
    pub server_pid: Option<u32>,
}

/// What the relay phase measured.
#[derive(Debug, Default)]
pub struct RelayReport {
    /// Players that connected and got `hi`.
    pub connected: usize,
    /// Players that failed, at any point.
    pub failed: usize,
    /// First failure.
    pub first_error: Option<String>,
    /// The measured window.
    pub figures: PhaseFigures,
}

impl RelayReport {
    /// Server CPU time per relayed message, in µs.
    pub fn cpu_us_per_relayed(&self) -> Option<f64> {
        let cpu = self.figures.server_cpu?;
        (self.figures.relayed > 0).then(|| cpu.as_secs_f64() * 1e6 / self.figures.relayed as f64)
    }
}

struct Shared {
    host_port: String,
    framing: Framing,
    connect_gate: tokio::sync::Semaphore,
    in_flight: InFlight,
    every: Duration,
}

/// Runs the relay phase against ws-game at `host_port`.
///
/// # Errors
/// The server's stats cannot be read, or a player task panicked.
pub async fn run(
    http: &reqwest::Client,
    host_port: &str,
    plan: RelayPlan,
) -> anyhow::Result<RelayReport> {
    let players = plan.players & !1;
    let shared = Arc::new(Shared {
        host_port: host_port.to_owned(),
        framing: plan.framing,
        connect_gate: tokio::sync::Semaphore::new(plan.connects.max(1)),
        in_flight: InFlight::new(players),
        every: plan.every,
    });
    let mut crowd = Crowd::spawn(players, |index, phase, ready| {
        play(index, Arc::clone(&shared), phase, ready)
    });
    let mut report = RelayReport {
        connected: crowd.connected().await.connected,
        ..RelayReport::default()
    };
    let _ = crowd.phase.send(Phase::Warmup);
    tokio::time::sleep(plan.warmup).await;
    let pids = (plan.server_pid, std::process::id());
    let window = (Phase::Paced, plan.measured);
    let mut figures = rounds::measure(http, host_port, &crowd.phase, window, pids).await?;

    let stopped = crowd.stop().await?;
    report.failed += stopped.stuck;
    report.first_error = stopped.stuck_error();
    for mut player in stopped.reports {
        figures.add(&mut player, Phase::Paced.slot());
        if let Some(error) = player.error {
            report.failed += 1;
            report.first_error.get_or_insert(error);
        }
    }
    figures.delays_us.sort_unstable();
    report.figures = figures;
    Ok(report)
}

/// One player: connect, `hello`, then (once the phase leaves `Connect`) `join` and a choice
/// every period until [`Phase::Stop`]. Never fails; a failure is in the report.
async fn play(
    index: usize,
    shared: Arc<Shared>,
    mut phase: watch::Receiver<Phase>,
    ready: mpsc::Sender<bool>,
) -> Report {
    let mut report = Report::default();
    let gate = &shared.connect_gate;
    let socket = player::say_hello(&shared.host_port, shared.framing, gate, index).await;
    let _ = ready.send(socket.is_ok()).await;
    let result = match socket {
        Ok(socket) => relay(index, &shared, &mut phase, socket, &mut report).await,
        Err(error) => Err(error),
    };
    if let Err(error) = result {
        report.error = Some(format!("{error:#}"));
    }
    report
}

async fn relay(
    index: usize,
    shared: &Shared,
    phase: &mut watch::Receiver<Phase>,
    mut socket: WebSocketStream<TcpStream>,
    report: &mut Report,
) -> anyhow::Result<()> {
    while *phase.borrow_and_update() == Phase::Connect {
        phase.changed().await?;
    }
    let mut current = *phase.borrow();
    let framing = shared.framing;
    socket.send(Message::text(framing.join())).await?;
    report.sent[current.slot()] += 1;
    // Spread the players' schedules evenly over one period.
    let players = u32::try_from(shared.in_flight.players().max(1)).unwrap_or(u32::MAX);
    let offset = shared.every / players * u32::try_from(index).unwrap_or(0);
    let mut ticks = tokio::time::interval_at(Instant::now() + offset, shared.every);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut seated = false;
    let mut hand = u8::try_from(index % 3).unwrap_or(0) + 1;
    while current != Phase::Stop {
        tokio::select! {
            changed = phase.changed() => {
                changed?;
                current = *phase.borrow_and_update();
            }
            _ = ticks.tick(), if seated => {
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
                        Event::Start { .. } => seated = true,
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
    fn cpu_per_relayed_message_divides_the_server_cpu() {
        let mut report = RelayReport::default();
        assert_eq!(report.cpu_us_per_relayed(), None);
        report.figures.server_cpu = Some(Duration::from_millis(240));
        assert_eq!(report.cpu_us_per_relayed(), None);
        report.figures.relayed = 20_000;
        assert_eq!(report.cpu_us_per_relayed(), Some(12.0));
    }
}
