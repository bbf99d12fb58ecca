//! Server memory per idle connection.
//!
//! The idle phase reads the server's resident set (`VmRSS` in `/proc/<pid>/status`), opens N
//! sockets that only complete the WebSocket handshake and read the greeting, reads `VmRSS`
//! again, and closes them. Only the server process is measured; the client's sockets live in
//! this process and are not counted.

use std::time::Duration;

use futures_util::{StreamExt, stream};
use tokio::time::Instant;

use super::frames::Framing;
use super::player;
use super::probe::vm_rss_kib;

/// Handshakes in flight while opening idle sockets.
const OPEN_CONCURRENCY: usize = 128;

/// What the idle phase measured.
#[derive(Debug)]
pub struct IdleReport {
    /// Sockets that completed the handshake.
    pub opened: usize,
    /// Sockets that failed, and the first reason.
    pub failed: usize,
    /// First failure.
    pub first_error: Option<String>,
    /// Server VmRSS before and after, in KiB.
    pub rss_before_kib: u64,
    /// Server VmRSS with the sockets open, in KiB.
    pub rss_after_kib: u64,
    /// Time to open them all.
    pub elapsed: Duration,
}

impl IdleReport {
    /// Server RSS growth per open socket, in KiB.
    pub fn kib_per_connection(&self) -> Option<f64> {
        (self.opened > 0).then(|| {
            self.rss_after_kib.saturating_sub(self.rss_before_kib) as f64 / self.opened as f64
        })
    }
}

/// Opens `count` idle sockets to the server `pid` serves and measures its RSS around them;
/// the sockets are closed again when this returns.
///
/// # Errors
/// `VmRSS` cannot be read.
pub async fn measure(
    host_port: &str,
    framing: Framing,
    count: usize,
    pid: u32,
) -> anyhow::Result<IdleReport> {
    let rss_before_kib = vm_rss_kib(pid)?;
    let started = Instant::now();
    let results: Vec<_> = stream::iter(0..count)
        .map(|_| player::connect(host_port, framing))
        .buffer_unordered(OPEN_CONCURRENCY)
        .collect()
        .await;
    let elapsed = started.elapsed();
    let mut sockets = Vec::with_capacity(count);
    let (mut failed, mut first_error) = (0, None);
    for result in results {
        match result {
            Ok(socket) => sockets.push(socket),
            Err(error) => {
                failed += 1;
                first_error.get_or_insert_with(|| format!("{error:#}"));
            }
        }
    }
    let rss_after_kib = vm_rss_kib(pid)?;
    let opened = sockets.len();
    // Dropping closes the TCP connections; the server notices at once (EOF).
    drop(sockets);
    Ok(IdleReport {
        opened,
        failed,
        first_error,
        rss_before_kib,
        rss_after_kib,
        elapsed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_is_divided_by_the_sockets_opened() {
        let report = IdleReport {
            opened: 4,
            failed: 0,
            first_error: None,
            rss_before_kib: 100,
            rss_after_kib: 180,
            elapsed: Duration::ZERO,
        };
        assert_eq!(report.kib_per_connection(), Some(20.0));
    }
}
