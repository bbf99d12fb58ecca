//! `video`: the 新片预告 service, and its `migrate` / `seed` subcommands. Configuration from
//! `--config FILE` / `VIDEO_CONFIG` and `VIDEO_*` environment variables (see `settings`);
//! `--check-config` prints it and exits.

use clap::{Parser, Subcommand};
use video::{Application, db::migrate, settings::Settings};
use weapp_common::cli::{self, ConfigArgs};

/// weapp-cloud video trailers and comments on MySQL.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    #[command(flatten)]
    config: ConfigArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve HTTP (the default).
    Serve,
    /// Apply pending schema migrations, then exit.
    Migrate,
    /// Apply pending migrations and load the seed catalogue (idempotent), then exit.
    Seed,
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let args: Args = cli::parse("VIDEO_CONFIG");
    let Some(settings) = args.config.settings(Settings::load)? else {
        return Ok(());
    };
    let _log = weapp_common::logging::init_service(settings.log_format);
    let target = format!(
        "{}:{}/{}",
        settings.mysql.host, settings.mysql.port, settings.mysql.database
    );
    match args.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(&settings).await?;
            log::info!(
                "video listening on {}:{} (MySQL {target})",
                settings.host,
                app.port()
            );
            app.run_until_stopped().await?;
            log::info!("video stopped");
        }
        Command::Migrate => {
            let applied = migrate::migrate(&settings.mysql).await?;
            log::info!(
                "{target}: {} migration(s) applied {applied:?}",
                applied.len()
            );
        }
        Command::Seed => {
            let counts = migrate::seed(&settings.mysql).await?;
            log::info!(
                "{target}: seeded; {} videos, {} comments",
                counts.videos,
                counts.comments
            );
        }
    }
    Ok(())
}
