//! The upload tickets of [`RedisIndex`]: `…:ticket:{key}` records and the `…:tickets`
//! schedule (the key table is in the parent module).

use std::time::{Duration, SystemTime};

use redis::AsyncCommands;

use super::{RedisIndex, failed};
use crate::{
    index::{IndexError, Ticket},
    verify::millis,
};

/// Take the due tickets off the schedule. KEYS: tickets. ARGV: now ms, limit.
pub(super) const CLAIM: &str = r"
local due = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, ARGV[2])
if #due > 0 then redis.call('ZREM', KEYS[1], unpack(due)) end
return due
";

/// A ticket record outlives its last scheduled check by this much, in case the checker is
/// down for a while; the checker drops it itself after the final check.
const TICKET_RECORD_SLACK: Duration = Duration::from_secs(24 * 3600);

/// Seconds a ticket's record lives in Redis, saved at `now_ms`: past its last scheduled check
/// by [`TICKET_RECORD_SLACK`].
fn record_lifetime_secs(ticket: &Ticket, now_ms: i64) -> u64 {
    let last_check_ms = ticket.next_check_ms.max(ticket.expires_ms);
    u64::try_from(last_check_ms.saturating_sub(now_ms).max(0)).unwrap_or_default() / 1000
        + TICKET_RECORD_SLACK.as_secs()
}

impl RedisIndex {
    /// Open a new ticket unless the schedule holds `max_open_tickets` tickets, for every
    /// instance together: saved, scheduled and counted in one transaction (one round trip);
    /// a new key that made the count pass the bound is taken back at once (a second round
    /// trip, only when full). So concurrent openers never keep more than the bound; while a
    /// refused one is being taken back, others may be refused too (never too many kept).
    /// Tickets a checker has claimed at that moment are off the schedule and not counted, so
    /// the bound may be passed by at most one claim batch per instance. A key that is open
    /// already is saved again. `Ok(false)`: full, nothing kept.
    ///
    /// (A Lua script that counts before saving does the same in one step, but cost Redis
    /// about a tenth of this route's throughput in `scripts/bench/album`.)
    pub(in crate::index) async fn open_ticket(&self, ticket: &Ticket) -> Result<bool, IndexError> {
        let now_ms = millis(SystemTime::now());
        let record = self.key(&format!("ticket:{}", ticket.key));
        let schedule = self.key("tickets");
        let mut conn = self.conn();
        let (added, open): (u64, u64) = redis::pipe()
            .atomic()
            .set_ex(
                &record,
                ticket.to_json(),
                record_lifetime_secs(ticket, now_ms),
            )
            .ignore()
            .zadd(&schedule, &ticket.key, ticket.next_check_ms)
            .zcard(&schedule)
            .query_async(&mut conn)
            .await
            .map_err(failed)?;
        if added == 1 && open > u64::try_from(self.max_open_tickets).unwrap_or(u64::MAX) {
            redis::pipe()
                .atomic()
                .del(&record)
                .zrem(&schedule, &ticket.key)
                .query_async::<()>(&mut conn)
                .await
                .map_err(failed)?;
            return Ok(false);
        }
        Ok(true)
    }

    /// Save `tickets` and their schedule, all in one transaction (one round trip).
    pub(in crate::index) async fn save_tickets(
        &self,
        tickets: &[Ticket],
    ) -> Result<(), IndexError> {
        if tickets.is_empty() {
            return Ok(());
        }
        let now_ms = millis(SystemTime::now());
        let mut pipe = redis::pipe();
        pipe.atomic();
        for ticket in tickets {
            pipe.set_ex(
                self.key(&format!("ticket:{}", ticket.key)),
                ticket.to_json(),
                record_lifetime_secs(ticket, now_ms),
            )
            .zadd(self.key("tickets"), &ticket.key, ticket.next_check_ms);
        }
        pipe.query_async::<()>(&mut self.conn())
            .await
            .map_err(failed)
    }

    pub(in crate::index) async fn ticket(&self, key: &str) -> Result<Option<Ticket>, IndexError> {
        let json: Option<String> = self
            .conn()
            .get(self.key(&format!("ticket:{key}")))
            .await
            .map_err(failed)?;
        json.map(|json| Ticket::from_json(&json))
            .transpose()
            .map_err(|error| IndexError(format!("ticket record of {key}: {error}")))
    }

    pub(in crate::index) async fn claim_due(
        &self,
        now_ms: i64,
        limit: usize,
    ) -> Result<Vec<Ticket>, IndexError> {
        let mut conn = self.conn();
        let keys: Vec<String> = self
            .scripts
            .claim
            .key(self.key("tickets"))
            .arg(now_ms)
            .arg(limit)
            .invoke_async(&mut conn)
            .await
            .map_err(failed)?;
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let records: Vec<String> = keys
            .iter()
            .map(|k| self.key(&format!("ticket:{k}")))
            .collect();
        let values: Vec<Option<String>> = conn.mget(records).await.map_err(failed)?;
        let mut tickets = Vec::with_capacity(values.len());
        for (key, value) in keys.iter().zip(values) {
            match value.map(|json| Ticket::from_json(&json)) {
                Some(Ok(ticket)) => tickets.push(ticket),
                Some(Err(error)) => log::error!("dropping the malformed ticket of {key}: {error}"),
                None => {}
            }
        }
        Ok(tickets)
    }

    pub(in crate::index) async fn has_due(&self, now_ms: i64) -> Result<bool, IndexError> {
        let count: i64 = self
            .conn()
            .zcount(self.key("tickets"), "-inf", now_ms)
            .await
            .map_err(failed)?;
        Ok(count > 0)
    }

    pub(in crate::index) async fn drop_ticket(&self, key: &str) -> Result<(), IndexError> {
        redis::pipe()
            .atomic()
            .del(self.key(&format!("ticket:{key}")))
            .zrem(self.key("tickets"), key)
            .query_async::<()>(&mut self.conn())
            .await
            .map_err(failed)
    }
}
