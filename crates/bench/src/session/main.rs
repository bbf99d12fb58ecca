//! `session-bench`: requests/s of a cached weapp-session check (`X-WX-Code` only → one Redis
//! `GET`) and of the paints list (one `GET` + one MongoDB query), next to `redis-benchmark -t
//! get` (no pipelining) at the same concurrency on the same Redis, and the ratio cached session
//! / Redis GET (goal ≥ 0.5).
//!
//! Run it through `scripts/bench/session`, which builds it in release mode. It drives the running
//! session service over the network (`--session-url`, the stack's by default) and logs its user
//! in through the simulator that service uses (`--sim-url`); the user's paints and session key
//! are removed at the end. The three measurements alternate in rounds so neighbours' load on
//! the shared cores falls on all of them alike. Nothing is asserted: it prints figures.

mod runners;
mod stack;

use std::{path::PathBuf, time::Duration};

use clap::Parser;
use weapp_bench::wrk::{self, WrkLoad, WrkReport};

use crate::{
    runners::{RedisBenchReport, RedisTarget},
    stack::{Stack, StackConfig},
};

/// The cached-session / Redis GET ratio the issue asks for.
const RATIO_GOAL: f64 = 0.5;

/// Benchmark of the session check and paints list against redis-benchmark (prints a table).
#[derive(Parser)]
#[command(name = "session-bench", version)]
struct Args {
    /// Redis the service uses and redis-benchmark hits.
    #[arg(
        long,
        env = "WEAPP_BENCH_REDIS_URL",
        default_value = "redis://127.0.0.1:6379"
    )]
    redis_url: String,
    /// The running session service.
    #[arg(
        long,
        env = "WEAPP_BENCH_SESSION_URL",
        default_value = "http://127.0.0.1:5757"
    )]
    session_url: String,
    /// The WeChat simulator the running service uses.
    #[arg(
        long,
        env = "WEAPP_WX_SIM_URL",
        default_value = "http://127.0.0.1:9797"
    )]
    sim_url: String,
    /// Key prefix of the running service's sessions.
    #[arg(long, default_value = "weapp-session:")]
    session_prefix: String,
    /// Connections in flight, for wrk and redis-benchmark alike.
    #[arg(long, short = 'c', default_value_t = 64)]
    concurrency: usize,
    /// Client threads, for wrk and redis-benchmark alike.
    #[arg(long, short = 't', default_value_t = 2)]
    threads: usize,
    /// Seconds of each measured phase per round.
    #[arg(long, short = 'd', default_value_t = 5)]
    seconds: u64,
    /// Rounds of session → paints list → redis-benchmark.
    #[arg(long, default_value_t = 3)]
    rounds: u32,
    /// Paints of the benchmark user (each `paint_bytes` of actions).
    #[arg(long, default_value_t = 3)]
    paints: usize,
    /// Size of each paint's actions in bytes.
    #[arg(long, default_value_t = 2048)]
    paint_bytes: usize,
    /// wrk binary.
    #[arg(long, default_value = "wrk")]
    wrk: PathBuf,
    /// redis-benchmark binary.
    #[arg(long, default_value = "redis-benchmark")]
    redis_benchmark: PathBuf,
}

/// Figures of one measurement summed over the rounds.
#[derive(Default)]
struct Sum {
    requests: f64,
    seconds: f64,
    p50: Vec<Duration>,
    p99: Vec<Duration>,
    bad: u64,
}

impl Sum {
    fn add_wrk(&mut self, report: &WrkReport, seconds: f64) {
        self.requests += report.per_sec * seconds;
        self.seconds += seconds;
        self.p50.extend(report.p50);
        self.p99.extend(report.p99);
        self.bad += report.non_2xx + report.socket_errors;
    }

    fn add_redis(&mut self, report: &RedisBenchReport) {
        self.requests += report.requests as f64;
        self.seconds += report.requests as f64 / report.per_sec;
        self.p50.extend(report.p50);
        self.p99.extend(report.p99);
    }

    fn per_sec(&self) -> f64 {
        if self.seconds > 0.0 {
            self.requests / self.seconds
        } else {
            0.0
        }
    }

    fn median(values: &[Duration]) -> String {
        let mut sorted = values.to_vec();
        sorted.sort();
        sorted.get(sorted.len() / 2).map_or("-".to_owned(), |d| {
            format!("{:.2} ms", d.as_secs_f64() * 1e3)
        })
    }
}

fn redis_target(url: &str) -> anyhow::Result<RedisTarget> {
    let url = url::Url::parse(url)?;
    Ok(RedisTarget {
        host: url.host_str().unwrap_or("127.0.0.1").to_owned(),
        port: url.port().unwrap_or(6379),
        password: url.password().map(str::to_owned),
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    let stack = Stack::start(&StackConfig {
        redis_url: a.redis_url.clone(),
        session_url: a.session_url.clone(),
        sim_url: a.sim_url.clone(),
        session_prefix: a.session_prefix.clone(),
    })
    .await?;
    let code = stack.log_in().await?;
    let result = measure(&a, &stack, &code).await;
    let benchmark_key = result
        .as_ref()
        .map(|(_, created)| *created)
        .unwrap_or(false);
    stack.clean_up(&code, benchmark_key).await;
    let (lines, _) = result?;
    print!("{lines}");
    Ok(())
}

/// Every round, then the table; `.1` says whether the redis-benchmark key was created here.
async fn measure(a: &Args, stack: &Stack, code: &str) -> anyhow::Result<(String, bool)> {
    stack.save_paints(code, a.paints, a.paint_bytes).await?;
    let user = "/applet/session/user";
    let list = "/applet/session/paints/list";
    stack.check(user, code).await?;
    let listed = stack.check(list, code).await?;
    let value_len = stack.session_value_len(code).await?;
    let created = stack.prepare_benchmark_key(value_len).await?;
    let target = redis_target(&a.redis_url)?;
    let duration = Duration::from_secs(a.seconds.max(1));
    let headers = vec![("X-WX-Code".to_owned(), code.to_owned())];
    let (mut cached, mut paints, mut redis) = (Sum::default(), Sum::default(), Sum::default());
    // redis-benchmark counts requests, not seconds: size it from the last rate seen.
    let mut redis_requests = 200_000_u64;
    for round in 1..=a.rounds.max(1) {
        for (path, sum) in [(user, &mut cached), (list, &mut paints)] {
            let (wrk, url, headers) = (
                a.wrk.clone(),
                format!("{}{path}", stack.session_url),
                headers.clone(),
            );
            let load = WrkLoad {
                threads: a.threads,
                connections: a.concurrency,
                duration,
            };
            let report = tokio::task::spawn_blocking(move || {
                wrk::run_with_headers(&wrk, &url, load, &headers)
            })
            .await??;
            sum.add_wrk(&report, duration.as_secs_f64());
        }
        let (binary, target, clients, threads) = (
            a.redis_benchmark.clone(),
            target.clone(),
            a.concurrency,
            a.threads,
        );
        let requests = redis_requests;
        let report = tokio::task::spawn_blocking(move || {
            runners::redis_benchmark(&binary, &target, clients, threads, requests)
        })
        .await??;
        redis_requests = (report.per_sec * duration.as_secs_f64()) as u64;
        if round > 1 || a.rounds == 1 {
            redis.add_redis(&report);
        }
    }
    // The answers are still right after the load (a broken session would be 200 + magic body).
    stack.check(user, code).await?;
    stack.check(list, code).await?;

    let ratio = cached.per_sec() / redis.per_sec();
    let mut out = String::new();
    out.push_str(&format!(
        "\nsession-bench: {} rounds × {} s, {} connections, {} client threads, no pipelining, {} cores; \
         session value {} B, paints list {} paints / {} B\n",
        a.rounds,
        a.seconds,
        a.concurrency,
        a.threads,
        std::thread::available_parallelism().map(usize::from).unwrap_or(0),
        value_len,
        a.paints,
        listed.to_string().len(),
    ));
    out.push_str(&format!(
        "measured by: wrk -t{t} -c{c} (session, {where_}) and redis-benchmark -t get -P 1 -c {c} --threads {t} \
         (first round's redis-benchmark sizes the next; redis figures from rounds 2..), all on the same cores\n\n",
        t = a.threads,
        c = a.concurrency,
        where_ = a.session_url,
    ));
    out.push_str(&format!(
        "{:<52} {:>12} {:>10} {:>10} {:>8}\n",
        "", "req/s", "p50", "p99", "errors"
    ));
    for (name, sum) in [
        ("GET /applet/session/user (X-WX-Code, cached)", &cached),
        ("GET /applet/session/paints/list (X-WX-Code)", &paints),
        ("redis-benchmark -t get (same Redis)", &redis),
    ] {
        out.push_str(&format!(
            "{:<52} {:>12.0} {:>10} {:>10} {:>8}\n",
            name,
            sum.per_sec(),
            Sum::median(&sum.p50),
            Sum::median(&sum.p99),
            sum.bad
        ));
    }
    out.push_str(&format!(
        "\nratio cached session / redis GET: {ratio:.2} (goal ≥ {RATIO_GOAL}: {})\n",
        if ratio >= RATIO_GOAL {
            "met"
        } else {
            "NOT met"
        }
    ));
    Ok((out, created))
}
