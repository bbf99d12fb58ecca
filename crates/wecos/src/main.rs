//! The `wecos` command (`spec/originals.md` §5): `wecos [CONFIG] [--dry-run] [-v|--version]`.
//!
//! Reads `wecos.config.json` from the working directory (or CONFIG), runs one pass, then keeps
//! watching `appDir` when `watch` is true (until Ctrl-C or SIGTERM). Exit status: 0 when
//! everything succeeded, 1 when the configuration or the store cannot be used (nothing was
//! changed), 2 when some images or pages failed (the package stays consistent: see
//! `wecos::run`).

use std::{path::PathBuf, process::ExitCode};

use clap::{ArgAction, Parser};
use wecos::{
    config::{self, CONFIG_FILE},
    run::{self, Options, Outcome, Report},
    store::Store,
    watch,
};

/// Uploads a mini-program package's images to COS (or any S3 store), points the pages at the
/// uploaded URLs and moves the originals to a backup folder.
#[derive(Parser)]
#[command(name = "wecos", version, disable_version_flag = true)]
struct Cli {
    /// The configuration file [default: ./wecos.config.json].
    config: Option<PathBuf>,
    /// Print what would be uploaded, rewritten and moved; change nothing (no watching).
    #[arg(long)]
    dry_run: bool,
    /// Never draw the progress bar (it is drawn only on a terminal anyway).
    #[arg(long)]
    no_progress: bool,
    /// Print `wecos <version>` and exit.
    #[arg(short = 'v', long = "version", action = ArgAction::Version)]
    version: Option<bool>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    weapp_common::logging::init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("wecos: starting the runtime: {error}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> ExitCode {
    let path = cli.config.unwrap_or_else(|| PathBuf::from(CONFIG_FILE));
    let config = match config::load(&path) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("wecos: {error}");
            return ExitCode::from(1);
        }
    };
    let store = match Store::from_config(&config.cos) {
        Ok(store) => store,
        Err(error) => {
            eprintln!("wecos: {error:#}");
            return ExitCode::from(1);
        }
    };
    let options = Options {
        dry_run: cli.dry_run,
        progress: !cli.no_progress,
    };
    if config.watch && !cli.dry_run {
        let mut clean = true;
        let watched = watch::watch(
            &config,
            &store,
            options,
            async {
                weapp_common::shutdown::signal().await;
            },
            |report| clean &= print_report(report, options),
        )
        .await;
        return match watched {
            Ok(()) if clean => ExitCode::SUCCESS,
            Ok(()) => ExitCode::from(2),
            Err(error) => {
                eprintln!("wecos: {error:#}");
                ExitCode::from(1)
            }
        };
    }
    match run::run_once(&config, &store, options).await {
        Ok(report) if print_report(&report, options) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(2),
        Err(error) => {
            eprintln!("wecos: {error}");
            ExitCode::from(1)
        }
    }
}

/// Print a pass: the plan or the actions on stdout, problems on stderr. True when clean.
fn print_report(report: &Report, options: Options) -> bool {
    let verb =
        |now: &'static str, planned: &'static str| if options.dry_run { planned } else { now };
    for image in &report.images {
        match &image.outcome {
            Outcome::Uploaded { bytes } => println!(
                "{} {} -> {} ({bytes} bytes)",
                verb("uploaded", "would upload"),
                image.path,
                image.url
            ),
            Outcome::Unchanged => println!("unchanged {} ({})", image.path, image.url),
            Outcome::Failed(reason) => eprintln!("wecos: {}: {reason}", image.path),
        }
        if image.moved {
            println!(
                "{} {} to the backup folder",
                verb("moved", "would move"),
                image.path
            );
        }
    }
    for (page, count) in &report.pages {
        println!(
            "{} {page} ({count} references)",
            verb("rewrote", "would rewrite")
        );
    }
    for problem in &report.problems {
        eprintln!("wecos: {problem}");
    }
    println!(
        "{}: {} uploaded, {} unchanged, {} failed; {} pages rewritten",
        if options.dry_run { "dry run" } else { "done" },
        report.uploaded(),
        report.unchanged(),
        report.failed(),
        report.pages.len()
    );
    report.is_clean()
}
