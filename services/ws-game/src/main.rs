//! `ws-game`: rock-paper-scissors over WebSocket. Configuration from `--config FILE` /
//! `WS_GAME_CONFIG` and `WS_GAME_*` environment variables (see `settings`); `--check-config`
//! prints it and exits.

use clap::Parser;
use weapp_common::cli::{self, ConfigArgs};
use ws_game::{Application, settings::Settings};

/// weapp-cloud real-time rock-paper-scissors (socket.io / Engine.IO 3 and JSON over WebSocket).
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    #[command(flatten)]
    config: ConfigArgs,
}

fn main() -> anyhow::Result<()> {
    let args: Args = cli::parse("WS_GAME_CONFIG");
    let Some(settings) = args.config.settings(Settings::load)? else {
        return Ok(());
    };
    let _log = weapp_common::logging::init_service(settings.log_format);
    ws_game::runtime(settings.workers)?.block_on(async {
        let host = settings.host;
        let app = Application::build(settings).await?;
        log::info!("ws-game listening on {host}:{}", app.port());
        app.run_until_stopped().await?;
        log::info!("ws-game stopped");
        Ok(())
    })
}
