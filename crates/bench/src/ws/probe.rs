//! Readings of the running system: the server's resident set and CPU time and the machine's
//! busy time (procfs, `proc(5)`), and the server's own counters (`GET /applet/websocket/stats`).

use std::time::Duration;

use anyhow::Context;
use serde::Deserialize;
use tokio::time::Instant;

/// `VmRSS` of process `pid`, in KiB.
///
/// # Errors
/// The process does not exist or its status has no `VmRSS` line.
pub fn vm_rss_kib(pid: u32) -> anyhow::Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    parse_vm_rss(&status).with_context(|| format!("no VmRSS in {path}"))
}

/// CPU time (user + system, all threads) process `pid` has used so far.
///
/// # Errors
/// The process does not exist or its stat line cannot be read.
pub fn cpu_time(pid: u32) -> anyhow::Result<Duration> {
    let path = format!("/proc/{pid}/stat");
    let stat = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    parse_cpu_ticks(&stat)
        .map(|ticks| Duration::from_millis(ticks * 1000 / USER_HZ))
        .with_context(|| format!("no utime/stime in {path}"))
}

/// CPU time the whole machine has spent busy (all cores; everything but idle and iowait), from
/// the first line of `/proc/stat`: with other processes running it shows how much of the
/// machine the server and the bench really had.
///
/// # Errors
/// `/proc/stat` cannot be read.
pub fn machine_busy() -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string("/proc/stat").context("reading /proc/stat")?;
    parse_busy_ticks(&stat)
        .map(|ticks| Duration::from_millis(ticks * 1000 / USER_HZ))
        .context("no cpu line in /proc/stat")
}

fn parse_busy_ticks(stat: &str) -> Option<u64> {
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    let ticks: Vec<u64> = line
        .split_whitespace()
        .take(8)
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    let total: u64 = ticks.iter().sum();
    Some(total - ticks.get(3)? - ticks.get(4)?)
}

/// Clock ticks per second of `/proc/<pid>/stat` (the kernel's fixed `USER_HZ`, `getconf CLK_TCK`).
const USER_HZ: u64 = 100;

/// `utime + stime` (fields 14 and 15 of `proc(5)`), counted after the `(comm)` field, which may
/// itself contain spaces and parentheses.
fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let (_, after_comm) = stat.rsplit_once(')')?;
    let mut fields = after_comm.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

fn parse_vm_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `GET /applet/websocket/stats`.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct Stats {
    /// WebSocket connections open.
    pub connections: u64,
    /// Rounds judged since the server started.
    pub rounds: u64,
    /// In cluster mode (issue 14): the node's cluster counters.
    #[serde(default)]
    pub cluster: Option<ClusterCounters>,
}

/// `"cluster"` of ws-game's stats: messages this node published to the other nodes, received
/// from them, and dropped (publisher queue full or Redis unreachable).
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct ClusterCounters {
    /// Published to other nodes.
    pub messages_out: u64,
    /// Received from other nodes.
    pub messages_in: u64,
    /// Dropped.
    pub messages_dropped: u64,
}

/// The server's counters.
///
/// # Errors
/// The request fails or the body is not the stats object.
pub async fn stats(client: &reqwest::Client, host_port: &str) -> anyhow::Result<Stats> {
    let url = format!("http://{host_port}/applet/websocket/stats");
    let response = client.get(&url).send().await?.error_for_status()?;
    response.json().await.with_context(|| format!("GET {url}"))
}

/// Waits (bounded) until the server counts at most `connections` sockets.
///
/// # Errors
/// Stats cannot be read, or the count is still higher after `limit`.
pub async fn wait_for_connections(
    client: &reqwest::Client,
    host_port: &str,
    connections: u64,
    limit: Duration,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        let now = stats(client, host_port).await?.connections;
        if now <= connections {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the server still counts {now} connections after {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vm_rss_is_read_from_a_status_file() {
        let status = "Name:\tws-game\nVmPeak:\t  9000 kB\nVmRSS:\t    6144 kB\nThreads:\t3\n";
        assert_eq!(parse_vm_rss(status), Some(6144));
        assert_eq!(parse_vm_rss("Name:\tx\n"), None);
    }

    #[test]
    fn this_process_has_a_resident_set() -> anyhow::Result<()> {
        assert!(vm_rss_kib(std::process::id())? > 0);
        cpu_time(std::process::id())?;
        Ok(())
    }

    #[test]
    fn machine_busy_time_leaves_out_idle_and_iowait() -> anyhow::Result<()> {
        let stat = "cpu  100 5 50 800 40 1 4 0 0 0\ncpu0 50 2 25 400 20 0 2 0 0 0\n";
        assert_eq!(parse_busy_ticks(stat), Some(160));
        machine_busy()?;
        Ok(())
    }

    #[test]
    fn cpu_ticks_are_read_after_the_command_name() {
        let stat = "42 (ws game) (x) S 1 42 42 0 -1 4194304 131 0 0 0 250 30 0 0 20 0 3 0";
        assert_eq!(parse_cpu_ticks(stat), Some(280));
        assert_eq!(parse_cpu_ticks("42 (x) S 1"), None);
    }
}
