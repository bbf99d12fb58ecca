//! The shared seat list in Redis: which rooms, on which nodes, have free seats.
//!
//! `{prefix}:open` lists entries `node|room`, newest first; `{prefix}:free` holds each listed
//! entry's free seats. Every change is one Lua script, so claims from several nodes never
//! take one seat twice. The owner of a room stays the judge: a seat claimed here is confirmed
//! or refused by the owner's matchmaker (a stale entry, a room that filled locally).

use redis::{Script, aio::MultiplexedConnection};

use super::super::room::RoomId;

/// Claims a seat of the first listed room, or lists the caller's new room:
/// `KEYS[1]` open, `KEYS[2]` free; `ARGV[1]` the new room's entry, `ARGV[2]` its free seats
/// once the caller sits in it. Returns the claimed entry, or nil when the caller's room was
/// listed.
const CLAIM_OR_LIST: &str = r"
local entry = redis.call('LINDEX', KEYS[1], 0)
if entry then
  local left = redis.call('HINCRBY', KEYS[2], entry, -1)
  if left <= 0 then
    redis.call('LREM', KEYS[1], 1, entry)
    redis.call('HDEL', KEYS[2], entry)
  end
  return entry
end
if tonumber(ARGV[2]) > 0 then
  redis.call('LPUSH', KEYS[1], ARGV[1])
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
end
return false
";

/// Claims one seat of entry `ARGV[1]` (a bot's): 1 if it was free, 0 if not.
const CLAIM: &str = r"
local left = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if left <= 0 then return 0 end
if left == 1 then
  redis.call('LREM', KEYS[1], 1, ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
else
  redis.call('HINCRBY', KEYS[2], ARGV[1], -1)
end
return 1
";

/// Sets entry `ARGV[1]`'s free seats to `ARGV[2]`: listed (at the front if new) when above 0,
/// unlisted otherwise.
const SET_FREE: &str = r"
local free = tonumber(ARGV[2])
if free > 0 then
  if redis.call('HSET', KEYS[2], ARGV[1], free) == 1 then
    redis.call('LPUSH', KEYS[1], ARGV[1])
  end
else
  redis.call('LREM', KEYS[1], 0, ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
end
return 1
";

/// `ARGV[2]` seats of entry `ARGV[1]` are free again: listed at the front when it was not
/// listed, so a player's next claim finds its old room first, as on one node. (An entry is
/// listed exactly while it has a count: every script that unlists one deletes its count.)
const RELEASE: &str = r"
local seats = tonumber(ARGV[2])
if redis.call('HINCRBY', KEYS[2], ARGV[1], seats) == seats then
  redis.call('LPUSH', KEYS[1], ARGV[1])
end
return 1
";

/// Unlists every entry of node `ARGV[1]` (a dead node); returns how many.
const PURGE_NODE: &str = r"
local prefix = ARGV[1] .. '|'
local removed = 0
for _, entry in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  if string.sub(entry, 1, string.len(prefix)) == prefix then
    redis.call('LREM', KEYS[1], 0, entry)
    redis.call('HDEL', KEYS[2], entry)
    removed = removed + 1
  end
end
return removed
";

/// The seat list over one connection.
#[derive(Clone)]
pub(crate) struct Lobby {
    connection: MultiplexedConnection,
    open: String,
    free: String,
}

/// A listed room: its owner node and number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) node: String,
    pub(crate) room: RoomId,
}

impl Entry {
    fn parse(text: &str) -> Option<Self> {
        let (node, room) = text.rsplit_once('|')?;
        Some(Self {
            node: node.to_owned(),
            room: room.parse().ok()?,
        })
    }
}

/// `node|room`.
pub(crate) fn entry(node: &str, room: RoomId) -> String {
    format!("{node}|{room}")
}

impl Lobby {
    pub(crate) fn new(connection: MultiplexedConnection, prefix: &str) -> Self {
        Self {
            connection,
            open: format!("{prefix}:open"),
            free: format!("{prefix}:free"),
        }
    }

    async fn run<T: redis::FromRedisValue>(
        &mut self,
        script: &str,
        args: &[&str],
    ) -> redis::RedisResult<T> {
        let script = Script::new(script);
        let mut invocation = script.key(&self.open);
        invocation.key(&self.free);
        for arg in args {
            invocation.arg(*arg);
        }
        invocation.invoke_async(&mut self.connection).await
    }

    /// Claims the first listed seat, or lists `mine` with `free_after` seats (see
    /// [`CLAIM_OR_LIST`]). `Some(entry)`: a seat of that room is the caller's.
    ///
    /// # Errors
    /// Redis unreachable.
    pub(crate) async fn claim_or_list(
        &mut self,
        mine: &str,
        free_after: usize,
    ) -> redis::RedisResult<Option<Entry>> {
        let free = free_after.to_string();
        let claimed: Option<String> = self.run(CLAIM_OR_LIST, &[mine, &free]).await?;
        Ok(claimed.as_deref().and_then(Entry::parse))
    }

    /// Claims one seat of `entry` (for a bot): `true` when no one had claimed it.
    ///
    /// # Errors
    /// Redis unreachable.
    pub(crate) async fn claim(&mut self, entry: &str) -> redis::RedisResult<bool> {
        let claimed: i64 = self.run(CLAIM, &[entry]).await?;
        Ok(claimed == 1)
    }

    /// Lists `entry` with `free` seats, or unlists it when `free` is 0.
    ///
    /// # Errors
    /// Redis unreachable.
    pub(crate) async fn set_free(&mut self, entry: &str, free: usize) -> redis::RedisResult<()> {
        let free = free.to_string();
        let _: i64 = self.run(SET_FREE, &[entry, &free]).await?;
        Ok(())
    }

    /// `seats` more free seats in `entry` (see [`RELEASE`]); nothing when `seats` is 0.
    ///
    /// # Errors
    /// Redis unreachable.
    pub(crate) async fn release(&mut self, entry: &str, seats: usize) -> redis::RedisResult<()> {
        if seats == 0 {
            return Ok(());
        }
        let seats = seats.to_string();
        let _: i64 = self.run(RELEASE, &[entry, &seats]).await?;
        Ok(())
    }

    /// Unlists every room of `node`.
    ///
    /// # Errors
    /// Redis unreachable.
    pub(crate) async fn purge_node(&mut self, node: &str) -> redis::RedisResult<u64> {
        self.run(PURGE_NODE, &[node]).await
    }
}

impl std::fmt::Debug for Lobby {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lobby").field("open", &self.open).finish()
    }
}
