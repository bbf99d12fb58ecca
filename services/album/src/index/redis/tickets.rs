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

impl RedisIndex {
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
            let last_check_ms = ticket.next_check_ms.max(ticket.expires_ms);
            let lives = u64::try_from(last_check_ms.saturating_sub(now_ms).max(0))
                .unwrap_or_default()
                / 1000
                + TICKET_RECORD_SLACK.as_secs();
            pipe.set_ex(
                self.key(&format!("ticket:{}", ticket.key)),
                ticket.to_json(),
                lives,
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
