//! `wx-sim`: the WeChat server API simulator (see `wx_api::sim`). Configuration from
//! `--config FILE` / `WX_SIM_CONFIG` and `WX_SIM_*` environment variables: `WX_SIM_HOST`
//! (127.0.0.1), `WX_SIM_PORT` (9797), `WX_SIM_APP_ID`, `WX_SIM_APP_SECRET`, `WX_SIM_SEED`,
//! `WX_SIM_WORKERS`, `WX_SIM_TOKEN_LIFETIME_SECS` (7200), `WX_SIM_TOKEN_OVERLAP_SECS` (0),
//! `WX_SIM_CLOUDBASE_ACCESS_TOKEN`, `WX_SIM_OPEN_API_SERVICE` (false), `WX_SIM_ENV_ID`,
//! `WX_SIM_PUBLIC_URL` (`http://{bound address}`), `WX_SIM_TICKET_LIFETIME_SECS` (900),
//! `WX_SIM_MAX_OBJECT_BYTES` (20 MiB), `WX_SIM_MAX_STORED_BYTES` (256 MiB), `WX_SIM_LOG_FORMAT`
//! (`text`, or `json`). An unknown `WX_SIM_*` variable or file key stops start-up, naming it;
//! `--check-config` prints the effective settings (secrets hidden) and exits.

use clap::Parser;
use weapp_common::{
    cli::{self, ConfigArgs},
    config::Source,
};
use wx_api::sim::{SimConfig, Simulator};

/// WeChat server API simulator: jscode2session, access tokens, Cloud Run storage and test helpers.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    #[command(flatten)]
    config: ConfigArgs,
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let args: Args = cli::parse("WX_SIM_CONFIG");
    let load = |file| Source::env("WX_SIM").file(file).load::<SimConfig>();
    let Some(config) = args.config.settings(load)? else {
        return Ok(());
    };
    let _log = weapp_common::logging::init_service(config.log_format);
    let (host, app_id) = (config.host, config.app_id.clone());
    let simulator = Simulator::build(config)?;
    log::info!(
        "wx-sim listening on {host}:{} (app id {app_id})",
        simulator.port()
    );
    simulator.run_until_stopped().await?;
    log::info!("wx-sim stopped");
    Ok(())
}
