//! `ws-bench --cluster-addrs A,B …`: ws-game in cluster mode (issue 14), players spread over the
//! nodes in stable pairs, half of the pairs across two nodes (`pair.rs`).
//!
//! The run: every player connects to its node and says `hello`; an idle window measures the
//! Redis commands nobody in this run makes (the stack, the nodes' heartbeats); then one pair at
//! a time `join`s and the bench checks from `start` that the two met; the first rounds are
//! played out (Redis commands per round: that whole phase ÷ the rounds the nodes judged); after
//! a warm-up, three measured windows of equal length and equal message rate: every pair
//! (choice→movement delay per class, messages/s, each node's CPU and RSS), same-node pairs only
//! and cross-node pairs only (the nodes' CPU ÷ messages relayed in each: CPU per relayed message
//! per class).

mod pair;
pub mod print;
mod redis_stats;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use deadpool_redis::redis;
use tokio::sync::{Notify, Semaphore, mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::frames::{self, Framing};
use super::in_flight::InFlight;
use super::probe;
use pair::{Phase, Shared};
pub use redis_stats::Calls;

/// How long all players may take to connect, a pair to meet, the first rounds to end.
const CONNECT_LIMIT: Duration = Duration::from_secs(60);
const MEET_LIMIT: Duration = Duration::from_secs(5);
const ROUNDS_LIMIT: Duration = Duration::from_secs(10);
/// The measured windows in the order they run: the single-class ones first, the mixed one
/// last (run first, right after the warm-up, it came out slower in every class).
const WINDOW_ORDER: [Phase; 3] = [Phase::SameOnly, Phase::CrossOnly, Phase::Mixed];
/// The idle window that measures the Redis background.
const IDLE_WINDOW: Duration = Duration::from_secs(3);

/// What to run.
#[derive(Debug, Clone)]
pub struct ClusterPlan {
    /// Each node's `host:port`.
    pub addrs: Vec<String>,
    /// Each node's process id, in the order of `addrs`.
    pub pids: Vec<u32>,
    /// The Redis the nodes share, for `INFO commandstats`.
    pub redis_url: String,
    /// Players (rounded down to a multiple of four: as many same-node as cross-node pairs).
    pub players: usize,
    /// Framing of every player.
    pub framing: Framing,
    /// Handshakes in flight while players connect.
    pub connects: usize,
    /// Base period between two choices of one player.
    pub every: Duration,
    /// Unmeasured play before the windows.
    pub warmup: Duration,
    /// Length of each measured window.
    pub measured: Duration,
}

/// One measured window.
#[derive(Debug, Default)]
pub struct Window {
    /// Its length.
    pub elapsed: Duration,
    /// Each node's CPU time over it.
    pub node_cpu: Vec<Option<Duration>>,
    /// The bench's CPU time.
    pub bench_cpu: Option<Duration>,
    /// The machine's busy time (all cores).
    pub machine_busy: Option<Duration>,
    /// Redis commands over it (the whole server's).
    pub redis: Calls,
    /// Redis commands over it in the nodes' database (`MONITOR`).
    pub db: Calls,
    /// The nodes' cluster counters over it, summed: published, received, dropped.
    pub cluster: [u64; 3],
    /// Frames written + read by all players.
    pub frames: u64,
    /// Relayed choice→movement messages read, `[same-node, cross-node]`.
    pub relayed: [u64; 2],
    /// Their delays in µs, sorted, `[same-node, cross-node]`.
    pub delays_us: [Vec<u32>; 2],
}

impl Window {
    /// Sum of the nodes' CPU time (None if one could not be read).
    pub fn nodes_cpu(&self) -> Option<Duration> {
        self.node_cpu.iter().copied().sum()
    }

    /// The nodes' CPU per relayed message (both classes), in µs.
    pub fn cpu_us_per_relayed(&self) -> Option<f64> {
        let relayed = self.relayed[0] + self.relayed[1];
        let cpu = self.nodes_cpu()?;
        (relayed > 0).then(|| cpu.as_secs_f64() * 1e6 / relayed as f64)
    }
}

/// What the run measured.
#[derive(Debug, Default)]
pub struct ClusterReport {
    /// Players that connected and got `hi`.
    pub connected: usize,
    /// Players that failed at any point.
    pub failed: usize,
    /// First failure.
    pub first_error: Option<String>,
    /// Pairs that met as planned, `[same-node, cross-node]`.
    pub met: [usize; 2],
    /// Pairs whose `start` showed someone else, or never came.
    pub unmet: usize,
    /// Joining, pair by pair, until the first rounds were judged.
    pub join_elapsed: Duration,
    /// Rounds the nodes judged meanwhile.
    pub join_rounds: u64,
    /// Redis commands meanwhile (the whole server's).
    pub join_redis: Calls,
    /// Redis commands meanwhile in the nodes' database (`MONITOR`).
    pub join_db: Calls,
    /// Redis commands over the idle window, and its length.
    pub background: (Calls, Duration),
    /// The windows: every pair, same-node only, cross-node only.
    pub windows: [Window; 3],
    /// Each node's VmRSS at the end of the first window, in KiB.
    pub rss_kib: Vec<Option<u64>>,
}

/// Runs the cluster bench.
///
/// # Errors
/// A node's stats or Redis cannot be read, or a player task panicked.
pub async fn run(http: &reqwest::Client, plan: &ClusterPlan) -> anyhow::Result<ClusterReport> {
    let players = plan.players / 4 * 4;
    anyhow::ensure!(players >= 4, "--relay-players: at least 4 in cluster mode");
    let client = redis::Client::open(plan.redis_url.as_str()).context("--redis-url")?;
    let mut redis = client.get_multiplexed_async_connection().await?;
    let monitor = redis_stats::DbMonitor::start(&client, db_of(&plan.redis_url)).await?;
    let shared = Arc::new(Shared {
        addrs: plan.addrs.clone(),
        framing: plan.framing,
        connect_gate: Semaphore::new(plan.connects.max(1)),
        in_flight: InFlight::new(players),
        go: (0..players).map(|_| Notify::new()).collect(),
        every: plan.every,
    });
    let (phase, phase_seen) = watch::channel(Phase::Join);
    let (ready, mut readiness) = mpsc::channel(players);
    let (seated, mut seats) = mpsc::unbounded_channel();
    let mut tasks = JoinSet::new();
    for index in 0..players {
        let task = pair::run(
            index,
            Arc::clone(&shared),
            phase_seen.clone(),
            ready.clone(),
            seated.clone(),
        );
        tasks.spawn(task);
    }
    let mut report = ClusterReport::default();
    let deadline = Instant::now() + CONNECT_LIMIT;
    for _ in 0..players {
        match tokio::time::timeout_at(deadline, readiness.recv()).await {
            Ok(Some(ok)) => report.connected += usize::from(ok),
            Ok(None) | Err(_) => break,
        }
    }
    eprintln!("[ws-bench] {} players connected", report.connected);

    let before = redis_stats::read(&mut redis).await?;
    tokio::time::sleep(IDLE_WINDOW).await;
    let after = redis_stats::read(&mut redis).await?;
    report.background = (after.since(&before), IDLE_WINDOW);

    eprintln!("[ws-bench] joining pair by pair");
    let started = Instant::now();
    let rounds_before = rounds(http, &plan.addrs).await?;
    let redis_before = redis_stats::read(&mut redis).await?;
    let db_before = monitor.calls();
    for pair in 0..players / 2 {
        let (a, b) = (2 * pair, 2 * pair + 1);
        shared.go[a].notify_one();
        shared.go[b].notify_one();
        let mut seen = 0;
        let mut met = true;
        while seen < 2 {
            match tokio::time::timeout(MEET_LIMIT, seats.recv()).await {
                Ok(Some((_, uids))) => {
                    seen += 1;
                    let mut uids: Vec<usize> = uids
                        .iter()
                        .filter_map(|uid| frames::index_of(uid))
                        .collect();
                    uids.sort_unstable();
                    met &= uids == [a, b];
                }
                Ok(None) | Err(_) => {
                    met = false;
                    break;
                }
            }
        }
        if met {
            report.met[usize::from(pair::is_cross(a))] += 1;
        } else {
            report.unmet += 1;
        }
    }
    // The first rounds end a round length after their `start`: wait until they are judged.
    let met = u64::try_from(report.met[0] + report.met[1]).unwrap_or(u64::MAX);
    let deadline = Instant::now() + ROUNDS_LIMIT;
    loop {
        let judged = rounds(http, &plan.addrs)
            .await?
            .saturating_sub(rounds_before);
        if judged >= met || Instant::now() >= deadline {
            report.join_rounds = judged;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    report.join_redis = redis_stats::read(&mut redis).await?.since(&redis_before);
    report.join_db = monitor.calls().since(&db_before);
    report.join_elapsed = started.elapsed();
    eprintln!(
        "[ws-bench] {} same-node + {} cross-node pairs met ({} did not), {} rounds judged",
        report.met[0], report.met[1], report.unmet, report.join_rounds
    );

    let _ = phase.send(Phase::Warmup);
    tokio::time::sleep(plan.warmup).await;
    // In report order (slots 1, 2, 3); run in `WINDOW_ORDER`.
    let mut windows: [Window; 3] = Default::default();
    for which in WINDOW_ORDER {
        eprintln!("[ws-bench] window {which:?}");
        let redis = (&mut redis, &monitor);
        windows[which.slot() - 1] = measure(http, redis, plan, (&phase, which)).await?;
        if which == Phase::Mixed {
            report.rss_kib = plan
                .pids
                .iter()
                .map(|&pid| probe::vm_rss_kib(pid).ok())
                .collect();
        }
    }

    let _ = phase.send(Phase::Stop);
    let mut reports = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(15);
    while let Ok(Some(joined)) = tokio::time::timeout_at(deadline, tasks.join_next()).await {
        reports.push(joined?);
    }
    report.failed += tasks.len();
    tasks.abort_all();
    for mut player in reports {
        let class = usize::from(pair::is_cross(player.index));
        for (window, slot) in windows.iter_mut().zip(1..) {
            window.frames += player.sent[slot] + player.received[slot];
            window.relayed[class] += player.relayed[slot];
            window.delays_us[class].append(&mut player.delays_us[slot]);
        }
        if let Some(error) = player.error {
            report.failed += 1;
            report.first_error.get_or_insert(error);
        }
    }
    for window in &mut windows {
        window.delays_us.iter_mut().for_each(|d| d.sort_unstable());
    }
    report.windows = windows;
    Ok(report)
}

/// The database number of a `redis://host:port/db` URL (0 without one).
fn db_of(url: &str) -> u32 {
    let path = url.split_once("://").map_or(url, |(_, rest)| rest);
    path.split_once('/')
        .and_then(|(_, db)| db.split(['?', '#']).next()?.parse().ok())
        .unwrap_or(0)
}

/// The nodes' cluster counters, summed: published, received, dropped.
async fn cluster_counters(http: &reqwest::Client, addrs: &[String]) -> anyhow::Result<[u64; 3]> {
    let mut total = [0; 3];
    for addr in addrs {
        let counters = probe::stats(http, addr).await?.cluster.unwrap_or_default();
        total[0] += counters.messages_out;
        total[1] += counters.messages_in;
        total[2] += counters.messages_dropped;
    }
    Ok(total)
}

/// Rounds judged by all nodes since they started.
async fn rounds(http: &reqwest::Client, addrs: &[String]) -> anyhow::Result<u64> {
    let mut total = 0;
    for addr in addrs {
        total += probe::stats(http, addr).await?.rounds;
    }
    Ok(total)
}

/// One measured window: switches to `which`, waits `plan.measured`, reads the counters.
async fn measure(
    http: &reqwest::Client,
    (redis, monitor): (
        &mut redis::aio::MultiplexedConnection,
        &redis_stats::DbMonitor,
    ),
    plan: &ClusterPlan,
    (phase, which): (&watch::Sender<Phase>, Phase),
) -> anyhow::Result<Window> {
    let counters_before = cluster_counters(http, &plan.addrs).await?;
    let cpu = |pid: u32| probe::cpu_time(pid).ok();
    let nodes_before: Vec<_> = plan.pids.iter().map(|&pid| cpu(pid)).collect();
    let others_before = (cpu(std::process::id()), probe::machine_busy().ok());
    let redis_before = redis_stats::read(redis).await?;
    let db_before = monitor.calls();
    let started = Instant::now();
    let _ = phase.send(which);
    tokio::time::sleep(plan.measured).await;
    let elapsed = started.elapsed();
    let redis_after = redis_stats::read(redis).await?;
    let db_after = monitor.calls();
    let counters_after = cluster_counters(http, &plan.addrs).await?;
    let nodes_after: Vec<_> = plan.pids.iter().map(|&pid| cpu(pid)).collect();
    let others_after = (cpu(std::process::id()), probe::machine_busy().ok());
    let used =
        |before: Option<Duration>, after: Option<Duration>| Some(after?.saturating_sub(before?));
    Ok(Window {
        elapsed,
        node_cpu: nodes_before
            .into_iter()
            .zip(nodes_after)
            .map(|(before, after)| used(before, after))
            .collect(),
        bench_cpu: used(others_before.0, others_after.0),
        machine_busy: used(others_before.1, others_after.1),
        redis: redis_after.since(&redis_before),
        db: db_after.since(&db_before),
        cluster: std::array::from_fn(|i| counters_after[i].saturating_sub(counters_before[i])),
        ..Window::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_is_the_urls_path() {
        assert_eq!(db_of("redis://127.0.0.1:6379/5"), 5);
        assert_eq!(db_of("redis://127.0.0.1:6379"), 0);
        assert_eq!(db_of("redis://:pw@127.0.0.1:6379/12?protocol=resp3"), 12);
    }
}
