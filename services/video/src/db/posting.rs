//! Storing a comment at most once per client attempt, with "failed" meaning "not stored"
//! (issue 13 item 2).
//!
//! **At most once.** The row carries its [`Attempt`]'s key (`comment.dedup_key`, unique) and
//! how long the key holds (`dedup_until`). A second insert of the same attempt fails on the
//! unique key — also while the first is still uncommitted: it waits for it — and is answered
//! with the first one's outcome ([`Posted::Replayed`]); an expired key is released
//! (`dedup_key = NULL` on the old row) and the insert tried again. So an insert may be repeated
//! safely: after a broken connection it is, once, on a fresh one.
//!
//! **"Failed" means not stored.** Three deadlines agree, on a request that began at `t0`
//! (`T` = `mysql.timeout_secs`, `M` = `mysql.statement_timeout_secs`, `S` = `mysql.clock_skew_ms`):
//!
//! 1. the insert only takes effect if the server starts it before `t0 + T − M − S` by its own
//!    clock (`UNIX_TIMESTAMP(NOW(6))` in the statement) — an insert held up in the network and
//!    delivered late changes nothing;
//! 2. the server aborts and rolls back any statement running longer than `M` (session setup,
//!    [`super::service_opts`]), so whatever started in time is over by `t0 + T − S` server time,
//!    `t0 + T` on the service's clock;
//! 3. the request gives up waiting at `t0 + T`.
//!
//! When the request gave up, or the connection broke, without an answer, the outcome is settled
//! at `t0 + T`: the service then looks the attempt's key up on a connection of its own and
//! answers by what it finds. Only when MySQL cannot be reached for that either is the answer a
//! guess ("failed"); the client's retry is then recognised as the same attempt and not stored
//! twice. Such a request takes up to `2 T`.

use std::time::{SystemTime, UNIX_EPOCH};

use mysql_async::{Conn, prelude::Queryable};
use tokio::time::{Instant, sleep_until, timeout, timeout_at};

use super::{DbError, repository::Catalogue};
use crate::{attempt::Attempt, params::NewComment};

/// Store the comment with its attempt's key, only for an existing video and only if the server
/// starts before the deadline (µs since the epoch). Parameters: nick, avatar, content,
/// dedup_key, request_hash, window (s), vid, deadline.
pub const INSERT_SQL: &str = "INSERT INTO comment \
     (vid, nick, avatar, content, dedup_key, request_hash, dedup_until) \
     SELECT id, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3) + INTERVAL ? SECOND FROM video \
     WHERE id = ? AND UNIX_TIMESTAMP(NOW(6)) * 1000000 < ?";
/// The row holding an attempt's key: id, request_hash, whether the key still holds.
pub const HOLDER_SQL: &str = "SELECT id, request_hash, dedup_until > UTC_TIMESTAMP(3) \
     FROM comment WHERE dedup_key = ?";
/// Release an expired key so a new attempt may take it.
pub const RELEASE_SQL: &str =
    "UPDATE comment SET dedup_key = NULL WHERE id = ? AND dedup_until <= UTC_TIMESTAMP(3)";
/// Whether a video exists (to tell "no such video" from "too late" after an empty insert).
pub const VIDEO_EXISTS_SQL: &str = "SELECT EXISTS (SELECT 1 FROM video WHERE id = ?)";
/// The live row of an attempt, when the outcome of its insert is unknown.
pub const CONFIRM_SQL: &str = "SELECT id, request_hash FROM comment \
     WHERE dedup_key = ? AND dedup_until > UTC_TIMESTAMP(3)";

/// `ER_DUP_ENTRY`: the attempt's key is taken.
const ER_DUP_ENTRY: u16 = 1062;
/// Releases of expired keys one insert may go through before giving up (each needs another
/// request to take the key in between; one is the normal case).
const RELEASES: usize = 3;

/// What became of a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Posted {
    /// Stored (committed) now, with this id.
    Stored(u64),
    /// Stored before by the same attempt (same key, same comment), with this id; not again.
    Replayed(u64),
    /// No video has that id; nothing was stored.
    NoSuchVideo,
    /// The `Idempotency-Key` names another comment; nothing was stored.
    KeyReused,
}

/// Why one try did not store: for sure, or perhaps.
enum Failure {
    NotStored(DbError),
    Unknown(DbError),
}

impl Catalogue {
    /// Store `comment` as `attempt` (module docs).
    ///
    /// # Errors
    /// [`DbError`] when MySQL failed, refused or did not answer in time: the comment is not
    /// stored — unless MySQL could not be reached to confirm it either (then logged as unknown).
    pub async fn post(&self, comment: &NewComment, attempt: &Attempt) -> Result<Posted, DbError> {
        let settled_at = Instant::now() + self.timeout;
        let start_within = self.timeout.saturating_sub(self.settle);
        let start_by = unix_micros(SystemTime::now() + start_within);
        let once = || self.try_post(comment, attempt, start_by, settled_at);
        let unknown = match once().await {
            Ok(posted) => return Ok(posted),
            Err(Failure::NotStored(error)) => return Err(error),
            Err(Failure::Unknown(error)) if error.is_broken_connection() => {
                log::warn!("retrying a comment on a new connection after: {error}");
                match once().await {
                    Ok(posted) => return Ok(posted),
                    Err(Failure::NotStored(error)) => return Err(error),
                    Err(Failure::Unknown(error)) => error,
                }
            }
            Err(Failure::Unknown(error)) => error,
        };
        self.confirm(attempt, settled_at, unknown).await
    }

    /// One try on a pooled connection, given up at `settled_at`.
    async fn try_post(
        &self,
        comment: &NewComment,
        attempt: &Attempt,
        start_by: u64,
        settled_at: Instant,
    ) -> Result<Posted, Failure> {
        // Nothing has been sent before there is a connection.
        let mut conn = match timeout_at(settled_at, self.pool.get_conn()).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(error)) => return Err(Failure::NotStored(error.into())),
            Err(_) => return Err(Failure::NotStored(DbError::Timeout(self.timeout))),
        };
        match timeout_at(settled_at, insert(&mut conn, comment, attempt, start_by)).await {
            Ok(Ok(posted)) => Ok(posted),
            Ok(Err(error)) if error.is_broken_connection() => Err(Failure::Unknown(error)),
            // The server answered: an autocommit insert that failed left nothing.
            Ok(Err(error)) => Err(Failure::NotStored(error)),
            Err(_) => Err(Failure::Unknown(DbError::Timeout(self.timeout))),
        }
    }

    /// Once the outcome is settled, look the attempt up on a connection of its own.
    async fn confirm(
        &self,
        attempt: &Attempt,
        settled_at: Instant,
        error: DbError,
    ) -> Result<Posted, DbError> {
        sleep_until(settled_at).await;
        let lookup = async {
            let mut conn = Conn::new(self.opts.clone()).await?;
            let row: Option<(u64, Option<Vec<u8>>)> = conn
                .exec_first(CONFIRM_SQL, (attempt.dedup_key().as_slice(),))
                .await?;
            if let Err(error) = conn.disconnect().await {
                log::debug!("closing the confirmation connection: {error}");
            }
            Ok::<_, mysql_async::Error>(row)
        };
        match timeout(self.timeout, lookup).await {
            Ok(Ok(Some((id, hash)))) if hash.as_deref() == Some(attempt.request_hash()) => {
                log::warn!("comment {id} was stored after all (confirmed after: {error})");
                Ok(Posted::Stored(id))
            }
            Ok(Ok(Some(_))) => Ok(Posted::KeyReused),
            Ok(Ok(None)) => {
                log::info!("comment not stored (confirmed) after: {error}");
                Err(error)
            }
            Ok(Err(lookup)) => {
                log::error!("a comment's outcome is unknown after: {error}; looking: {lookup}");
                Err(error)
            }
            Err(_) => {
                log::error!("a comment's outcome is unknown after: {error}; looking timed out");
                Err(error)
            }
        }
    }
}

/// The insert of one try, releasing an expired key on the way (module docs).
async fn insert(
    conn: &mut Conn,
    comment: &NewComment,
    attempt: &Attempt,
    start_by: u64,
) -> Result<Posted, DbError> {
    let key = attempt.dedup_key().as_slice();
    for _ in 0..RELEASES {
        let params = (
            comment.nick(),
            comment.avatar(),
            comment.content(),
            key,
            attempt.request_hash().as_slice(),
            attempt.window().as_secs(),
            comment.vid().get(),
            start_by,
        );
        match conn.exec_drop(INSERT_SQL, params).await {
            Ok(()) if conn.affected_rows() > 0 => {
                return Ok(Posted::Stored(conn.last_insert_id().unwrap_or_default()));
            }
            Ok(()) => {
                let exists: Option<bool> = conn
                    .exec_first(VIDEO_EXISTS_SQL, (comment.vid().get(),))
                    .await?;
                return match exists {
                    Some(true) => Err(DbError::Late),
                    _ => Ok(Posted::NoSuchVideo),
                };
            }
            Err(mysql_async::Error::Server(error)) if error.code == ER_DUP_ENTRY => {}
            Err(error) => return Err(error.into()),
        }
        let holder: Option<(u64, Option<Vec<u8>>, bool)> =
            conn.exec_first(HOLDER_SQL, (key,)).await?;
        match holder {
            Some((id, hash, true)) => {
                return Ok(if hash.as_deref() == Some(attempt.request_hash()) {
                    Posted::Replayed(id)
                } else {
                    Posted::KeyReused
                });
            }
            Some((id, _, false)) => conn.exec_drop(RELEASE_SQL, (id,)).await?,
            // Released or deleted in between: the key is free again.
            None => {}
        }
    }
    Err(DbError::Contended)
}

/// Microseconds since the Unix epoch (0 for a clock before it).
fn unix_micros(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|since| u64::try_from(since.as_micros()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}
