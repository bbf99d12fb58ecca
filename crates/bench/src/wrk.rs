//! Runs `wrk` (the C load generator) and reads its report.
//!
//! A Rust client sharing the machine's two cores with the server cannot saturate a route
//! that answers in microseconds; wrk's event loop can, so it measures the fast routes.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};

/// What the bench reads from a `wrk --latency` report.
#[derive(Debug, Clone, PartialEq)]
pub struct WrkReport {
    /// Completed requests.
    pub requests: u64,
    /// `Requests/sec:` line.
    pub per_sec: f64,
    /// 50th percentile latency (`Latency Distribution`).
    pub p50: Option<Duration>,
    /// 99th percentile latency.
    pub p99: Option<Duration>,
    /// Responses with a status outside 2xx/3xx.
    pub non_2xx: u64,
    /// Connect, read, write errors and timeouts, summed.
    pub socket_errors: u64,
}

/// Load shape of one wrk run.
#[derive(Debug, Clone, Copy)]
pub struct WrkLoad {
    /// Threads (`-t`).
    pub threads: usize,
    /// Open connections (`-c`), at least `threads`.
    pub connections: usize,
    /// Duration (`-d`), whole seconds.
    pub duration: Duration,
}

/// Runs `wrk --latency` against `url` and parses its report (blocks: call it from
/// `spawn_blocking`).
///
/// # Errors
/// wrk cannot be started, exits non-zero, or prints no `Requests/sec:` line.
pub fn run(wrk: &Path, url: &str, load: WrkLoad) -> anyhow::Result<WrkReport> {
    run_with_headers(wrk, url, load, &[])
}

/// [`run`] with `headers` (name, value) on every request (`-H "name: value"`).
///
/// # Errors
/// As [`run`].
pub fn run_with_headers(
    wrk: &Path,
    url: &str,
    load: WrkLoad,
    headers: &[(String, String)],
) -> anyhow::Result<WrkReport> {
    let threads = load.threads.max(1);
    let mut command = Command::new(wrk);
    command
        .arg(format!("-t{threads}"))
        .arg(format!("-c{}", load.connections.max(threads)))
        .arg(format!("-d{}s", load.duration.as_secs().max(1)))
        .arg("--latency");
    for (name, value) in headers {
        command.arg("-H").arg(format!("{name}: {value}"));
    }
    let out = command
        .arg(url)
        .output()
        .with_context(|| format!("starting {}", wrk.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "wrk exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    parse(&stdout).with_context(|| format!("reading wrk's report:\n{stdout}"))
}

/// Parses the text wrk prints with `--latency`.
///
/// # Errors
/// No `Requests/sec:` or `N requests in` line.
pub fn parse(report: &str) -> anyhow::Result<WrkReport> {
    let mut r = WrkReport {
        requests: 0,
        per_sec: f64::NAN,
        p50: None,
        p99: None,
        non_2xx: 0,
        socket_errors: 0,
    };
    let mut seen_requests = false;
    for line in report.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", v] => r.per_sec = v.parse().context("Requests/sec value")?,
            ["50%", v] => r.p50 = parse_duration(v),
            ["99%", v] => r.p99 = parse_duration(v),
            [n, "requests", "in", ..] => {
                r.requests = n.parse().context("request count")?;
                seen_requests = true;
            }
            ["Non-2xx", "or", "3xx", "responses:", n] => r.non_2xx = n.parse()?,
            ["Socket", "errors:", rest @ ..] => {
                r.socket_errors = rest
                    .iter()
                    .filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok())
                    .sum();
            }
            _ => {}
        }
    }
    if r.per_sec.is_nan() || !seen_requests {
        bail!("no Requests/sec or request count in wrk's report");
    }
    Ok(r)
}

/// wrk's durations: `812.00us`, `1.23ms`, `2.00s`, `1.50m`.
fn parse_duration(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (num, unit) = text.split_at(split);
    let num: f64 = num.parse().ok()?;
    let secs = match unit {
        "us" => num / 1e6,
        "ms" => num / 1e3,
        "s" => num,
        "m" => num * 60.0,
        "h" => num * 3600.0,
        _ => return None,
    };
    Duration::try_from_secs_f64(secs).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "\
Running 10s test @ http://127.0.0.1:9993/applet/album/upload-url
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.05ms  412.31us  12.08ms   88.12%
    Req/Sec    30.51k     1.20k   33.01k    71.00%
  Latency Distribution
     50%  812.00us
     75%    1.23ms
     90%    1.61ms
     99%    2.50ms
  607243 requests in 10.00s, 210.52MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:  60712.87
Transfer/sec:     21.05MB
";

    #[test]
    fn parses_a_full_latency_report() {
        let r = parse(REPORT).expect("parses");
        assert_eq!(r.requests, 607_243);
        assert!((r.per_sec - 60_712.87).abs() < 1e-6);
        assert_eq!(r.p50, Some(Duration::from_micros(812)));
        assert_eq!(r.p99, Some(Duration::from_micros(2_500)));
        assert_eq!((r.non_2xx, r.socket_errors), (7, 5));
    }

    #[test]
    fn a_report_without_throughput_is_an_error() {
        assert!(parse("unable to connect to 127.0.0.1:9993 Connection refused").is_err());
    }

    #[test]
    fn durations_in_every_unit() {
        assert_eq!(parse_duration("812.00us"), Some(Duration::from_micros(812)));
        assert_eq!(parse_duration("2.00s"), Some(Duration::from_secs(2)));
        assert_eq!(parse_duration("1.50m"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("1.0parsec"), None);
        assert_eq!(parse_duration("ms"), None);
    }
}
