//! `ws-game`: rock-paper-scissors over WebSocket. Configuration from `--config FILE` /
//! `WS_GAME_CONFIG` and `WS_GAME_*` environment variables (see `settings`).

use std::path::PathBuf;

use clap::Parser;
use ws_game::{Application, settings::Settings};

/// weapp-cloud real-time rock-paper-scissors (socket.io / Engine.IO 3 and JSON over WebSocket).
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// A TOML or JSON config file (also `WS_GAME_CONFIG`); environment variables override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let _log = weapp_common::logging::init_service();
    let args = Args::parse();
    let settings = Settings::load(args.config)?;
    ws_game::runtime(settings.workers)?.block_on(async {
        let host = settings.host;
        let app = Application::build(settings).await?;
        log::info!("ws-game listening on {host}:{}", app.port());
        app.run_until_stopped().await?;
        log::info!("ws-game stopped");
        Ok(())
    })
}
