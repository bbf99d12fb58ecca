//! A closed-loop load driver: `concurrency` workers each run one request at a time until a
//! request count or a deadline is reached, recording every latency in an HDR histogram.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Context;
use hdrhistogram::Histogram;
use tokio::time::Instant;

/// Highest latency the histogram tracks (60 s, in µs); slower requests are clamped to it.
const MAX_LATENCY_US: u64 = 60_000_000;
/// Three significant digits: 0.1 % resolution, plenty for p50/p99.
const SIGNIFICANT_DIGITS: u8 = 3;

/// Set by [`stop`]: every [`run`] starts no new request.
static STOPPED: AtomicBool = AtomicBool::new(false);

/// Stops every [`run`] of this process after the requests in flight, which then fails with
/// "interrupted" (Ctrl-C: what was sent is answered and recorded, so the bench knows what to
/// delete). [`run_to_end`], the clean-up's, goes on.
pub fn stop() {
    STOPPED.store(true, Ordering::Relaxed);
}

/// When a run stops.
#[derive(Debug, Clone, Copy)]
pub enum Budget {
    /// After exactly this many requests (across all workers).
    Requests(usize),
    /// When this much time has passed; requests in flight finish.
    Time(Duration),
}

/// What one run measured.
#[derive(Debug)]
pub struct Outcome {
    /// Requests that succeeded.
    pub ok: u64,
    /// Requests that failed.
    pub errors: u64,
    /// The first failure, for the report.
    pub first_error: Option<String>,
    /// Payload bytes of the successful requests (as reported by the operation).
    pub bytes: u64,
    /// Wall time from the first request to the last reply.
    pub elapsed: Duration,
    /// Latency of the successful requests, in µs.
    pub latency_us: Histogram<u64>,
}

impl Outcome {
    /// Successful requests per second.
    pub fn per_sec(&self) -> f64 {
        per_sec(self.ok as f64, self.elapsed)
    }

    /// Payload throughput in MB/s (10^6 bytes).
    pub fn mb_per_sec(&self) -> f64 {
        per_sec(self.bytes as f64, self.elapsed) / 1e6
    }

    /// Adds a second run of the same operation: counts, bytes and wall time add up, the
    /// latencies merge.
    ///
    /// # Errors
    /// The histograms cannot be merged (never with histograms made by [`run`]).
    pub fn merge(mut self, other: Self) -> anyhow::Result<Self> {
        self.ok += other.ok;
        self.errors += other.errors;
        self.bytes += other.bytes;
        self.elapsed += other.elapsed;
        self.first_error = self.first_error.or(other.first_error);
        self.latency_us
            .add(&other.latency_us)
            .context("merging latency histograms")?;
        Ok(self)
    }

    /// Latency at `quantile` (0.0–1.0), or `None` when nothing succeeded.
    pub fn latency(&self, quantile: f64) -> Option<Duration> {
        (!self.latency_us.is_empty())
            .then(|| Duration::from_micros(self.latency_us.value_at_quantile(quantile)))
    }
}

fn per_sec(amount: f64, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 { amount / secs } else { 0.0 }
}

struct Worker {
    ok: u64,
    errors: u64,
    first_error: Option<String>,
    bytes: u64,
    latency_us: Histogram<u64>,
}

/// Runs `op(i)` for i = 0, 1, 2, … on `concurrency` workers until `budget` is spent, or
/// until [`stop`].
///
/// `op` returns the payload bytes it moved; an `Err` counts as a failed request and the run
/// goes on.
///
/// # Errors
/// When a worker task panics or the histogram cannot be set up, and "interrupted" after
/// [`stop`] (once the requests in flight are answered).
pub async fn run<F, Fut>(concurrency: usize, budget: Budget, op: F) -> anyhow::Result<Outcome>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<u64>> + Send + 'static,
{
    let outcome = drive(concurrency, budget, true, op).await?;
    if STOPPED.load(Ordering::Relaxed) {
        anyhow::bail!("interrupted");
    }
    Ok(outcome)
}

/// [`run`] that ignores [`stop`]: for the clean-up, which must finish.
///
/// # Errors
/// Only when a worker task panics or the histogram cannot be set up.
pub async fn run_to_end<F, Fut>(
    concurrency: usize,
    budget: Budget,
    op: F,
) -> anyhow::Result<Outcome>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<u64>> + Send + 'static,
{
    drive(concurrency, budget, false, op).await
}

async fn drive<F, Fut>(
    concurrency: usize,
    budget: Budget,
    stoppable: bool,
    op: F,
) -> anyhow::Result<Outcome>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<u64>> + Send + 'static,
{
    let op = Arc::new(op);
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let deadline = match budget {
        Budget::Time(d) => Some(start + d),
        Budget::Requests(_) => None,
    };
    let limit = match budget {
        Budget::Requests(n) => n,
        Budget::Time(_) => usize::MAX,
    };
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let (op, next) = (Arc::clone(&op), Arc::clone(&next));
        let latency_us = Histogram::new_with_bounds(1, MAX_LATENCY_US, SIGNIFICANT_DIGITS)
            .context("creating the latency histogram")?;
        workers.spawn(async move {
            let mut w = Worker {
                ok: 0,
                errors: 0,
                first_error: None,
                bytes: 0,
                latency_us,
            };
            loop {
                let stopped = stoppable && STOPPED.load(Ordering::Relaxed);
                if stopped || deadline.is_some_and(|d| Instant::now() >= d) {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= limit {
                    break;
                }
                let t0 = Instant::now();
                match op(i).await {
                    Ok(bytes) => {
                        let us = u64::try_from(t0.elapsed().as_micros()).unwrap_or(u64::MAX);
                        w.latency_us.saturating_record(us.max(1));
                        w.ok += 1;
                        w.bytes += bytes;
                    }
                    Err(e) => {
                        w.errors += 1;
                        w.first_error.get_or_insert_with(|| format!("{e:#}"));
                    }
                }
            }
            w
        });
    }
    let mut total = Outcome {
        ok: 0,
        errors: 0,
        first_error: None,
        bytes: 0,
        elapsed: Duration::ZERO,
        latency_us: Histogram::new_with_bounds(1, MAX_LATENCY_US, SIGNIFICANT_DIGITS)
            .context("creating the latency histogram")?,
    };
    while let Some(w) = workers.join_next().await {
        let w = w.context("a load worker panicked")?;
        total.ok += w.ok;
        total.errors += w.errors;
        total.bytes += w.bytes;
        total.first_error = total.first_error.or(w.first_error);
        total
            .latency_us
            .add(&w.latency_us)
            .context("merging latency histograms")?;
    }
    total.elapsed = start.elapsed();
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn request_budget_runs_each_index_once_and_counts_failures() {
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let s = Arc::clone(&seen);
        let out = run(4, Budget::Requests(10), move |i| {
            let s = Arc::clone(&s);
            async move {
                s.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.push(i);
                if i % 5 == 0 {
                    anyhow::bail!("boom {i}")
                } else {
                    Ok(100)
                }
            }
        })
        .await
        .expect("run completes");
        let mut seen = seen.lock().expect("not poisoned").clone();
        seen.sort_unstable();
        assert_eq!(seen, (0..10).collect::<Vec<_>>());
        assert_eq!((out.ok, out.errors, out.bytes), (8, 2, 800));
        assert!(out.first_error.is_some_and(|e| e.starts_with("boom")));
        assert_eq!(out.latency_us.len(), 8);
    }

    #[tokio::test]
    async fn merged_runs_add_counts_time_and_latencies() {
        let a = run(2, Budget::Requests(3), |_| async { Ok(10) })
            .await
            .expect("run a");
        let b = run(2, Budget::Requests(2), |i| async move {
            if i == 0 {
                anyhow::bail!("first")
            } else {
                Ok(5)
            }
        })
        .await
        .expect("run b");
        let elapsed = a.elapsed + b.elapsed;
        let m = a.merge(b).expect("merges");
        assert_eq!((m.ok, m.errors, m.bytes), (4, 1, 35));
        assert_eq!(m.elapsed, elapsed);
        assert_eq!(m.latency_us.len(), 4);
        assert_eq!(m.first_error.as_deref(), Some("first"));
    }

    #[tokio::test]
    async fn a_spent_time_budget_sends_nothing() {
        let out = run(4, Budget::Time(Duration::ZERO), |_| async { Ok(1) })
            .await
            .expect("run completes");
        assert_eq!((out.ok, out.errors), (0, 0));
        assert_eq!(out.latency(0.5), None);
    }

    #[test]
    fn rates_are_zero_without_elapsed_time() {
        assert_eq!(per_sec(10.0, Duration::ZERO), 0.0);
        assert!((per_sec(10.0, Duration::from_secs(2)) - 5.0).abs() < 1e-9);
    }
}
