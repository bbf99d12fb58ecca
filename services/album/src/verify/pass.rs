//! A pass of the checker: the tickets due are claimed in rounds of one listing page, those a
//! listing of the store shows still absent are rescheduled together, the rest checked one by
//! one.

use std::{collections::HashSet, time::Duration};

use super::{CheckError, Checker};
use crate::index::{Ticket, TicketState};

/// Tickets claimed per round of a pass: as many as one listing page holds (S3's and COS's
/// `max-keys` limit), so a burst of tickets is looked at with one listing per 1,000 rather
/// than per 100.
const CLAIM_BATCH: usize = 1000;
/// Pending tickets issued at most this far apart are looked at with one listing of the store
/// (their keys begin with the issue time in ms, so they are neighbours in key order).
const LISTING_SPAN: Duration = Duration::from_secs(10);
/// The fewest pending tickets looked at with one listing rather than a `HEAD` each (a narrow
/// listing costs the store about what a `HEAD` does).
const LISTING_MIN_RUN: usize = 2;

impl Checker {
    /// The keys of `due` tickets that listings of the store show still absent, so that they
    /// need no `HEAD` each: pending tickets before their final check, in runs of at least
    /// [`LISTING_MIN_RUN`] issued within [`LISTING_SPAN`] of each other, one listing per run
    /// ([`crate::storage::Storage::absent_among`]; stores that cannot list by key range:
    /// none). A final check always looks at the key itself. A listing that fails leaves its
    /// run to the `HEAD`s.
    async fn absent_by_listing(&self, due: &[Ticket], now_ms: i64) -> HashSet<String> {
        let mut absent = HashSet::new();
        let mut pending: Vec<&Ticket> = due
            .iter()
            .filter(|ticket| ticket.state == TicketState::Pending && !self.is_final(ticket, now_ms))
            .collect();
        pending.sort_by(|a, b| a.key.cmp(&b.key));
        let span = i64::try_from(LISTING_SPAN.as_millis()).unwrap_or(i64::MAX);
        let mut rest = pending.as_slice();
        while let Some(first) = rest.first() {
            let len = rest
                .iter()
                .position(|ticket| ticket.issued_ms.abs_diff(first.issued_ms) > span.unsigned_abs())
                .unwrap_or(rest.len());
            let (run, after) = rest.split_at(len);
            rest = after;
            if run.len() < LISTING_MIN_RUN {
                continue;
            }
            let keys: Vec<&str> = run.iter().map(|ticket| ticket.key.as_str()).collect();
            match self.storage.absent_among(&keys).await {
                None => return absent,
                Some(Ok(found)) => absent.extend(found),
                Some(Err(error)) => {
                    log::warn!("listing {} direct-upload keys failed: {error}", keys.len());
                }
            }
        }
        absent
    }

    /// One pass over the tickets due at `now_ms`; returns how many were checked.
    ///
    /// # Errors
    /// [`CheckError`] of the index; a ticket whose check failed on the store is rescheduled.
    pub async fn pass(&self, now_ms: i64) -> Result<usize, CheckError> {
        let mut checked = 0;
        loop {
            let due = self.index.claim_due(now_ms, CLAIM_BATCH).await?;
            if due.is_empty() {
                return Ok(checked);
            }
            let absent = self.absent_by_listing(&due, now_ms).await;
            // Tickets the listing saw still waiting for their upload: saved together below.
            let mut waiting = Vec::with_capacity(absent.len());
            for mut ticket in due {
                checked += 1;
                if absent.contains(&ticket.key) {
                    waiting.extend(self.rescheduled(ticket, now_ms));
                    continue;
                }
                let last = self.is_final(&ticket, now_ms);
                if let Err(error) = self.check(&mut ticket, last).await {
                    log::warn!("checking the direct upload {} failed: {error}", ticket.key);
                    // Try again at the next interval, final check or not.
                    let interval = i64::try_from(self.interval.as_millis()).unwrap_or(0);
                    ticket.next_check_ms = now_ms.saturating_add(interval);
                    self.index.save_ticket(&ticket).await?;
                    continue;
                }
                self.reschedule(ticket, now_ms).await?;
            }
            self.index.save_tickets(&waiting).await?;
        }
    }
}
