//! The session store behind a narrow trait: [`SessionStore`], implemented on Redis
//! ([`RedisStore`], production and integration tests) and in memory ([`MemoryStore`], unit
//! tests).
//!
//! Layout (`spec/originals.md` §3.1 for the first two, byte-compatible with the original so both
//! servers can share one Redis):
//!
//! | key | value | TTL |
//! |---|---|---|
//! | `{prefix}{code}` | `wxUserInfo` JSON | `redis.ttl` |
//! | `{prefix}{openId}` | the code as a JSON string (`"0a1b…"`) | `redis.ttl` |
//! | `{skey.prefix}skey:{skey}` | `wxUserInfo` JSON | `skey.ttl` |
//! | `{skey.prefix}user:{openId}` | `{"skey":…,"userinfo":{…}}` | `skey.user_ttl` |
//!
//! Every login is one atomic step: the user's previous code (or skey) is evicted and both keys
//! are written together, or nothing is.

mod memory;
mod redis;

use std::{future::Future, pin::Pin};

use serde::{Deserialize, Serialize};

pub use self::memory::MemoryStore;
pub use self::redis::{RedisStore, StoreBuildError};
use crate::{OpenId, Skey, WxUserInfo, protocol::Code};

/// The store did not answer (down, timed out, refused). The text is for the log only.
#[derive(Debug, Clone, thiserror::Error)]
#[error("session store: {0}")]
pub struct StoreError(pub String);

/// A boxed store operation, so the trait can be used as `dyn SessionStore`.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// What the session check and the modern login need from a store.
///
/// A stored value that does not parse (written by something else, or truncated) reads as
/// absent and is logged: the client logs in again.
pub trait SessionStore: Send + Sync + 'static {
    /// The user of a `weapp-session` code: `GET {prefix}{code}`.
    fn user_by_code<'a>(&'a self, code: &'a Code) -> StoreFuture<'a, Option<WxUserInfo>>;

    /// Store a `weapp-session` login: delete the user's previous code session, then set
    /// `{prefix}{code}` and `{prefix}{openId}`, both with the TTL — atomically.
    fn save_code_session<'a>(&'a self, code: &'a Code, user: &'a WxUserInfo)
    -> StoreFuture<'a, ()>;

    /// The user of an skey.
    fn user_by_skey<'a>(&'a self, skey: &'a Skey) -> StoreFuture<'a, Option<WxUserInfo>>;

    /// Store a modern login: revoke the user's previous skey, set the new skey and the user's
    /// record — atomically.
    fn save_skey_session<'a>(&'a self, skey: &'a Skey, user: &'a WxUserInfo)
    -> StoreFuture<'a, ()>;

    /// The profile of the user's last modern login, for a code-only login.
    fn last_user<'a>(&'a self, open_id: &'a OpenId) -> StoreFuture<'a, Option<WxUserInfo>>;

    /// Revoke an skey (nothing happens when it is unknown).
    fn revoke_skey<'a>(&'a self, skey: &'a Skey) -> StoreFuture<'a, ()>;

    /// A cheap round trip, for `/readyz`.
    fn ping(&self) -> StoreFuture<'_, ()>;
}

/// The value of `{skey.prefix}user:{openId}`.
#[derive(Debug, Serialize, Deserialize)]
struct UserRecord {
    skey: String,
    userinfo: WxUserInfo,
}

/// Parse a stored user, logging (without the value) when it does not parse.
fn parse_user(what: &str, json: Option<&str>) -> Option<WxUserInfo> {
    let json = json?;
    match serde_json::from_str(json) {
        Ok(user) => Some(user),
        Err(error) => {
            log::warn!("ignoring an unreadable {what} in the session store: {error}");
            None
        }
    }
}

/// Parse a stored [`UserRecord`] and keep its profile.
fn parse_record_user(json: Option<&str>) -> Option<WxUserInfo> {
    let json = json?;
    match serde_json::from_str::<UserRecord>(json) {
        Ok(record) => Some(record.userinfo),
        Err(error) => {
            log::warn!("ignoring an unreadable user record in the session store: {error}");
            None
        }
    }
}

/// The JSON of a [`UserRecord`].
fn record_json(skey: &Skey, user: &WxUserInfo) -> String {
    serde_json::to_string(&UserRecord {
        skey: skey.expose().to_owned(),
        userinfo: user.clone(),
    })
    .unwrap_or_default()
}
