//! `wecos.config.json`: reading, defaults and validation (`spec/originals.md` §5.1).
//!
//! The original evaluated the file as a JavaScript expression, so comments, trailing commas,
//! single quotes and unquoted keys were tolerated; JSON5 accepts the same. Both generations of
//! the `cos` object are accepted (v1 `bucketname` + `appid` with COS v4 short regions, v2
//! `bucket` with v5 regions), plus our own keys for any S3 store (`cos.endpoint`, …).
//!
//! Error messages are the original's thrown strings where it had one, with a detail appended
//! after `": "`. Unknown keys are ignored silently, as the original ignored them (a misspelt
//! optional key therefore falls back to its default). `null` counts as "not given" except for
//! `backupDir` (where it disables the backup) and `cos` (where it is missing).

use std::ops::RangeInclusive;
use std::path::{Component, Path, PathBuf};

use serde_json::Value;

mod cos;
mod fields;

pub use cos::CosConfig;
use cos::cos_config;
use fields::{Fields, kind};

/// The config file's name, looked up in the current directory when none is given (spec §5.1).
pub const CONFIG_FILE: &str = "wecos.config.json";

/// Parallel uploads: 6, the original's upload queue (`lib/task.js` starts a task while fewer
/// than six run).
const DEFAULT_CONCURRENCY: u64 = 6;
/// More parallel uploads than this only queue up in the HTTP client.
const CONCURRENCY: RangeInclusive<u64> = 1..=256;

/// The loaded, validated configuration.
///
/// Paths are absolute when the base directory is (always, through [`load`]); they are
/// resolved against the directory of the config file, where the original resolved them
/// against the CWD, in which its config file had to be.
#[derive(Debug, Clone)]
pub struct Config {
    /// `appDir`, default `./app`: the mini-program package. Exists and is a directory.
    pub app_dir: PathBuf,
    /// `backupDir`, default `./wecos_backup`, where uploaded originals are moved. `null` or
    /// `""` → `None`: originals are kept and nothing is copied (README: "可以设置为空值").
    /// Never `app_dir` itself nor a folder containing it (the originals would be moved onto
    /// themselves or into the package's own tree); inside `app_dir` is allowed, as in the
    /// original.
    pub backup_dir: Option<PathBuf>,
    /// `uploadFileSuffix`, default `[".jpg", ".png", ".gif"]`: file-name endings to upload, at
    /// least one, none of them a bare `.`. A suffix without a leading dot gets one; a single string is
    /// taken as a one-element list (the original's `_.isArray(x) ? x : [x]`). Duplicates are
    /// dropped, order kept.
    pub upload_file_suffix: Vec<String>,
    /// `uploadFileBlackList`, default `[]`: files or directories never uploaded (no patterns),
    /// resolved like every path. A single string is accepted as for the suffixes.
    pub upload_file_black_list: Vec<PathBuf>,
    /// `replaceHost`, default `""`: a host in existing image URLs to replace by `target_host`.
    pub replace_host: String,
    /// `targetHost`, default `""`: a custom domain for the uploaded URLs (`http://` may be
    /// omitted, README). Required when `replace_host` is set.
    pub target_host: String,
    /// `compress`, default `false`: compress images before upload.
    pub compress: bool,
    /// `watch`, default `true`: keep watching `app_dir` after the first pass.
    pub watch: bool,
    /// Ours: `concurrency`, default 6 (the original's upload queue), 1–256 parallel uploads.
    pub concurrency: usize,
    /// Ours: `mapFile`, default `./wecos.map.json`: the record of rewritten file → URL.
    pub map_file: PathBuf,
    /// `cos`: where the images go.
    pub cos: CosConfig,
}

/// Why the configuration could not be loaded. `Display` is the original's message where it had
/// one (spec §5.1); no variant ever carries the secret key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The default file `wecos.config.json` does not exist.
    #[error("need file wecos.config.json")]
    MissingFile,
    /// An explicitly given config file does not exist.
    #[error("need file wecos.config.json: {} does not exist", path.display())]
    MissingFileAt {
        /// The path as given.
        path: PathBuf,
    },
    /// The config file exists but could not be read (a directory, no permission, …).
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The path as given.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The text is not JSON5, or its top level is not an object.
    #[error("wecos.config.json is not JSON format!: {reason}")]
    NotJson {
        /// The parser's reason with line and column, or what the top level is.
        reason: String,
    },
    /// `appDir` does not exist or is not a directory.
    #[error("appDir is not exist: {}", path.display())]
    AppDirMissing {
        /// The resolved `appDir`.
        path: PathBuf,
    },
    /// A required option is missing, `null` or empty: `"cos"`, `"targetHost"` (with
    /// `replaceHost`), or `"cos.<key>"`.
    #[error("option \"{key}\" need in config!")]
    MissingOption {
        /// The dotted key, e.g. `cos.secret_id`.
        key: &'static str,
    },
    /// Neither `cos.bucket` nor `cos.bucketname` + `cos.appid`, or (COS only) a bucket that is
    /// not `name-appid`.
    #[error("option \"cos.bucket\" need in config! format as \"test-1251902136\"")]
    Bucket,
    /// A value of the wrong JSON type or out of range.
    #[error("option \"{key}\" must be {expected}, found {found}")]
    WrongType {
        /// The dotted key, with `[i]` for a list entry, e.g. `uploadFileSuffix[1]`.
        key: String,
        /// What the key takes, e.g. `an integer from 1 to 256`.
        expected: String,
        /// What was given: its JSON type, or the number or boolean itself (never a string's
        /// content, nor anything given as `secret_key`).
        found: String,
    },
    /// A value of the right type that is not acceptable.
    #[error("option \"{key}\" {reason}")]
    Invalid {
        /// The dotted key.
        key: &'static str,
        /// What is wrong, e.g. `must not contain "." or ".." segments`.
        reason: String,
    },
}

/// Read and validate the config at `path`: the CLI passes [`CONFIG_FILE`] (in the CWD) or the
/// path given on the command line. Relative paths in the file are resolved against the file's
/// directory, made absolute.
///
/// # Errors
/// [`ConfigError::MissingFile`] when `path` is the default name (`wecos.config.json`, also as
/// `./wecos.config.json` or `$CWD/wecos.config.json`) and absent, [`ConfigError::MissingFileAt`]
/// for another absent path, [`ConfigError::Read`] for other I/O errors, and everything
/// [`parse`] returns.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(if is_default_path(path) {
                ConfigError::MissingFile
            } else {
                ConfigError::MissingFileAt {
                    path: path.to_path_buf(),
                }
            });
        }
        Err(source) => {
            return Err(ConfigError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let text = String::from_utf8(bytes).map_err(|_| ConfigError::NotJson {
        reason: "the file is not UTF-8 text".to_owned(),
    })?;
    let absolute = std::path::absolute(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let base_dir = absolute.parent().unwrap_or(Path::new("/"));
    parse(&text, base_dir)
}

/// Parse and validate `text` (JSON5), resolving relative paths against `base_dir`.
///
/// Checks run in the original's order (`lib/config.js`): syntax, value types, `appDir`
/// exists, `cos` given, `targetHost` given with `replaceHost`, then the `cos` keys
/// (`secret_id`, `secret_key`, `region`, bucket).
///
/// # Errors
/// [`ConfigError::NotJson`], [`ConfigError::WrongType`], [`ConfigError::Invalid`],
/// [`ConfigError::AppDirMissing`], [`ConfigError::MissingOption`], [`ConfigError::Bucket`].
pub fn parse(text: &str, base_dir: &Path) -> Result<Config, ConfigError> {
    let value: Value = json5::from_str(text).map_err(|e| ConfigError::NotJson {
        reason: e.to_string(),
    })?;
    let Value::Object(map) = value else {
        return Err(ConfigError::NotJson {
            reason: format!("the top level must be an object, found {}", kind(&value)),
        });
    };
    let top = Fields {
        map: &map,
        prefix: "",
    };
    let resolve = |p: &str| clean(&base_dir.join(p));

    let app_dir = resolve(top.non_empty_str("appDir")?.unwrap_or("./app"));
    let backup_dir = match top.map.get("backupDir") {
        None => Some("./wecos_backup"),
        Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(_) => top.str("backupDir")?,
    }
    .map(resolve);
    let upload_file_suffix = suffixes(&top)?;
    let upload_file_black_list = top
        .str_list("uploadFileBlackList")?
        .unwrap_or_default()
        .into_iter()
        .map(resolve)
        .collect();
    let replace_host = top.str("replaceHost")?.unwrap_or_default().to_owned();
    let target_host = top.str("targetHost")?.unwrap_or_default().to_owned();
    let compress = top.bool("compress")?.unwrap_or(false);
    let watch = top.bool("watch")?.unwrap_or(true);
    let concurrency = top.int("concurrency", CONCURRENCY)?;
    let map_file = resolve(top.non_empty_str("mapFile")?.unwrap_or("./wecos.map.json"));
    let cos_map = match top.map.get("cos") {
        None | Some(Value::Null) => None,
        Some(Value::Object(cos)) => Some(cos),
        Some(other) => return Err(top.wrong("cos", "an object", other)),
    };

    if !std::fs::metadata(&app_dir).is_ok_and(|m| m.is_dir()) {
        return Err(ConfigError::AppDirMissing { path: app_dir });
    }
    if backup_dir.as_ref().is_some_and(|b| app_dir.starts_with(b)) {
        return Err(ConfigError::Invalid {
            key: "backupDir",
            reason: "must not be appDir or a folder containing it".to_owned(),
        });
    }
    let cos_map = cos_map.ok_or(ConfigError::MissingOption { key: "cos" })?;
    if !replace_host.is_empty() && target_host.is_empty() {
        return Err(ConfigError::MissingOption { key: "targetHost" });
    }
    let cos = cos_config(&Fields {
        map: cos_map,
        prefix: "cos.",
    })?;

    Ok(Config {
        app_dir,
        backup_dir,
        upload_file_suffix,
        upload_file_black_list,
        replace_host,
        target_host,
        compress,
        watch,
        concurrency: to_usize(concurrency.unwrap_or(DEFAULT_CONCURRENCY)),
        map_file,
        cos,
    })
}

fn suffixes(top: &Fields<'_>) -> Result<Vec<String>, ConfigError> {
    let Some(list) = top.str_list("uploadFileSuffix")? else {
        return Ok([".jpg", ".png", ".gif"].map(str::to_owned).to_vec());
    };
    if list.is_empty() || list.contains(&".") {
        return Err(ConfigError::Invalid {
            key: "uploadFileSuffix",
            reason: "must list at least one suffix, none of them \".\"".to_owned(),
        });
    }
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for suffix in list {
        let suffix = if suffix.starts_with('.') {
            suffix.to_owned()
        } else {
            format!(".{suffix}")
        };
        if !out.contains(&suffix) {
            out.push(suffix);
        }
    }
    Ok(out)
}

/// Whether `path` names the default file in the CWD (for the original's exact message).
fn is_default_path(path: &Path) -> bool {
    let in_cwd = std::env::current_dir().is_ok_and(|cwd| cwd.join(CONFIG_FILE) == path);
    in_cwd || clean(path) == Path::new(CONFIG_FILE)
}

/// Drops `.` components (`/base/./app` → `/base/app`) and trailing slashes; `..` is kept, as
/// resolving it lexically is wrong across symlinks.
fn clean(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

/// Values come from ranges far below `usize::MAX` on any supported target.
fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests;
