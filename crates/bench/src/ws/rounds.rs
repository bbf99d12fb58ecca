//! The playing phases: N players connect and say hello, join together (pairs form as the joins
//! arrive), warm up, then play a paced phase and a flat-out phase of equal length.
//!
//! Messages are counted by the players (frames written + text frames read); rounds come from the
//! server's own counter (`GET /applet/websocket/stats`, rounds judged) and CPU time from
//! `/proc/<pid>/stat` of the server and of this process (and `/proc/stat` for the whole
//! machine), read at each phase's edges.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use super::crowd::Crowd;
use super::player::{self, Phase, Report, Shared};
use super::probe;

/// What to run.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Players (pairs form among them).
    pub players: usize,
    /// Handshakes in flight while players connect.
    pub connects: usize,
    /// Pause between a seen choice and the next, paced phase.
    pub think: Duration,
    /// The server's round length.
    pub round: Duration,
    /// Unmeasured play before the paced phase.
    pub warmup: Duration,
    /// Length of each measured phase.
    pub measured: Duration,
    /// The server's process, for its CPU time.
    pub server_pid: Option<u32>,
}

/// One measured phase.
#[derive(Debug, Default)]
pub struct PhaseFigures {
    /// Wall time of the phase.
    pub elapsed: Duration,
    /// Rounds the server judged during it.
    pub rounds: u64,
    /// Frames the players wrote.
    pub sent: u64,
    /// Text frames the players read.
    pub received: u64,
    /// `movement`s of a choice the players read (choice → movement relays seen).
    pub relayed: u64,
    /// choice → opponent's movement delays, µs, sorted.
    pub delays_us: Vec<u32>,
    /// CPU time the server used during the phase.
    pub server_cpu: Option<Duration>,
    /// CPU time this process (all players) used during the phase.
    pub bench_cpu: Option<Duration>,
    /// CPU time the whole machine was busy during the phase (all processes, all cores).
    pub machine_busy: Option<Duration>,
}

impl PhaseFigures {
    /// `amount` per second of this phase.
    pub fn per_sec(&self, amount: u64) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            amount as f64 / secs
        } else {
            0.0
        }
    }

    /// Adds what `player` counted in phase slot `slot` (its delays are moved out).
    pub fn add(&mut self, player: &mut Report, slot: usize) {
        self.sent += player.sent[slot];
        self.received += player.received[slot];
        self.relayed += player.relayed[slot];
        self.delays_us.append(&mut player.delays_us[slot]);
    }

    /// The delay at `quantile` (0–1), nearest rank.
    pub fn delay(&self, quantile: f64) -> Option<Duration> {
        let n = self.delays_us.len();
        let rank = ((quantile * n as f64).ceil() as usize).clamp(1, n.max(1));
        let us = self.delays_us.get(rank - 1)?;
        Some(Duration::from_micros(u64::from(*us)))
    }
}

/// Everything the playing phases measured.
#[derive(Debug, Default)]
pub struct RoundsReport {
    /// Players that connected and got `hi`.
    pub connected: usize,
    /// Time until every player had connected (or given up).
    pub connect_time: Duration,
    /// Players that failed, at any point, and the first reason.
    pub failed: usize,
    /// First failure.
    pub first_error: Option<String>,
    /// Own choices nobody saw (their room emptied before the movement was relayed).
    pub unanswered: u64,
    /// The paced phase.
    pub paced: PhaseFigures,
    /// The flat-out phase.
    pub flat_out: PhaseFigures,
}

/// Runs the playing phases against ws-game at `host_port`.
///
/// # Errors
/// The server's stats cannot be read, or a player task panicked.
pub async fn run(
    http: &reqwest::Client,
    host_port: &str,
    framing: super::frames::Framing,
    plan: Plan,
) -> anyhow::Result<RoundsReport> {
    let timing = (plan.think, plan.round);
    let shared = Shared::new(
        host_port.to_owned(),
        framing,
        plan.players,
        plan.connects,
        timing,
    );
    let shared = Arc::new(shared);
    let mut crowd = Crowd::spawn(plan.players, |index, phase, ready| {
        player::run(index, Arc::clone(&shared), phase, ready)
    });
    let mut report = RoundsReport::default();
    let connected = crowd.connected().await;
    report.connected = connected.connected;
    report.connect_time = connected.elapsed;

    let _ = crowd.phase.send(Phase::Warmup);
    tokio::time::sleep(plan.warmup).await;
    let pids = (plan.server_pid, std::process::id());
    let phase = &crowd.phase;
    report.paced = measure(http, host_port, phase, (Phase::Paced, plan.measured), pids).await?;
    let flat_out = (Phase::FlatOut, plan.measured);
    report.flat_out = measure(http, host_port, phase, flat_out, pids).await?;

    let stopped = crowd.stop().await?;
    report.failed += stopped.stuck;
    if let Some(error) = stopped.stuck_error() {
        report.first_error.get_or_insert(error);
    }
    for player in stopped.reports {
        add(&mut report, player);
    }
    report.paced.delays_us.sort_unstable();
    report.flat_out.delays_us.sort_unstable();
    Ok(report)
}

/// Switches to `which` for `length`; wall time, the server's round count and both processes'
/// CPU time around it.
///
/// # Errors
/// The server's stats cannot be read.
pub async fn measure(
    http: &reqwest::Client,
    host_port: &str,
    phase: &watch::Sender<Phase>,
    (which, length): (Phase, Duration),
    (server, bench): (Option<u32>, u32),
) -> anyhow::Result<PhaseFigures> {
    let cpu = |pid: Option<u32>| pid.and_then(|pid| probe::cpu_time(pid).ok());
    let before = probe::stats(http, host_port).await?;
    let cpu_before = (cpu(server), cpu(Some(bench)), probe::machine_busy().ok());
    let started = Instant::now();
    let _ = phase.send(which);
    tokio::time::sleep(length).await;
    let elapsed = started.elapsed();
    let cpu_after = (cpu(server), cpu(Some(bench)), probe::machine_busy().ok());
    let after = probe::stats(http, host_port).await?;
    let used =
        |before: Option<Duration>, after: Option<Duration>| Some(after?.saturating_sub(before?));
    Ok(PhaseFigures {
        elapsed,
        rounds: after.rounds.saturating_sub(before.rounds),
        server_cpu: used(cpu_before.0, cpu_after.0),
        bench_cpu: used(cpu_before.1, cpu_after.1),
        machine_busy: used(cpu_before.2, cpu_after.2),
        ..PhaseFigures::default()
    })
}

fn add(total: &mut RoundsReport, mut player: Report) {
    total.paced.add(&mut player, Phase::Paced.slot());
    total.flat_out.add(&mut player, Phase::FlatOut.slot());
    total.unanswered += player.unanswered;
    if let Some(error) = player.error {
        total.failed += 1;
        total.first_error.get_or_insert(error);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_take_the_nearest_rank() {
        let figures = PhaseFigures {
            delays_us: (1..=100).collect(),
            elapsed: Duration::from_secs(2),
            ..PhaseFigures::default()
        };
        assert_eq!(figures.delay(0.5), Some(Duration::from_micros(50)));
        assert_eq!(figures.delay(0.99), Some(Duration::from_micros(99)));
        assert_eq!(figures.delay(1.0), Some(Duration::from_micros(100)));
        assert!((figures.per_sec(10) - 5.0).abs() < 1e-9);
        assert_eq!(PhaseFigures::default().delay(0.5), None);
        assert_eq!(PhaseFigures::default().per_sec(10), 0.0);
    }
}
