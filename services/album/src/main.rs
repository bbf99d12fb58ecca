//! `album`: the photo album service. Configuration from `--config FILE` / `ALBUM_CONFIG` and
//! `ALBUM_*` environment variables (see `settings`); `--check-config` prints it and exits.

use album::{Application, settings::Settings};
use clap::Parser;
use weapp_common::cli::{self, ConfigArgs};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// weapp-cloud photo album on object storage.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    #[command(flatten)]
    config: ConfigArgs,
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let args: Args = cli::parse("ALBUM_CONFIG");
    let Some(settings) = args.config.settings(Settings::load)? else {
        return Ok(());
    };
    let _log = weapp_common::logging::init_service(settings.log_format);
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
