//! [`RedisIndex`]: the index in the stack's Redis, shared by every album instance.
//!
//! Keys, under `{index.prefix}{bucket}/{folder}` (so albums on different folders or buckets
//! never meet):
//!
//! | key | type | holds |
//! |---|---|---|
//! | `…:photos` | sorted set | every listed key, scored by its time in ms |
//! | `…:owner:{openid}` | sorted set | the listed keys of one owner |
//! | `…:owners` | hash | key → openid |
//! | `…:built` | string | set once the index was built from the store |
//! | `…:rebuild` | string, TTL | the reconciliation lock |
//! | `…:tickets` | sorted set | open tickets' keys, scored by their next check (ms) |
//! | `…:ticket:{key}` | string (JSON), TTL | a ticket ([`Ticket`]) |
//! | `…:once:{id}` | string, TTL | a used one-time signature |
//! | `…:note:{id}` | string, TTL | who a v4 signature was issued to |
//!
//! A page is `ZRANGE … BYSCORE REV LIMIT`: its cost does not depend on the album's size.
//! Updates that touch several keys are Lua scripts, atomic on the server. Connections come
//! from the redis crate's `ConnectionManager` (one multiplexed connection that reconnects by
//! itself), built lazily so the album starts while Redis is down.

use std::{sync::Arc, time::Duration};

use redis::{
    AsyncCommands, Client, Script,
    aio::{ConnectionManager, ConnectionManagerConfig},
};

mod tickets;

use super::{Cursor, Entry, IndexError};

/// Unlist a key and list it again with its time and owner. KEYS: photos, owners.
/// ARGV: key, ms, owner ('' = none), owner set prefix.
const ADD: &str = r"
local old = redis.call('HGET', KEYS[2], ARGV[1])
if old then redis.call('ZREM', ARGV[4] .. old, ARGV[1]) end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
  redis.call('ZADD', ARGV[4] .. ARGV[3], ARGV[2], ARGV[1])
else
  redis.call('HDEL', KEYS[2], ARGV[1])
end
return 1
";

/// Unlist a key. KEYS: photos, owners. ARGV: key, owner set prefix.
const REMOVE: &str = r"
local old = redis.call('HGET', KEYS[2], ARGV[1])
if old then redis.call('ZREM', ARGV[2] .. old, ARGV[1]) end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
return 1
";

/// The index in Redis. Cheap to clone (one shared multiplexed connection, shared scripts).
#[derive(Clone)]
pub struct RedisIndex {
    connection: ConnectionManager,
    ns: String,
    scripts: Arc<Scripts>,
    /// Most tickets open at once, all instances together (`index.max_open_tickets`).
    max_open_tickets: usize,
}

/// The index's Lua scripts (each keeps its source and SHA1 for `EVALSHA`).
struct Scripts {
    add: Script,
    remove: Script,
    claim: Script,
}

impl std::fmt::Debug for RedisIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RedisIndex({})", self.ns)
    }
}

fn failed(error: redis::RedisError) -> IndexError {
    IndexError(error.to_string())
}

impl RedisIndex {
    /// An index at `url` (the sessions' Redis) under namespace `ns` (`{prefix}{bucket}/{folder}`),
    /// with `timeout` for connecting and for each answer. Connects on first use.
    ///
    /// # Errors
    /// [`IndexError`] when the URL does not parse.
    pub fn new(url: &str, ns: String, timeout: Duration) -> Result<Self, IndexError> {
        let client = Client::open(url).map_err(failed)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(2);
        let connection = ConnectionManager::new_lazy_with_config(client, config).map_err(failed)?;
        Ok(Self {
            connection,
            ns,
            scripts: Arc::new(Scripts {
                add: Script::new(ADD),
                remove: Script::new(REMOVE),
                claim: Script::new(tickets::CLAIM),
            }),
            max_open_tickets: crate::settings::IndexSettings::default().max_open_tickets,
        })
    }

    /// This index opening at most `max_open_tickets` tickets at once, all instances together.
    #[must_use]
    pub fn with_max_open_tickets(mut self, max_open_tickets: usize) -> Self {
        self.max_open_tickets = max_open_tickets;
        self
    }

    fn key(&self, name: &str) -> String {
        format!("{}:{name}", self.ns)
    }

    fn owner_prefix(&self) -> String {
        self.key("owner:")
    }

    fn conn(&self) -> ConnectionManager {
        self.connection.clone()
    }

    pub(super) async fn add(&self, entry: &Entry) -> Result<(), IndexError> {
        self.scripts
            .add
            .key(self.key("photos"))
            .key(self.key("owners"))
            .arg(&entry.key)
            .arg(entry.ms)
            .arg(entry.owner.as_deref().unwrap_or_default())
            .arg(self.owner_prefix())
            .invoke_async::<i64>(&mut self.conn())
            .await
            .map(drop)
            .map_err(failed)
    }

    pub(super) async fn remove(&self, key: &str) -> Result<(), IndexError> {
        self.scripts
            .remove
            .key(self.key("photos"))
            .key(self.key("owners"))
            .arg(key)
            .arg(self.owner_prefix())
            .invoke_async::<i64>(&mut self.conn())
            .await
            .map(drop)
            .map_err(failed)
    }

    pub(super) async fn get(&self, key: &str) -> Result<Option<Entry>, IndexError> {
        let (ms, owner): (Option<f64>, Option<String>) = redis::pipe()
            .zscore(self.key("photos"), key)
            .hget(self.key("owners"), key)
            .query_async(&mut self.conn())
            .await
            .map_err(failed)?;
        Ok(ms.map(|ms| Entry {
            key: key.to_owned(),
            ms: ms as i64,
            owner,
        }))
    }

    pub(super) async fn page(
        &self,
        owner: Option<&str>,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Vec<String>, IndexError> {
        let set = match owner {
            Some(owner) => format!("{}{owner}", self.owner_prefix()),
            None => self.key("photos"),
        };
        let mut conn = self.conn();
        let Some(cursor) = after else {
            return range_rev(&mut conn, &set, "+inf", limit).await;
        };
        // Photos of the cursor's own millisecond come first, in key order like the memory
        // index (Redis orders equal scores by their bytes).
        let ms = cursor.ms.to_string();
        let ties: Vec<String> = redis::cmd("ZRANGE")
            .arg(&set)
            .arg(&ms)
            .arg(&ms)
            .arg("BYSCORE")
            .arg("REV")
            .query_async(&mut conn)
            .await
            .map_err(failed)?;
        let mut keys: Vec<String> = ties
            .into_iter()
            .filter(|key| key.as_str() < cursor.key.as_str())
            .take(limit)
            .collect();
        if keys.len() < limit {
            let rest = range_rev(&mut conn, &set, &format!("({ms}"), limit - keys.len()).await?;
            keys.extend(rest);
        }
        Ok(keys)
    }

    pub(super) async fn all(&self) -> Result<Vec<Entry>, IndexError> {
        let (scored, owners): (
            Vec<(String, f64)>,
            std::collections::HashMap<String, String>,
        ) = redis::pipe()
            .zrange_withscores(self.key("photos"), 0, -1)
            .hgetall(self.key("owners"))
            .query_async(&mut self.conn())
            .await
            .map_err(failed)?;
        Ok(scored
            .into_iter()
            .map(|(key, ms)| Entry {
                owner: owners.get(&key).cloned(),
                key,
                ms: ms as i64,
            })
            .collect())
    }

    pub(super) async fn is_built(&self) -> Result<bool, IndexError> {
        self.conn().exists(self.key("built")).await.map_err(failed)
    }

    pub(super) async fn mark_built(&self) -> Result<(), IndexError> {
        self.conn().set(self.key("built"), 1).await.map_err(failed)
    }

    pub(super) async fn lock_rebuild(&self, ttl: Duration) -> Result<bool, IndexError> {
        set_nx(&mut self.conn(), &self.key("rebuild"), ttl).await
    }

    pub(super) async fn unlock_rebuild(&self) -> Result<(), IndexError> {
        self.conn().del(self.key("rebuild")).await.map_err(failed)
    }

    pub(super) async fn use_once(&self, id: &str, ttl: Duration) -> Result<bool, IndexError> {
        set_nx(&mut self.conn(), &self.key(&format!("once:{id}")), ttl).await
    }

    pub(super) async fn remember(
        &self,
        id: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<bool, IndexError> {
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        self.conn()
            .pset_ex::<_, _, ()>(self.key(&format!("note:{id}")), value, ttl_ms)
            .await
            .map(|()| true)
            .map_err(failed)
    }

    pub(super) async fn recall(&self, id: &str) -> Result<Option<String>, IndexError> {
        self.conn()
            .get(self.key(&format!("note:{id}")))
            .await
            .map_err(failed)
    }

    pub(super) async fn probe(&self) -> Result<(), IndexError> {
        redis::cmd("PING")
            .query_async::<String>(&mut self.conn())
            .await
            .map(drop)
            .map_err(failed)
    }

    /// Remove every key of this namespace (tests).
    ///
    /// # Errors
    /// [`IndexError`] when Redis does not answer.
    pub async fn purge(&self) -> Result<(), IndexError> {
        let mut conn = self.conn();
        let pattern = format!("{}:*", redis_glob_escape(&self.ns));
        let keys: Vec<String> = conn.keys(pattern).await.map_err(failed)?;
        if !keys.is_empty() {
            conn.del::<_, ()>(keys).await.map_err(failed)?;
        }
        Ok(())
    }
}

async fn range_rev(
    conn: &mut ConnectionManager,
    set: &str,
    max: &str,
    limit: usize,
) -> Result<Vec<String>, IndexError> {
    redis::cmd("ZRANGE")
        .arg(set)
        .arg(max)
        .arg("-inf")
        .arg("BYSCORE")
        .arg("REV")
        .arg("LIMIT")
        .arg(0)
        .arg(limit)
        .query_async(conn)
        .await
        .map_err(failed)
}

async fn set_nx(
    conn: &mut ConnectionManager,
    key: &str,
    ttl: Duration,
) -> Result<bool, IndexError> {
    let set: Option<String> = redis::cmd("SET")
        .arg(key)
        .arg(1)
        .arg("NX")
        .arg("PX")
        .arg(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1))
        .query_async(conn)
        .await
        .map_err(failed)?;
    Ok(set.is_some())
}

/// `text` with Redis glob metacharacters escaped.
fn redis_glob_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}
