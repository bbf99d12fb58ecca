//! `wecos-bench`: files/s through the `wecos` binary vs a plain `object_store` upload loop at
//! the same concurrency against the same S3 store (goal ≥ 0.8×).
//!
//! Each round builds a fresh package of `--files` small images (distinct bytes, `--size` bytes
//! each, spread over 20 folders, plus one page referencing some of them), runs `wecos` on it
//! (`watch: false`, backup folder on, as users run it: scan, hash, upload, rewrite the page,
//! move the originals to the backup, write the rewrite map) and times the whole process; then
//! the plain loop reads the same files from disk and PUTs them with `buffer_unordered` at the
//! same concurrency. Rounds alternate so neighbours' load falls on both alike. Every object is
//! deleted at the end. Nothing is asserted: it prints figures (`shared/STYLE.md`, Tests).
//!
//! Run it through `scripts/bench/wecos`, which builds both binaries in release mode and finds
//! the local stack's S3 credentials.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant},
};

use anyhow::{Context, ensure};
use clap::Parser;
use futures_util::{StreamExt, TryStreamExt, stream};
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, aws::AmazonS3, path::Path as Key};
use secrecy::ExposeSecret;
use weapp_bench::direct::{self, S3Target};

/// Goal of the issue: wecos files/s ≥ 0.8 × the plain loop's.
const RATIO_GOAL: f64 = 0.8;
/// Folders the images are spread over.
const FOLDERS: usize = 20;

/// Benchmark of wecos against a plain object_store upload loop (prints a table).
#[derive(Parser)]
#[command(name = "wecos-bench", version)]
struct Args {
    /// The wecos binary to run.
    #[arg(long, default_value = "target/release/wecos")]
    wecos: PathBuf,
    /// The S3 server.
    #[command(flatten)]
    s3: S3Target,
    /// Images per package.
    #[arg(long, default_value_t = 1000)]
    files: usize,
    /// Bytes per image.
    #[arg(long, default_value_t = 2048)]
    size: usize,
    /// Uploads in flight, for wecos (`concurrency`) and the loop alike.
    #[arg(long, short = 'c', default_value_t = 6)]
    concurrency: usize,
    /// Rounds of wecos → loop; each figure sums its rounds.
    #[arg(long, default_value_t = 3)]
    rounds: u32,
}

/// `n` files and seconds, summed over rounds.
#[derive(Default)]
struct Sum {
    files: usize,
    elapsed: Duration,
}

impl Sum {
    fn per_sec(&self) -> f64 {
        self.files as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Write the package: `images/dNN/imgNNNNN.png` and a page using the first few images.
fn build_package(root: &Path, files: usize, size: usize, round: u32) -> anyhow::Result<()> {
    let app = root.join("app");
    let mut page = String::new();
    for i in 0..files {
        let relative = format!("images/d{:02}/img{i:05}.png", i % FOLDERS);
        let path = app.join(&relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        // A PNG signature, then bytes unique to this file and round.
        let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
        let seed = format!("{round}:{i}:");
        while bytes.len() < size {
            bytes.extend_from_slice(seed.as_bytes());
        }
        bytes.truncate(size.max(8));
        std::fs::write(&path, bytes)?;
        if i < 50 {
            page.push_str(&format!("<image src=\"/{relative}\"/>\n"));
        }
    }
    std::fs::create_dir_all(app.join("pages/index"))?;
    std::fs::write(app.join("pages/index/index.wxml"), page)?;
    Ok(())
}

fn write_config(root: &Path, a: &Args, folder: &str) -> anyhow::Result<()> {
    let config = serde_json::json!({
        "appDir": "./app",
        "backupDir": "./backup",
        "uploadFileSuffix": [".png"],
        "watch": false,
        "concurrency": a.concurrency,
        "cos": {
            "secret_id": a.s3.access_key.expose_secret(),
            "secret_key": a.s3.secret_key.expose_secret(),
            "region": a.s3.region,
            "bucket": a.s3.bucket,
            "folder": folder,
            "endpoint": a.s3.endpoint,
            "max_retries": 0,
        },
    });
    std::fs::write(root.join("wecos.config.json"), config.to_string())?;
    Ok(())
}

/// One wecos run over a fresh package: (files uploaded, wall time of the process).
fn run_wecos(a: &Args, round: u32, folder: &str) -> anyhow::Result<Sum> {
    let dir = tempfile::tempdir()?;
    build_package(dir.path(), a.files, a.size, round)?;
    write_config(dir.path(), a, folder)?;
    let started = Instant::now();
    let out = Command::new(&a.wecos)
        .arg("--no-progress")
        .current_dir(dir.path())
        .env("RUST_LOG", "warn")
        .output()
        .with_context(|| format!("running {}", a.wecos.display()))?;
    let elapsed = started.elapsed();
    ensure!(
        out.status.success(),
        "wecos failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let moved = walk_count(&dir.path().join("backup"));
    ensure!(moved == a.files, "wecos moved {moved} of {} files", a.files);
    Ok(Sum {
        files: a.files,
        elapsed,
    })
}

fn walk_count(root: &Path) -> usize {
    fn count(dir: &Path) -> usize {
        std::fs::read_dir(dir).map_or(0, |entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| {
                    let path = e.path();
                    if path.is_dir() { count(&path) } else { 1 }
                })
                .sum()
        })
    }
    count(root)
}

/// The plain loop over a fresh package: read each file, PUT it, `concurrency` in flight.
async fn run_loop(a: &Args, store: &AmazonS3, round: u32, folder: &str) -> anyhow::Result<Sum> {
    let dir = tempfile::tempdir()?;
    build_package(dir.path(), a.files, a.size, round)?;
    let app = dir.path().join("app");
    let relatives: Vec<String> = (0..a.files)
        .map(|i| format!("images/d{:02}/img{i:05}.png", i % FOLDERS))
        .collect();
    let started = Instant::now();
    let uploaded: Vec<()> = stream::iter(relatives)
        .map(|relative| {
            let path = app.join(&relative);
            let key = Key::from(format!("{folder}{relative}"));
            async move {
                let bytes = tokio::fs::read(&path).await?;
                store.put(&key, PutPayload::from(bytes)).await?;
                anyhow::Ok(())
            }
        })
        .buffer_unordered(a.concurrency.max(1))
        .try_collect()
        .await?;
    Ok(Sum {
        files: uploaded.len(),
        elapsed: started.elapsed(),
    })
}

async fn delete_prefix(store: &AmazonS3, prefix: &str) -> usize {
    let prefix = Key::from(prefix.trim_end_matches('/'));
    let listed: Vec<_> = store
        .list(Some(&prefix))
        .try_collect()
        .await
        .unwrap_or_default();
    let mut deleted = 0;
    for meta in listed {
        if store.delete(&meta.location).await.is_ok() {
            deleted += 1;
        }
    }
    deleted
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    ensure!(
        a.wecos.exists(),
        "{} not found: build it (cargo build --release -p wecos)",
        a.wecos.display()
    );
    let store = direct::store(&a.s3, a.concurrency)?;
    let run_id = format!("{}", std::process::id());
    let (mut wecos, mut plain) = (Sum::default(), Sum::default());
    let mut prefixes = Vec::new();
    let mut failure = None;
    for round in 1..=a.rounds.max(1) {
        let wecos_folder = format!("weapp-bench/wecos-{run_id}-{round}/");
        let loop_folder = format!("weapp-bench/loop-{run_id}-{round}/");
        prefixes.extend([wecos_folder.clone(), loop_folder.clone()]);
        let measured = async {
            let w = tokio::task::block_in_place(|| run_wecos(&a, round, &wecos_folder))?;
            let l = run_loop(&a, &store, round, &loop_folder).await?;
            anyhow::Ok((w, l))
        };
        match measured.await {
            Ok((w, l)) => {
                eprintln!(
                    "round {round}: wecos {:.0} files/s, loop {:.0} files/s",
                    w.per_sec(),
                    l.per_sec()
                );
                wecos.files += w.files;
                wecos.elapsed += w.elapsed;
                plain.files += l.files;
                plain.elapsed += l.elapsed;
            }
            Err(error) => {
                failure = Some(error);
                break;
            }
        }
    }
    let mut deleted = 0;
    for prefix in &prefixes {
        deleted += delete_prefix(&store, prefix).await;
    }
    eprintln!("clean-up: deleted {deleted} objects");
    if let Some(error) = failure {
        return Err(error);
    }
    let ratio = wecos.per_sec() / plain.per_sec().max(1e-9);
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    println!(
        "\nwecos-bench: {} images of {} B per package, concurrency {}, {} rounds, {cores} cores; \
         S3 {} bucket {}",
        a.files,
        a.size,
        a.concurrency,
        a.rounds.max(1),
        a.s3.endpoint,
        a.s3.bucket,
    );
    println!(
        "measured by: the wall time of the wecos process (scan, hash, upload, rewrite, move to \
         backup, map) vs the upload loop's (read + PUT) in wecos-bench; all on the same cores\n"
    );
    println!(
        "{:<34} {:>7} {:>9} {:>10}",
        "measurement", "files", "seconds", "files/s"
    );
    for (what, sum) in [
        ("wecos (binary, whole run)", &wecos),
        ("object_store loop (read + PUT)", &plain),
    ] {
        println!(
            "{what:<34} {:>7} {:>9.2} {:>10.0}",
            sum.files,
            sum.elapsed.as_secs_f64(),
            sum.per_sec()
        );
    }
    let verdict = if ratio >= RATIO_GOAL {
        "met"
    } else {
        "NOT met"
    };
    println!("\nratio wecos / loop: {ratio:.2} (goal ≥ {RATIO_GOAL}: {verdict})");
    Ok(())
}
