//! The album's own records, beside the photos in the store: which photos are listed (newest
//! first, per owner), who owns each, the direct-upload tickets still open and the v4 one-time
//! signatures already used.
//!
//! Why an index: the original listed the bucket on every `/list` and sorted it (~125 ms p50 at
//! 1,000 images, growing with the album). Here a page is a range read of a sorted set, the same
//! cost at 100 and at 100,000 photos, and a photo is listed only once the album has seen its
//! bytes (through-server uploads at once, direct uploads when confirmed or checked — see
//! [`crate::verify`]). The index is rebuilt from the store when it is empty and reconciled with
//! it periodically ([`crate::verify::reconcile`]), so objects put behind the album's back (the
//! original `{ms}-{id}.{ext}` keys of an old bucket) are listed too.
//!
//! Two stores ([`crate::settings::IndexStore`]): [`MemoryIndex`] for one instance, and
//! [`RedisIndex`], shared by every instance.

mod memory;
mod redis;
mod ticket;

use std::time::Duration;

pub use memory::MemoryIndex;
pub use redis::RedisIndex;
pub use ticket::{Ticket, TicketState};

/// A photo in the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its object key.
    pub key: String,
    /// When it was stored, milliseconds since the epoch: the listing order (newest first).
    pub ms: i64,
    /// The openid of the user who uploaded it; `None` for anonymous uploads.
    pub owner: Option<String>,
}

/// Where a page starts: after this photo, in newest-first order (`ms` descending, then key
/// descending).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The photo's time.
    pub ms: i64,
    /// Its key.
    pub key: String,
}

impl Cursor {
    /// Whether `(ms, key)` comes after this cursor in newest-first order.
    pub fn precedes(&self, ms: i64, key: &str) -> bool {
        (ms, key) < (self.ms, self.key.as_str())
    }
}

/// The index did not answer (Redis down or a malformed record).
#[derive(Debug, thiserror::Error)]
#[error("album index: {0}")]
pub struct IndexError(pub String);

/// The index, in process memory or in Redis.
#[derive(Debug, Clone)]
pub enum Index {
    /// One instance.
    Memory(MemoryIndex),
    /// Shared through Redis.
    Redis(RedisIndex),
}

macro_rules! delegate {
    ($self:ident, $index:ident => $call:expr) => {
        match $self {
            Index::Memory($index) => $call.await,
            Index::Redis($index) => $call.await,
        }
    };
}

impl Index {
    /// List `entry` (replacing an earlier record of the same key).
    ///
    /// # Errors
    /// [`IndexError`] when the store does not answer.
    pub async fn add(&self, entry: &Entry) -> Result<(), IndexError> {
        delegate!(self, index => index.add(entry))
    }

    /// Unlist `key` (a missing key is fine).
    ///
    /// # Errors
    /// [`IndexError`] when the store does not answer.
    pub async fn remove(&self, key: &str) -> Result<(), IndexError> {
        delegate!(self, index => index.remove(key))
    }

    /// The record of `key`, if listed.
    ///
    /// # Errors
    /// [`IndexError`] when the store does not answer.
    pub async fn get(&self, key: &str) -> Result<Option<Entry>, IndexError> {
        delegate!(self, index => index.get(key))
    }

    /// Up to `limit` keys, newest first, after `after` when given; only `owner`'s when given.
    ///
    /// # Errors
    /// [`IndexError`] when the store does not answer.
    pub async fn page(
        &self,
        owner: Option<&str>,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Vec<String>, IndexError> {
        delegate!(self, index => index.page(owner, after, limit))
    }

    /// Every listed entry (reconciliation only: this reads the whole index).
    ///
    /// # Errors
    /// [`IndexError`] when the store does not answer.
    pub async fn all(&self) -> Result<Vec<Entry>, IndexError> {
        delegate!(self, index => index.all())
    }

    /// Whether the index was ever built from the store.
    ///
    /// # Errors
    /// [`IndexError`] when the store does not answer.
    pub async fn is_built(&self) -> Result<bool, IndexError> {
        delegate!(self, index => index.is_built())
    }

    /// Record that the index has been built from the store.
    ///
    /// # Errors
    /// [`IndexError`] when the store does not answer.
    pub async fn mark_built(&self) -> Result<(), IndexError> {
        delegate!(self, index => index.mark_built())
    }

    /// Take the reconciliation lock for `ttl` (one instance reconciles at a time); `false`
    /// when another holds it.
    ///
    /// # Errors
    /// [`IndexError`] when the store does not answer.
    pub async fn lock_rebuild(&self, ttl: Duration) -> Result<bool, IndexError> {
        delegate!(self, index => index.lock_rebuild(ttl))
    }

    /// Free the reconciliation lock.
    ///
    /// # Errors
    /// [`IndexError`] when the store does not answer.
    pub async fn unlock_rebuild(&self) -> Result<(), IndexError> {
        delegate!(self, index => index.unlock_rebuild())
    }

    /// Store a new direct-upload ticket and schedule its first check, as [`Self::save_ticket`],
    /// unless the index already holds `index.max_open_tickets` open tickets: counted and saved
    /// in one step (in memory under one lock; on Redis, for all instances together, one
    /// transaction that saves and counts, a new key past the bound taken back at once, and
    /// tickets a checker has claimed at that moment not counted), so the bound holds under
    /// concurrency.
    ///
    /// `Ok(false)`: full, nothing saved.
    ///
    /// # Errors
    /// [`IndexError`] when the store does not answer.
    pub async fn open_ticket(&self, ticket: &Ticket) -> Result<bool, IndexError> {
        match self {
            Index::Memory(index) => Ok(index.open_ticket(ticket)),
            Index::Redis(index) => index.open_ticket(ticket).await,
        }
    }

    /// Store `ticket` and schedule its next check at `ticket.next_check_ms`.
    ///
    /// # Errors
    /// [`IndexError`] when the store does not answer.
    pub async fn save_ticket(&self, ticket: &Ticket) -> Result<(), IndexError> {
        self.save_tickets(std::slice::from_ref(ticket)).await
    }

    /// Store `tickets` and schedule each one's next check, together (on Redis: one
    /// transaction, one round trip — the checker saves a round's waiting tickets so).
    ///
    /// # Errors
    /// [`IndexError`] when the store does not answer; then none was saved on Redis.
    pub async fn save_tickets(&self, tickets: &[Ticket]) -> Result<(), IndexError> {
        delegate!(self, index => index.save_tickets(tickets))
    }

    /// The ticket of `key`, while it is open.
    ///
    /// # Errors
    /// [`IndexError`] when the store does not answer or the record is malformed.
    pub async fn ticket(&self, key: &str) -> Result<Option<Ticket>, IndexError> {
        delegate!(self, index => index.ticket(key))
    }

    /// Claim up to `limit` tickets whose check is due at `now_ms`: each is unscheduled
    /// atomically, so one instance checks it; the checker saves it again or drops it.
    ///
    /// # Errors
    /// [`IndexError`] when the store does not answer.
    pub async fn claim_due(&self, now_ms: i64, limit: usize) -> Result<Vec<Ticket>, IndexError> {
        delegate!(self, index => index.claim_due(now_ms, limit))
    }

    /// Whether any ticket is scheduled at or before `now_ms` (so `/list` wakes the checker).
    ///
    /// # Errors
    /// [`IndexError`] when the store does not answer.
    pub async fn has_due(&self, now_ms: i64) -> Result<bool, IndexError> {
        delegate!(self, index => index.has_due(now_ms))
    }

    /// Forget the ticket of `key`.
    ///
    /// # Errors
    /// [`IndexError`] when the store does not answer.
    pub async fn drop_ticket(&self, key: &str) -> Result<(), IndexError> {
        delegate!(self, index => index.drop_ticket(key))
    }

    /// Record a one-time use of `id` for `ttl`; `true` on the first use, `false` after.
    ///
    /// # Errors
    /// [`IndexError`] when the store does not answer, or when the memory index already holds
    /// `index.max_remembered` ids and `id` is new (the v4 upload then answers its store
    /// failure) until some expire.
    pub async fn use_once(&self, id: &str, ttl: Duration) -> Result<bool, IndexError> {
        delegate!(self, index => index.use_once(id, ttl))
    }

    /// Keep `value` under `id` for `ttl` (who a v4 signature was issued to), replacing what
    /// `id` held. `Ok(false)`: the memory index already remembers `index.max_remembered`
    /// other ids, nothing kept (the Redis index always keeps: Redis's `maxmemory` bounds it).
    ///
    /// # Errors
    /// [`IndexError`] when the store does not answer.
    pub async fn remember(&self, id: &str, value: &str, ttl: Duration) -> Result<bool, IndexError> {
        delegate!(self, index => index.remember(id, value, ttl))
    }

    /// The value kept under `id`, while it lives.
    ///
    /// # Errors
    /// [`IndexError`] when the store does not answer.
    pub async fn recall(&self, id: &str) -> Result<Option<String>, IndexError> {
        delegate!(self, index => index.recall(id))
    }

    /// Readiness: the index answers.
    ///
    /// # Errors
    /// The cause, as text for the log.
    pub async fn probe(&self) -> Result<(), String> {
        match self {
            Self::Memory(_) => Ok(()),
            Self::Redis(index) => index.probe().await.map_err(|error| error.to_string()),
        }
    }
}

/// The time of a key of the original form `{ms}-{id}.{ext}` (the 13 leading digits), for a
/// cursor naming a photo the index no longer holds.
pub fn key_time(key: &str) -> Option<i64> {
    let name = key.rsplit('/').next()?;
    let (digits, _) = name.split_once('-')?;
    (!digits.is_empty() && digits.len() <= 15 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

#[cfg(test)]
mod tests;
