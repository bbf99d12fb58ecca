//! `session`: weapp-session / skey logins and the drawing app's paints. Configuration from
//! `--config FILE` / `SESSION_CONFIG` and `SESSION_*` environment variables (see `settings`);
//! `--check-config` prints it and exits.

use clap::Parser;
use session::{Application, settings::Settings};
use weapp_common::cli::{self, ConfigArgs};

/// weapp-cloud session demo: logins in Redis, paints on MongoDB.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    #[command(flatten)]
    config: ConfigArgs,
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let args: Args = cli::parse("SESSION_CONFIG");
    let Some(settings) = args.config.settings(Settings::load)? else {
        return Ok(());
    };
    let _log = weapp_common::logging::init_service(settings.log_format);
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
