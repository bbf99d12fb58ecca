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
//! Strict: a key that no setting reads — a misspelt `ALBUM_STORAGE__BAKEND=s3`, a stale key in
//! a file — also fails start-up, naming the key and where it came from
//! ([`ConfigError::Unknown`]), instead of silently leaving the default in place. An error rather
//! than a warning because the warning goes to a log nobody reads before the service misbehaves
//! (a wrong bucket, a default password); an operator who means to keep an old key can delete it.
//! The ignored keys are found by `serde_ignored` around the settings type's own `Deserialize`,
//! so every service's settings are checked without declaring their keys twice. Two kinds of
//! variables with a service's prefix are not settings and are left alone: `{PREFIX}_CONFIG`
//! (the file) and the variables of [`FOREIGN_VARIABLES`].
//!
//! The listener keys every service shares (`host`, `port`, `route_base_path`, …) are declared once
//! by [`service_settings!`](crate::service_settings), at the top level of each service's settings.

mod server;

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

pub use server::{AccessLog, DEFAULT_HOST, DEFAULT_ROUTE_BASE_PATH};

/// Variables that share a service's prefix but belong to other software, so they are never
/// taken for a misspelt setting: `SESSION_MANAGER` is set in every X11/desktop session
/// (the X Session Management Protocol's address) and would otherwise stop `session` from
/// starting in a desktop terminal.
pub const FOREIGN_VARIABLES: &[&str] = &["SESSION_MANAGER"];

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
    /// Keys that no setting reads (misspelt or stale): each named with where it was set.
    #[error("invalid configuration: unknown {}: {}", if .0.len() == 1 { "key" } else { "keys" }, UnknownKey::list(.0))]
    Unknown(Vec<UnknownKey>),
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

/// A key no setting reads, and where it was set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownKey {
    /// The dotted key, as a file writes it (`storage.bakend`).
    pub key: String,
    /// The environment variables that set it (`ALBUM_STORAGE__BAKEND`); empty when it came
    /// from the file only.
    pub variables: Vec<String>,
    /// The file, when the key was not (only) set by a variable.
    pub file: Option<PathBuf>,
}

impl UnknownKey {
    fn list(keys: &[Self]) -> String {
        let mut text = String::new();
        for (i, unknown) in keys.iter().enumerate() {
            if i > 0 {
                text.push_str("; ");
            }
            text.push_str(&format!("`{}`", unknown.key));
            let mut origins: Vec<String> = unknown
                .variables
                .iter()
                .map(|variable| format!("environment variable {variable}"))
                .collect();
            if let Some(file) = &unknown.file {
                origins.push(format!("file {}", file.display()));
            }
            if !origins.is_empty() {
                text.push_str(&format!(" (set by {})", origins.join(" and ")));
            }
        }
        text
    }
}

/// The effective settings as `--check-config` prints them: every key with its value after
/// defaults, file and environment, secrets shown as `[REDACTED]` ([`Secret`]'s `Debug`).
pub fn effective(settings: &impl std::fmt::Debug) -> String {
    format!("{settings:#?}\n")
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
        let vars = std::env::vars_os().filter_map(|(key, value)| {
            // A name that is not Unicode is not one of ours (the config crate skips such names
            // too). A value that is not Unicode keeps its name, so a setting with such a value
            // fails on its replacement characters (a bad URL, a bad number) naming the key.
            let key = key.into_string().ok()?;
            Some((key, value.to_string_lossy().into_owned()))
        });
        self.load_from(vars)
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
        let settings = self.settings(vars);
        let environment = config::Environment::with_prefix(&self.prefix)
            .prefix_separator("_")
            .separator("__")
            .try_parsing(true)
            .source(Some(
                settings
                    .iter()
                    .map(|(_, name, value)| (name.clone(), value.clone()))
                    .collect(),
            ));
        let mut builder = config::Config::builder();
        if let Some(file) = &self.file {
            if !file.is_file() {
                return Err(ConfigError::MissingFile(file.clone()));
            }
            builder = builder.add_source(config::File::from(file.as_path()));
        }
        let merged = builder.add_source(environment).build()?;
        let mut ignored = Vec::new();
        let value = serde_ignored::deserialize(merged, |path| ignored.push(path.to_string()))?;
        if ignored.is_empty() {
            return Ok(value);
        }
        Err(ConfigError::Unknown(
            ignored
                .into_iter()
                .map(|key| self.unknown(key, &settings))
                .collect(),
        ))
    }

    /// The variables among `vars` that are settings: the prefix's, less `{prefix}_CONFIG` and
    /// [`FOREIGN_VARIABLES`]; each as (dotted key, name, value).
    fn settings(
        &self,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Vec<(String, String, String)> {
        let prefix = format!("{}_", self.prefix).to_lowercase();
        let file_variable = format!("{}config", prefix);
        vars.into_iter()
            .filter_map(|(name, value)| {
                let lower = name.to_lowercase();
                let key = lower.strip_prefix(&prefix)?;
                let foreign = FOREIGN_VARIABLES
                    .iter()
                    .any(|foreign| foreign.eq_ignore_ascii_case(&name));
                (!foreign && lower != file_variable)
                    .then(|| (key.replace("__", "."), name.clone(), value))
            })
            .collect()
    }

    /// Where the ignored `key` was set: the variables that set it or a key under it, else the
    /// file.
    fn unknown(&self, key: String, settings: &[(String, String, String)]) -> UnknownKey {
        let variables: Vec<String> = settings
            .iter()
            .filter(|(path, _, _)| {
                path == &key
                    || path
                        .strip_prefix(key.as_str())
                        .is_some_and(|rest| rest.starts_with('.'))
            })
            .map(|(_, name, _)| name.clone())
            .collect();
        let file = if variables.is_empty() {
            self.file.clone()
        } else {
            None
        };
        UnknownKey {
            key,
            variables,
            file,
        }
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
mod tests;
