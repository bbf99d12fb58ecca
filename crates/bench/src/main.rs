//! `album-bench`: uploads through album vs direct S3 PUTs, the first list page at 1,000 and
//! 20,000 images, list latency, the signing routes' req/s against `/healthz`.
//!
//! Run it through `scripts/bench/album`, which builds it in release mode, finds the S3
//! credentials and wrk, and starts nothing: the stack must already run (`scripts/up`).

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use weapp_bench::direct::S3Target;
use weapp_bench::phases::{self, Settings};
use weapp_bench::report;
use weapp_bench::wrk::WrkLoad;

/// Benchmark of the album service against direct S3 on the same server (prints a table).
#[derive(Parser)]
#[command(name = "album-bench", version)]
struct Args {
    /// Album base URL.
    #[arg(
        long,
        env = "WEAPP_BENCH_ALBUM_URL",
        default_value = "http://127.0.0.1:9993"
    )]
    album: String,
    /// The S3 server album stores into.
    #[command(flatten)]
    s3: S3Target,
    /// Folder of the fixture photos.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../services/album/tests/fixtures/photos"))]
    fixtures: PathBuf,
    /// Requests in flight in the upload and list phases (both upload paths use the same).
    #[arg(long, short = 'c', default_value_t = 16)]
    concurrency: usize,
    /// Measured uploads per path (album and direct get the same files in the same order).
    #[arg(long, short = 'n', default_value_t = 1000)]
    uploads: usize,
    /// Unmeasured uploads before each measured upload phase.
    #[arg(long, default_value_t = 16)]
    warmup: usize,
    /// Seconds of the bench's own GET list phase.
    #[arg(long, default_value_t = 5)]
    list_seconds: u64,
    /// wrk binary used for the list and upload-url figures.
    #[arg(long, default_value = "wrk")]
    wrk: PathBuf,
    /// Skip the wrk phases.
    #[arg(long)]
    no_wrk: bool,
    /// Seconds of each wrk run.
    #[arg(long, default_value_t = 10)]
    wrk_seconds: u64,
    /// wrk connections.
    #[arg(long, default_value_t = 64)]
    wrk_connections: usize,
    /// wrk threads.
    #[arg(long, default_value_t = 2)]
    wrk_threads: usize,
    /// Only the direct S3 PUT figure (album not running).
    #[arg(long)]
    direct_only: bool,
    /// Album sizes at which the first list page is measured (filled through album's upload
    /// with a 68-byte PNG, deleted afterwards), comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1000,20000")]
    list_sizes: Vec<usize>,
    /// Skip the list-scale phase.
    #[arg(long)]
    no_scale: bool,
    /// Session service base URL (a login for the signing routes that need one).
    #[arg(
        long,
        env = "WEAPP_BENCH_SESSION_URL",
        default_value = "http://127.0.0.1:5757"
    )]
    session: String,
    /// `cos_path` asked of `qc_cos/config` (must be inside album's folder).
    #[arg(long, default_value = "/")]
    cos_path: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    let settings = Settings {
        album: a.album,
        s3: a.s3,
        fixtures: a.fixtures,
        concurrency: a.concurrency.max(1),
        uploads: a.uploads,
        warmup: a.warmup,
        list_time: Duration::from_secs(a.list_seconds),
        wrk: (!a.no_wrk).then_some(a.wrk),
        wrk_load: WrkLoad {
            threads: a.wrk_threads,
            connections: a.wrk_connections,
            duration: Duration::from_secs(a.wrk_seconds),
        },
        direct_only: a.direct_only,
        list_sizes: if a.no_scale {
            Vec::new()
        } else {
            let mut sizes = a.list_sizes;
            sizes.sort_unstable();
            sizes.dedup();
            sizes
        },
        session_url: a.session,
        cos_path: a.cos_path,
    };
    let (rows, summary) = phases::run(&settings).await?;
    println!(
        "\nalbum-bench: {} uploads per path at concurrency {}, {} cores; photos 23–270 KB (fixtures)",
        settings.uploads,
        settings.concurrency,
        std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(0),
    );
    println!(
        "measured by: album-bench (tokio + reqwest / object_store) for uploads and list; \
         wrk -t{} -c{} -d{}s for list, /healthz and the signing routes. Client, album and S3 \
         share the cores.\n",
        settings.wrk_load.threads,
        settings.wrk_load.connections,
        settings.wrk_load.duration.as_secs(),
    );
    print!("{}", report::table(&rows));
    if !summary.is_empty() {
        println!();
        for line in &summary {
            println!("{line}");
        }
    }
    Ok(())
}
