//! [`MemoryStore`]: the Redis layout of [`super`] in a map, for unit tests.
//!
//! Expiry follows tokio's clock, so tests drive it with `tokio::time::pause`/`advance`.

use std::{
    collections::HashMap,
    sync::{Mutex, MutexGuard, PoisonError},
    time::Duration,
};

use tokio::time::Instant;

use super::{SessionStore, StoreError, StoreFuture, parse_record_user, parse_user, record_json};
use crate::{OpenId, Skey, WxUserInfo, protocol::Code};

/// An in-process session store with the Redis store's key layout and TTLs.
#[derive(Debug)]
pub struct MemoryStore {
    prefix: String,
    skey_prefix: String,
    ttl: Duration,
    skey_ttl: Duration,
    user_ttl: Duration,
    entries: Mutex<HashMap<String, (String, Instant)>>,
    down: Mutex<bool>,
}

impl MemoryStore {
    /// A store with the default prefixes and the given TTLs.
    pub fn new(ttl: Duration, skey_ttl: Duration, user_ttl: Duration) -> Self {
        Self {
            prefix: "weapp-session:".into(),
            skey_prefix: "weapp-skey:".into(),
            ttl,
            skey_ttl,
            user_ttl,
            entries: Mutex::new(HashMap::new()),
            down: Mutex::new(false),
        }
    }

    /// Make every operation fail (`true`) or work again (`false`), like a Redis outage.
    pub fn set_down(&self, down: bool) {
        *self.down.lock().unwrap_or_else(PoisonError::into_inner) = down;
    }

    /// The live value of a full key, e.g. `weapp-session:{code}`.
    pub fn raw(&self, key: &str) -> Option<String> {
        let entries = self.entries();
        entries
            .get(key)
            .filter(|(_, expires)| *expires > Instant::now())
            .map(|(value, _)| value.clone())
    }

    /// Remove a full key (what expiry does).
    pub fn remove(&self, key: &str) {
        self.entries().remove(key);
    }

    fn entries(&self) -> MutexGuard<'_, HashMap<String, (String, Instant)>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn check_up(&self) -> Result<(), StoreError> {
        if *self.down.lock().unwrap_or_else(PoisonError::into_inner) {
            Err(StoreError("memory store is down".into()))
        } else {
            Ok(())
        }
    }

    fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.check_up()?;
        Ok(self.raw(key))
    }

    fn set(
        entries: &mut HashMap<String, (String, Instant)>,
        key: String,
        value: String,
        ttl: Duration,
    ) {
        entries.insert(key, (value, Instant::now() + ttl));
    }
}

impl SessionStore for MemoryStore {
    fn user_by_code<'a>(&'a self, code: &'a Code) -> StoreFuture<'a, Option<WxUserInfo>> {
        let value = self.get(&format!("{}{}", self.prefix, code.as_str()));
        Box::pin(async move { Ok(parse_user("wxUserInfo", value?.as_deref())) })
    }

    fn save_code_session<'a>(
        &'a self,
        code: &'a Code,
        user: &'a WxUserInfo,
    ) -> StoreFuture<'a, ()> {
        let result = self.check_up().map(|()| {
            let open_id_key = format!("{}{}", self.prefix, user.open_id());
            let old_code = self
                .raw(&open_id_key)
                .and_then(|json| serde_json::from_str::<String>(&json).ok());
            let mut entries = self.entries();
            if let Some(old_code) = old_code.filter(|old| old != code.as_str()) {
                entries.remove(&format!("{}{old_code}", self.prefix));
            }
            let code_key = format!("{}{}", self.prefix, code.as_str());
            Self::set(&mut entries, code_key, user.to_json(), self.ttl);
            let quoted = serde_json::to_string(code.as_str()).unwrap_or_default();
            Self::set(&mut entries, open_id_key, quoted, self.ttl);
        });
        Box::pin(async move { result })
    }

    fn user_by_skey<'a>(&'a self, skey: &'a Skey) -> StoreFuture<'a, Option<WxUserInfo>> {
        let value = self.get(&format!("{}skey:{}", self.skey_prefix, skey.expose()));
        Box::pin(async move { Ok(parse_user("skey session", value?.as_deref())) })
    }

    fn save_skey_session<'a>(
        &'a self,
        skey: &'a Skey,
        user: &'a WxUserInfo,
    ) -> StoreFuture<'a, ()> {
        let result = self.check_up().map(|()| {
            let user_key = format!("{}user:{}", self.skey_prefix, user.open_id());
            let old_skey = self.raw(&user_key).and_then(|json| {
                serde_json::from_str::<serde_json::Value>(&json)
                    .ok()
                    .and_then(|record| record["skey"].as_str().map(str::to_owned))
            });
            let mut entries = self.entries();
            if let Some(old_skey) = old_skey {
                entries.remove(&format!("{}skey:{old_skey}", self.skey_prefix));
            }
            let skey_key = format!("{}skey:{}", self.skey_prefix, skey.expose());
            Self::set(&mut entries, skey_key, user.to_json(), self.skey_ttl);
            Self::set(
                &mut entries,
                user_key,
                record_json(skey, user),
                self.user_ttl,
            );
        });
        Box::pin(async move { result })
    }

    fn last_user<'a>(&'a self, open_id: &'a OpenId) -> StoreFuture<'a, Option<WxUserInfo>> {
        let value = self.get(&format!("{}user:{open_id}", self.skey_prefix));
        Box::pin(async move { Ok(parse_record_user(value?.as_deref())) })
    }

    fn revoke_skey<'a>(&'a self, skey: &'a Skey) -> StoreFuture<'a, ()> {
        let result = self.check_up().map(|()| {
            self.remove(&format!("{}skey:{}", self.skey_prefix, skey.expose()));
        });
        Box::pin(async move { result })
    }

    fn ping(&self) -> StoreFuture<'_, ()> {
        let result = self.check_up();
        Box::pin(async move { result })
    }
}
