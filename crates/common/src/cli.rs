//! The command line every service binary shares: `--config FILE` (also from its
//! `{PREFIX}_CONFIG` variable, which `--help` shows) and `--check-config`.
//!
//! ```no_run
//! use clap::Parser;
//! use weapp_common::cli::{self, ConfigArgs};
//!
//! /// A service.
//! #[derive(Debug, Parser)]
//! struct Args {
//!     #[command(flatten)]
//!     config: ConfigArgs,
//! }
//!
//! # #[derive(Debug)] struct Settings;
//! # impl Settings { fn load(_: Option<std::path::PathBuf>) -> Result<Self, std::io::Error> { Ok(Self) } }
//! fn main() -> Result<(), std::io::Error> {
//!     let args: Args = cli::parse("DEMO_CONFIG");
//!     let Some(settings) = args.config.settings(Settings::load)? else {
//!         return Ok(()); // --check-config printed them
//!     };
//!     // … serve with `settings`
//!     Ok(())
//! }
//! ```

use std::{fmt::Debug, path::PathBuf};

use clap::Parser;

use crate::config;

/// `--config` and `--check-config`, flattened into a service's arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct ConfigArgs {
    /// A TOML or JSON config file; the service's environment variables override it.
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// Print the effective settings (defaults, file, environment; secrets hidden) and exit. A
    /// bad value or an unknown key fails, naming it, as at start-up.
    #[arg(long, global = true)]
    pub check_config: bool,
}

impl ConfigArgs {
    /// Load the settings with `load(config file)`. With `--check-config`, print them to stdout
    /// ([`config::effective`]) and return `None`: the caller exits.
    ///
    /// # Errors
    /// `load`'s, for a file that is missing or a key that is bad or unknown.
    pub fn settings<S: Debug, E>(
        &self,
        load: impl FnOnce(Option<PathBuf>) -> Result<S, E>,
    ) -> Result<Option<S>, E> {
        let settings = load(self.config.clone())?;
        if self.check_config {
            print!("{}", config::effective(&settings));
            return Ok(None);
        }
        Ok(Some(settings))
    }
}

/// Parse the command line into `T` (which flattens [`ConfigArgs`]), with `--config` also read
/// from the variable `config_variable` (`ALBUM_CONFIG`), as `--help` shows. Exits with clap's
/// message on a bad command line, or after printing `--help` / `--version`.
pub fn parse<T: Parser>(config_variable: &'static str) -> T {
    parse_from(config_variable, std::env::args_os())
}

/// [`parse`] of `args` (the first is the program name) instead of the process's.
pub fn parse_from<T: Parser>(
    config_variable: &'static str,
    args: impl IntoIterator<Item = impl Into<std::ffi::OsString> + Clone>,
) -> T {
    let command = T::command().mut_arg("config", |arg| arg.env(config_variable));
    let matches = command.get_matches_from(args);
    T::from_arg_matches(&matches).unwrap_or_else(|error| error.exit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// A service's arguments.
    #[derive(Debug, Parser)]
    #[command(name = "demo")]
    struct Args {
        #[command(flatten)]
        config: ConfigArgs,
    }

    #[test]
    fn help_names_the_config_variable() {
        let help = Args::command()
            .mut_arg("config", |arg| arg.env("DEMO_CONFIG"))
            .render_long_help()
            .to_string();
        assert!(help.contains("--config <FILE>"), "{help}");
        assert!(help.contains("[env: DEMO_CONFIG="), "{help}");
        assert!(help.contains("--check-config"), "{help}");
    }

    #[test]
    fn the_flag_gives_the_file_and_check_config_stops_after_loading() {
        let args: Args = parse_from(
            "WEAPP_CLI_TEST_UNSET_CONFIG",
            ["demo", "--config", "a.toml", "--check-config"],
        );
        assert_eq!(args.config.config, Some(PathBuf::from("a.toml")));
        let mut loaded_from = None;
        let settings = args.config.settings(|file| {
            loaded_from = file;
            Ok::<_, std::io::Error>("settings")
        });
        assert!(matches!(settings, Ok(None)), "{settings:?}");
        assert_eq!(loaded_from, Some(PathBuf::from("a.toml")));
        let args: Args = parse_from("WEAPP_CLI_TEST_UNSET_CONFIG", ["demo"]);
        let settings = args.config.settings(|_| Ok::<_, std::io::Error>(7));
        assert_eq!(settings.ok().flatten(), Some(7));
    }
}
