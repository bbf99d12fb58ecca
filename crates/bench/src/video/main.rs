//! `video-bench`: list-page requests/s and p99 through the video service, next to a bare
//! `mysql_async` loop running the same two queries (count + page) with the same pool size and
//! concurrency, and their ratio (goal ≥ 0.6).
//!
//! Run it through `scripts/bench/video`, which builds it in release mode. It drives the running
//! service over the network (`--video-url`, the stack's by default) and runs the bare loop on
//! the database that service reads (`--database`, the stack's seeded `video`; read-only), with
//! as many pooled connections as the service has (read from its `/metrics`). Nothing is
//! asserted: it prints figures (`shared/STYLE.md`, Tests).

mod bare;
mod service;

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use clap::Parser;
use mysql_async::Opts;
use weapp_bench::{
    load::{Budget, Outcome},
    report::{self, Row},
    wrk::{self, WrkLoad, WrkReport},
};

/// Service/bare throughput ratio the issue asks for.
const RATIO_GOAL: f64 = 0.6;
/// The catalogue page size (the service's default, `page_size`).
const PAGE_SIZE: u32 = 6;

/// Benchmark of the video list route against the bare queries (prints a table).
#[derive(Parser)]
#[command(name = "video-bench", version)]
struct Args {
    /// The MySQL server the service reads (user, password, host, port; a database in the URL
    /// is ignored).
    #[arg(
        long,
        env = "WEAPP_BENCH_MYSQL_URL",
        default_value = "mysql://weapp:weapp@127.0.0.1:3306",
        hide_env_values = true
    )]
    mysql_url: String,
    /// The seeded database the service reads (the stack's); the bare loop only reads it.
    #[arg(long, default_value = "video")]
    database: String,
    /// The running video service.
    #[arg(
        long,
        env = "WEAPP_BENCH_VIDEO_URL",
        default_value = "http://127.0.0.1:9994"
    )]
    video_url: String,
    /// Pooled MySQL connections of the bare loop; by default the service's `mysql.pool_max`
    /// (read from its /metrics).
    #[arg(long)]
    pool_size: Option<usize>,
    /// Requests (HTTP) or query pairs (bare) in flight.
    #[arg(long, short = 'c', default_value_t = 32)]
    concurrency: usize,
    /// Seconds of each measured phase in each round.
    #[arg(long, short = 'd', default_value_t = 5)]
    seconds: u64,
    /// Rounds of bare → wrk → Rust client; each figure sums its rounds.
    #[arg(long, default_value_t = 3)]
    rounds: u32,
    /// Unmeasured seconds before each phase.
    #[arg(long, default_value_t = 2)]
    warmup_seconds: u64,
    /// The page requested (1-based).
    #[arg(long, default_value_t = 1)]
    page: u32,
    /// wrk binary (the HTTP load generator of the headline figure).
    #[arg(long, default_value = "wrk")]
    wrk: PathBuf,
    /// wrk threads.
    #[arg(long, default_value_t = 1)]
    wrk_threads: usize,
    /// Skip wrk; the HTTP figure then comes from the Rust client only.
    #[arg(long)]
    no_wrk: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    let base = a.video_url.trim_end_matches('/').to_owned();
    let pool_size = match a.pool_size {
        Some(size) => size.max(1),
        None => service::pool_max(&reqwest::Client::new(), &base).await?,
    };
    let opts = bare::opts(&a.mysql_url, &a.database, pool_size)?;
    let rows = run(&a, &base, &opts).await?;

    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    println!(
        "\nvideo-bench: GET /applet/video/list?pageNo={} ({} rows/page) vs the same COUNT + page \
         queries on a bare mysql_async pool; pool {} connections, concurrency {}, {} rounds of \
         {} s per phase, {cores} cores",
        a.page,
        PAGE_SIZE,
        pool_size,
        a.concurrency,
        a.rounds.max(1),
        a.seconds
    );
    let service = format!("the service at {base}");
    println!(
        "measured by: wrk -t{} -c{} (HTTP) and video-bench itself (tokio + reqwest for HTTP, \
         tokio + mysql_async for bare). Clients, {service} and MariaDB share the cores.\n",
        a.wrk_threads, a.concurrency
    );
    print!("{}", report::table(&rows));
    Ok(())
}

async fn run(a: &Args, base: &str, db: &Opts) -> anyhow::Result<Vec<Row>> {
    let page = a.page.max(1);
    let offset = u64::from(page - 1) * u64::from(PAGE_SIZE);
    let concurrency = a.concurrency.max(1);
    let warmup = Duration::from_secs(a.warmup_seconds.max(1));
    let measured = Duration::from_secs(a.seconds.max(1));
    let wrk_load = |duration| WrkLoad {
        threads: a.wrk_threads.max(1),
        connections: concurrency,
        duration,
    };

    let url = format!("{base}/applet/video/list?pageNo={page}");
    let checker = reqwest::Client::new();
    service::check(&checker, &url).await?;

    // Warm-up of every path (connections, statement caches, buffer pool), unmeasured.
    bare::run(db, PAGE_SIZE, offset, concurrency, Budget::Time(warmup)).await?;
    let mut wrk_rounds = WrkRounds::default();
    if !a.no_wrk {
        wrk_rounds.fail_on(run_wrk(&a.wrk, &url, wrk_load(warmup)).await);
    }
    service::rust_client(&url, concurrency, Budget::Time(warmup)).await?;

    // Rounds of bare → wrk → Rust client, so a neighbour's load on the shared cores falls on
    // all three alike.
    let (mut bare, mut client) = (None, None);
    for _ in 0..a.rounds.max(1) {
        let round = bare::run(db, PAGE_SIZE, offset, concurrency, Budget::Time(measured));
        bare = Some(merge(bare, round.await?)?);
        if !a.no_wrk && wrk_rounds.error.is_none() {
            match run_wrk(&a.wrk, &url, wrk_load(measured)).await {
                Ok(round) => wrk_rounds.add(round),
                Err(error) => wrk_rounds.fail_on::<()>(Err(error)),
            }
        }
        let round = service::rust_client(&url, concurrency, Budget::Time(measured));
        client = Some(merge(client, round.await?)?);
    }
    // Envelopes are checked after wrk too: a failing service also answers 200.
    service::check(&checker, &url).await?;

    let bare = bare.ok_or_else(|| anyhow::anyhow!("no bare round ran"))?;
    let client = client.ok_or_else(|| anyhow::anyhow!("no client round ran"))?;
    let bare_rate = bare.per_sec();
    let what = "list via video (HTTP)";
    let mut rows = Vec::new();
    rows.push(if a.no_wrk {
        Row::skipped(what, "wrk", "--no-wrk")
    } else {
        match wrk_rounds.total() {
            Ok(report) => Row::from_wrk(what, &report)
                .with_note(&ratio_note(report.per_sec, bare_rate))
                .with_note("p50/p99: worst round"),
            Err(error) => Row::skipped(what, "wrk", &format!("{error:#}")),
        }
    });
    rows.push(
        Row::from_outcome(what, "video-bench (reqwest)", &client, false)
            .with_note(&ratio_note(client.per_sec(), bare_rate))
            .with_note("parses every reply"),
    );
    rows.push(Row::from_outcome(
        "COUNT + page, bare mysql_async",
        "video-bench (mysql_async)",
        &bare,
        false,
    ));
    Ok(rows)
}

fn merge(total: Option<Outcome>, round: Outcome) -> anyhow::Result<Outcome> {
    match total {
        Some(total) => total.merge(round),
        None => Ok(round),
    }
}

async fn run_wrk(bin: &Path, url: &str, load: WrkLoad) -> anyhow::Result<WrkReport> {
    let (bin, url) = (bin.to_owned(), url.to_owned());
    tokio::task::spawn_blocking(move || wrk::run(&bin, &url, load)).await?
}

/// wrk reports of several rounds: requests and time add up; latencies are the worst round's
/// (wrk prints percentiles, not histograms that could be merged).
#[derive(Default)]
struct WrkRounds {
    requests: u64,
    seconds: f64,
    non_2xx: u64,
    socket_errors: u64,
    p50: Option<Duration>,
    p99: Option<Duration>,
    /// wrk could not run; later rounds skip it.
    error: Option<String>,
}

impl WrkRounds {
    fn fail_on<T>(&mut self, result: anyhow::Result<T>) {
        if let Err(error) = result {
            self.error.get_or_insert_with(|| format!("{error:#}"));
        }
    }

    fn add(&mut self, round: WrkReport) {
        self.requests += round.requests;
        if round.per_sec > 0.0 {
            self.seconds += round.requests as f64 / round.per_sec;
        }
        self.non_2xx += round.non_2xx;
        self.socket_errors += round.socket_errors;
        self.p50 = self.p50.max(round.p50);
        self.p99 = self.p99.max(round.p99);
    }

    fn total(&self) -> anyhow::Result<WrkReport> {
        if let Some(error) = &self.error {
            anyhow::bail!("{error}");
        }
        anyhow::ensure!(self.seconds > 0.0, "wrk completed no request");
        Ok(WrkReport {
            requests: self.requests,
            per_sec: self.requests as f64 / self.seconds,
            p50: self.p50,
            p99: self.p99,
            non_2xx: self.non_2xx,
            socket_errors: self.socket_errors,
        })
    }
}

fn ratio_note(service_rate: f64, bare_rate: f64) -> String {
    let ratio = if bare_rate > 0.0 {
        service_rate / bare_rate
    } else {
        0.0
    };
    let verdict = if ratio >= RATIO_GOAL {
        "meets"
    } else {
        "below"
    };
    format!("{ratio:.2}× bare ({verdict} goal ≥ {RATIO_GOAL})")
}
