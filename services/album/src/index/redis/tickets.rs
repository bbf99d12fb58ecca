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

/// Open a ticket unless the schedule already holds ARGV[1] tickets (a key it holds may always
/// be saved again). KEYS: tickets, the ticket's record. ARGV: most open tickets, key, next
/// check ms, record JSON, record lifetime in s. Returns 1 when opened, 0 when full.
pub(super) const OPEN: &str = r"
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) and not redis.call('ZSCORE', KEYS[1], ARGV[2]) then
  return 0
end
redis.call('SET', KEYS[2], ARGV[4], 'EX', ARGV[5])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
return 1
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
    /// Open a new ticket: saved and scheduled unless the schedule holds `max_open_tickets`
    /// tickets, counted and saved in one script (atomic on the server, one round trip, for
    /// every instance together). Tickets a checker has claimed at that moment are off the
    /// schedule and not counted, so the bound may be passed by at most one claim batch per
    /// instance. `Ok(false)`: full, nothing saved.
    pub(in crate::index) async fn open_ticket(&self, ticket: &Ticket) -> Result<bool, IndexError> {
        let now_ms = millis(SystemTime::now());
        let opened: i64 = self
            .scripts
            .open
            .key(self.key("tickets"))
            .key(self.key(&format!("ticket:{}", ticket.key)))
            .arg(self.max_open_tickets)
            .arg(&ticket.key)
            .arg(ticket.next_check_ms)
            .arg(ticket.to_json())
            .arg(record_lifetime_secs(ticket, now_ms))
            .invoke_async(&mut self.conn())
            .await
            .map_err(failed)?;
        Ok(opened == 1)
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
