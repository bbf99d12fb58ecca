//! `redis-benchmark -t get`, the baseline (wrk runs through [`weapp_bench::wrk`]).

use std::{path::Path, process::Command, time::Duration};

use anyhow::{Context, bail};

/// What `redis-benchmark --csv` reports for one test.
#[derive(Debug, Clone, PartialEq)]
pub struct RedisBenchReport {
    /// Requests per second.
    pub per_sec: f64,
    /// Requests sent.
    pub requests: u64,
    /// Median latency.
    pub p50: Option<Duration>,
    /// 99th percentile latency.
    pub p99: Option<Duration>,
}

/// Where redis-benchmark connects.
#[derive(Debug, Clone)]
pub struct RedisTarget {
    /// Host.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Password, if any.
    pub password: Option<String>,
}

/// `redis-benchmark -t get -P 1` (no pipelining) with `clients` connections and `threads`
/// client threads, `requests` GETs of the default key `key:__rand_int__`. Blocks.
///
/// # Errors
/// redis-benchmark cannot be started, fails, or prints no GET line.
pub fn redis_benchmark(
    binary: &Path,
    target: &RedisTarget,
    clients: usize,
    threads: usize,
    requests: u64,
) -> anyhow::Result<RedisBenchReport> {
    let mut command = Command::new(binary);
    command
        .args(["-h", &target.host, "-p", &target.port.to_string()])
        .args(["-t", "get", "-P", "1", "--csv"])
        .args(["-c", &clients.max(1).to_string()])
        .args(["-n", &requests.max(1).to_string()]);
    if threads > 1 {
        command.args(["--threads", &threads.to_string()]);
    }
    if let Some(password) = &target.password {
        command.env("REDISCLI_AUTH", password);
    }
    let out = command
        .output()
        .with_context(|| format!("starting {}", binary.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "redis-benchmark exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut report = parse_csv(&stdout).with_context(|| format!("reading:\n{stdout}"))?;
    report.requests = requests;
    Ok(report)
}

/// The `"GET",…` line of `redis-benchmark --csv` (7.x columns: test, rps, avg, min, p50, p95,
/// p99, max; latencies in ms).
fn parse_csv(text: &str) -> anyhow::Result<RedisBenchReport> {
    let line = text
        .lines()
        .find(|line| line.starts_with("\"GET\""))
        .context("no GET line")?;
    let fields: Vec<f64> = line
        .split(',')
        .skip(1)
        .map(|field| field.trim_matches('"').parse().unwrap_or(f64::NAN))
        .collect();
    let ms = |index: usize| {
        fields
            .get(index)
            .and_then(|ms| Duration::try_from_secs_f64(ms / 1e3).ok())
    };
    let per_sec = fields.first().copied().unwrap_or(f64::NAN);
    if !per_sec.is_finite() {
        bail!("no rps in {line}");
    }
    Ok(RedisBenchReport {
        per_sec,
        requests: 0,
        p50: ms(3),
        p99: ms(5),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_get_line_of_redis_benchmark_7() {
        let text = "\"test\",\"rps\",\"avg_latency_ms\",\"min_latency_ms\",\"p50_latency_ms\",\"p95_latency_ms\",\"p99_latency_ms\",\"max_latency_ms\"\n\"GET\",\"74074.07\",\"0.065\",\"0.016\",\"0.063\",\"0.095\",\"0.135\",\"0.207\"\n";
        let report = parse_csv(text).unwrap_or_else(|e| panic!("{e}"));
        assert!((report.per_sec - 74_074.07).abs() < 1e-6);
        assert_eq!(report.p50, Some(Duration::from_micros(63)));
        assert_eq!(report.p99, Some(Duration::from_micros(135)));
        assert!(parse_csv("ERROR").is_err());
    }
}
