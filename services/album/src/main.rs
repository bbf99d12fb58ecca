//! `album`: the photo album service. Configuration from `--config FILE` / `ALBUM_CONFIG` and
//! `ALBUM_*` environment variables (see `settings`).

use std::path::PathBuf;

use album::{Application, settings::Settings};
use clap::Parser;

/// weapp-cloud photo album on object storage.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// A TOML or JSON config file (also `ALBUM_CONFIG`); environment variables override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let _log = weapp_common::logging::init_service();
    let args = Args::parse();
    let settings = Settings::load(args.config)?;
    let app = Application::build(&settings)?;
    log::info!(
        "album listening on {}:{} (storage backend {:?})",
        settings.host,
        app.port(),
        settings.storage.backend
    );
    app.run_until_stopped().await?;
    log::info!("album stopped");
    Ok(())
}
