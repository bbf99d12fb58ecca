//! One configuration loader for every service, on the [`config`] crate.
//!
//! Layers, later ones overriding earlier ones (`../shared/STYLE.md` "Configuration"):
//!
//! 1. typed defaults — every settings struct is `#[serde(default)]` with a `Default` impl that
//!    reproduces the original server's `config.js` (`spec/originals.md` §1.1, §3.2, §4);
//! 2. an optional file (TOML or JSON, chosen by extension) named by the service's `--config`
//!    flag or the `{PREFIX}_CONFIG` environment variable;
//! 3. environment variables `{PREFIX}_{KEY}`, with `__` between nesting levels, e.g.
//!    `ALBUM_COS__SECRET_KEY`. Values are parsed, so numbers and booleans may arrive as strings.
//!
//! Secrets are [`Secret`] (a [`secrecy::SecretString`]): `Debug` prints `[REDACTED]`, and nothing
//! here logs values. A value that does not fit its type fails start-up with a message naming the
//! key.
//!
//! The listener keys every service shares (`host`, `port`, `route_base_path`, …) are declared once
//! by [`service_settings!`](crate::service_settings), at the top level of each service's settings.

mod server;

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

pub use server::{AccessLog, DEFAULT_HOST, DEFAULT_ROUTE_BASE_PATH};

/// A secret string from configuration (a key, a password): `Debug` never shows it.
///
/// Expose it only where it is used (`secrecy::ExposeSecret`).
pub type Secret = secrecy::SecretString;

/// Why configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file named by `--config` / `{PREFIX}_CONFIG` does not exist.
    #[error("config file {0} does not exist")]
    MissingFile(PathBuf),
    /// A layer could not be read or a value did not fit its key's type. The message names the key.
    #[error("invalid configuration: {0}")]
    Load(#[from] config::ConfigError),
    /// A value had the right type but is not acceptable (checked after parsing).
    #[error("invalid configuration: key `{key}`: {message}")]
    Invalid {
        /// The dotted key, as written in a file (`cos.folder`); the environment spells it
        /// `{PREFIX}_COS__FOLDER`.
        key: &'static str,
        /// What is wrong with it.
        message: String,
    },
}

impl ConfigError {
    /// [`ConfigError::Invalid`]: `key` (dotted, as in a file: `cos.folder`) holds a value of the
    /// right type that is not acceptable, for the reason `message` (`must be above 0`).
    pub fn invalid(key: &'static str, message: &str) -> Self {
        Self::Invalid {
            key,
            message: message.to_owned(),
        }
    }
}

/// Where to read configuration from: an environment prefix and an optional file.
#[derive(Debug, Clone)]
pub struct Source {
    prefix: String,
    file: Option<PathBuf>,
}

impl Source {
    /// Configuration from environment variables starting with `{prefix}_` (e.g. `ALBUM`).
    ///
    /// The file, if any, is taken from `{prefix}_CONFIG` unless [`Source::file`] sets one.
    pub fn env(prefix: &str) -> Self {
        let file = std::env::var_os(format!("{prefix}_CONFIG"))
            .filter(|value| !value.is_empty())
            .map(PathBuf::from);
        Self {
            prefix: prefix.to_owned(),
            file,
        }
    }

    /// Read this file between the defaults and the environment (overrides `{prefix}_CONFIG`).
    pub fn file(mut self, path: Option<impl AsRef<Path>>) -> Self {
        if let Some(path) = path {
            self.file = Some(path.as_ref().to_path_buf());
        }
        self
    }

    /// Build `T` from defaults → file → environment.
    ///
    /// # Errors
    /// [`ConfigError::MissingFile`] if a named file is absent; [`ConfigError::Load`] if the file
    /// does not parse or a value does not fit its type (the message names the key).
    pub fn load<T: DeserializeOwned>(&self) -> Result<T, ConfigError> {
        self.build(self.environment())
    }

    /// Like [`Source::load`] but with explicit key/value pairs instead of the process
    /// environment (for tests: no global state).
    ///
    /// # Errors
    /// As [`Source::load`].
    pub fn load_from<T: DeserializeOwned>(
        &self,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<T, ConfigError> {
        self.build(self.environment().source(Some(vars.into_iter().collect())))
    }

    fn environment(&self) -> config::Environment {
        config::Environment::with_prefix(&self.prefix)
            .prefix_separator("_")
            .separator("__")
            .try_parsing(true)
    }

    fn build<T: DeserializeOwned>(
        &self,
        environment: config::Environment,
    ) -> Result<T, ConfigError> {
        let mut builder = config::Config::builder();
        if let Some(file) = &self.file {
            if !file.is_file() {
                return Err(ConfigError::MissingFile(file.clone()));
            }
            builder = builder.add_source(config::File::from(file.as_path()));
        }
        Ok(builder.add_source(environment).build()?.try_deserialize()?)
    }
}

/// Check a service's `route_base_path` (original `ROUTE_BASE_PATH`), the prefix of every route:
/// empty (routes at the root) or starting with `/` and not ending with `/` (`/applet`,
/// `/a/b`), so that `{route_base_path}/album/list` is a clean path.
///
/// # Errors
/// [`ConfigError::Invalid`] with key `route_base_path` otherwise (`applet`, `/`, `/applet/`).
pub fn check_route_base_path(value: &str) -> Result<(), ConfigError> {
    if value.is_empty() || (value.starts_with('/') && !value.ends_with('/')) {
        return Ok(());
    }
    Err(ConfigError::invalid(
        "route_base_path",
        "must be empty or start with `/` and not end with `/`",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(default)]
    struct Inner {
        secret_key: Secret,
        folder: String,
    }

    impl Default for Inner {
        fn default() -> Self {
            Self {
                secret_key: Secret::from(""),
                folder: "/".into(),
            }
        }
    }

    #[derive(Debug, Deserialize)]
    #[serde(default)]
    struct Settings {
        port: u16,
        enabled: bool,
        cos: Inner,
    }

    impl Default for Settings {
        fn default() -> Self {
            Self {
                port: 9993,
                enabled: false,
                cos: Inner::default(),
            }
        }
    }

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() -> Result<(), ConfigError> {
        let settings: Settings = Source::env("TESTAPP").load_from(vars(&[]))?;
        assert_eq!(settings.port, 9993);
        assert_eq!(settings.cos.folder, "/");
        Ok(())
    }

    #[test]
    fn environment_overrides_nested_keys_and_parses_strings() -> Result<(), ConfigError> {
        let settings: Settings = Source::env("TESTAPP").load_from(vars(&[
            ("TESTAPP_PORT", "8080"),
            ("TESTAPP_ENABLED", "true"),
            ("TESTAPP_COS__FOLDER", "/photos/"),
            ("TESTAPP_COS__SECRET_KEY", "s3cr3t-value"),
            ("OTHER_PORT", "1"),
        ]))?;
        assert_eq!(settings.port, 8080);
        assert!(settings.enabled);
        assert_eq!(settings.cos.folder, "/photos/");
        assert_eq!(settings.cos.secret_key.expose_secret(), "s3cr3t-value");
        Ok(())
    }

    #[test]
    fn file_sits_between_defaults_and_environment() -> Result<(), Box<dyn std::error::Error>> {
        let dir = std::env::temp_dir().join(format!("weapp-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let file = dir.join("album.toml");
        std::fs::write(&file, "port = 7000\n[cos]\nfolder = \"/from-file/\"\n")?;
        let settings: Settings = Source::env("TESTAPP")
            .file(Some(&file))
            .load_from(vars(&[("TESTAPP_PORT", "7001")]))?;
        std::fs::remove_dir_all(&dir)?;
        assert_eq!(settings.port, 7001, "environment wins over the file");
        assert_eq!(
            settings.cos.folder, "/from-file/",
            "file wins over defaults"
        );
        Ok(())
    }

    #[test]
    fn a_bad_value_names_its_key() {
        let error = Source::env("TESTAPP")
            .load_from::<Settings>(vars(&[("TESTAPP_PORT", "not-a-port")]))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("port"), "error should name the key: {error}");
    }

    #[test]
    fn missing_file_is_reported() {
        let result = Source::env("TESTAPP")
            .file(Some("/nonexistent/weapp.toml"))
            .load::<Settings>();
        assert!(matches!(result, Err(ConfigError::MissingFile(_))));
    }

    #[test]
    fn route_base_path_is_empty_or_slash_led_without_a_trailing_slash() {
        for good in ["", "/applet", "/a/b", "/x"] {
            assert!(check_route_base_path(good).is_ok(), "{good:?}");
        }
        for bad in ["applet", "/", "/applet/", "a/", "//"] {
            let error = check_route_base_path(bad).err().map(|e| e.to_string());
            assert_eq!(
                error.as_deref(),
                Some(
                    "invalid configuration: key `route_base_path`: must be empty or start with \
                     `/` and not end with `/`"
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn debug_never_shows_secrets() -> Result<(), ConfigError> {
        let settings: Settings = Source::env("TESTAPP")
            .load_from(vars(&[("TESTAPP_COS__SECRET_KEY", "hunter2-very-secret")]))?;
        let debug = format!("{settings:?}");
        assert!(!debug.contains("hunter2-very-secret"), "{debug}");
        Ok(())
    }
}
