//! `session`: weapp-session / skey logins and the drawing app's paints. Configuration from
//! `--config FILE` / `SESSION_CONFIG` and `SESSION_*` environment variables (see `settings`).

use std::path::PathBuf;

use clap::Parser;
use session::{Application, settings::Settings};

/// weapp-cloud session demo: logins in Redis, paints on MongoDB.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// A TOML or JSON config file (also `SESSION_CONFIG`); environment variables override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let _log = weapp_common::logging::init_service();
    let args = Args::parse();
    let settings = Settings::load(args.config)?;
    let app = Application::build(&settings).await?;
    log::info!(
        "session listening on {}:{} (WeChat API {}, redis prefix {:?}, mongo database {:?})",
        settings.host,
        app.port(),
        settings.wx.base_url,
        settings.redis.prefix,
        settings.mongo.database,
    );
    app.run_until_stopped().await?;
    log::info!("session stopped");
    Ok(())
}
