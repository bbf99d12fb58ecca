//! Who may do what, and where the album keeps its own records: login mode, the photo index,
//! batch deletes and the 2017 v4 clients.

use serde::Deserialize;
use weapp_common::config::ConfigError;

/// Whether the album asks who is calling (issue "one login for all services").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// The original: everyone is anonymous, credentials are not even read (default).
    #[default]
    Off,
    /// Credentials are checked when sent (a bad one is refused); anonymous calls work.
    Optional,
    /// Every album route but `/list` needs a session.
    Required,
}

/// `auth.*`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AuthSettings {
    /// `off` (default), `optional` or `required`.
    pub mode: AuthMode,
}

/// Where the index lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IndexStore {
    /// In this process, rebuilt from a full listing at start-up (one instance only).
    #[default]
    Memory,
    /// In the stack's Redis (`redis.*`), shared by every instance.
    Redis,
}

/// `index.*`: the album's index of listed photos (newest first, by owner), their owners and
/// the direct-upload tickets.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct IndexSettings {
    /// `memory` (default) or `redis`; several instances need `redis`.
    pub store: IndexStore,
    /// Prefix of the index's Redis keys; the bucket and folder follow it, so albums on other
    /// folders never share an index.
    pub prefix: String,
    /// Seconds between full reconciliations of the index with the store (objects added or
    /// removed behind the album's back); `0` = only at start-up when the index is empty.
    pub rebuild_interval_secs: u64,
    /// Most direct-upload tickets open at once (each is kept until its expiry plus
    /// `upload.verify_grace_secs`); beyond it `upload-url` and `upload-form` answer 503 with
    /// the failure envelope until tickets are used or expire, so anonymous callers cannot grow
    /// the process or Redis without bound. On Redis the bound is for all instances together,
    /// and tickets a checker is looking at in that moment (at most 1,000 per instance) are not
    /// counted.
    pub max_open_tickets: usize,
    /// Most values of each kind the memory index remembers at once: the owners of the v4
    /// signatures `qc_cos/config` and `cos-auth` hand to logged-in users (each kept until the
    /// signature expires: `v4.sign_expires_secs`, `v4.once_ttl_secs`), and the one-time v4
    /// signatures already used (each kept `v4.once_ttl_secs`). Full, those routes answer a
    /// logged-in caller 503 with the failure envelope, and a v4 upload with a new one-time
    /// signature its store failure (503, `-181`), until some expire, so neither one login nor
    /// a stream of uploads can grow the process without bound. The Redis index keeps them as
    /// keys with a TTL, bounded by Redis's own `maxmemory`.
    pub max_remembered: usize,
}

impl Default for IndexSettings {
    fn default() -> Self {
        Self {
            store: IndexStore::Memory,
            prefix: "weapp-album:".into(),
            rebuild_interval_secs: 3600,
            max_open_tickets: 100_000,
            max_remembered: 100_000,
        }
    }
}

impl IndexSettings {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.prefix.is_empty() || self.prefix.chars().any(char::is_whitespace) {
            return Err(ConfigError::invalid(
                "index.prefix",
                "must be non-empty without whitespace",
            ));
        }
        if self.max_open_tickets == 0 {
            return Err(ConfigError::invalid(
                "index.max_open_tickets",
                "must be at least 1",
            ));
        }
        if self.max_remembered == 0 {
            return Err(ConfigError::invalid(
                "index.max_remembered",
                "must be at least 1",
            ));
        }
        Ok(())
    }
}

/// `delete.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct DeleteSettings {
    /// Most paths one `{"filepaths":[…]}` delete may name.
    pub max_batch: usize,
}

impl Default for DeleteSettings {
    fn default() -> Self {
        Self { max_batch: 20 }
    }
}

impl DeleteSettings {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.max_batch == 0 || self.max_batch > 1000 {
            return Err(ConfigError::invalid(
                "delete.max_batch",
                "must be between 1 and 1000",
            ));
        }
        Ok(())
    }
}

/// `v4.*`: the 2017 COS v4 direct-upload clients (`spec/originals.md` §6).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct V4Settings {
    /// Serve `qc_cos/config`, `cos-auth` and the v4 upload stand-in.
    pub enabled: bool,
    /// The APPID in v4 signatures and paths (`/files/v2/{appid}/…`); empty = `cos.app_id`, or
    /// `1250000000` (the COS documents' example) when that is empty too.
    pub app_id: String,
    /// Lifetime in seconds of a `qc_cos/config` multi-use signature.
    pub sign_expires_secs: u64,
    /// Seconds a one-time (`e=0`) signature is accepted after its `t`; each is accepted once.
    pub once_ttl_secs: u64,
}

impl Default for V4Settings {
    fn default() -> Self {
        Self {
            enabled: true,
            app_id: String::new(),
            sign_expires_secs: 600,
            once_ttl_secs: 600,
        }
    }
}

impl V4Settings {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let invalid = ConfigError::invalid;
        if !self.app_id.is_empty() && self.app_id.parse::<u64>().is_err() {
            return Err(invalid("v4.app_id", "must be a number (a COS APPID)"));
        }
        // The v4 document's limit for multi-use signatures.
        if self.sign_expires_secs == 0 || self.sign_expires_secs > 90 * 24 * 3600 {
            return Err(invalid(
                "v4.sign_expires_secs",
                "must be between 1 and 7776000 (90 days, the v4 maximum)",
            ));
        }
        if self.once_ttl_secs == 0 {
            return Err(invalid("v4.once_ttl_secs", "must be above 0"));
        }
        Ok(())
    }
}
