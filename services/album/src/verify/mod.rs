//! Checking what arrived in the store directly, and keeping the index in step with the store.
//!
//! A direct upload goes from the client to the store; the album sees it afterwards. Its
//! ticket ([`crate::index::Ticket`]) is checked when the client confirms (`POST …/confirm`),
//! when `/list` finds tickets due, and by a background pass every
//! `upload.verify_interval_secs` ([`Checker::run`]):
//!
//! - an object within the size limit whose first bytes are the signed image kind is listed,
//!   owned by the ticket's user;
//! - anything else is deleted and never listed (`仅jpg/png格式`, `单个不超过5MB`);
//! - once a ticket's object has been seen, the ticket is spent: a later object under its key
//!   (a POST policy used twice, a PUT after the photo was deleted) is deleted;
//! - a ticket whose object has not arrived is looked at less and less often (its age, at least
//!   `upload.verify_interval_secs`, at most a quarter of its lifetime); on S3 and COS, tickets
//!   due together and issued close together are looked at with one listing of the store rather
//!   than a `HEAD` each ([`crate::storage::Storage::absent_among`]);
//! - `upload.verify_grace_secs` after the signature expires, the final check drops the ticket.
//!
//! [`reconcile`] builds the index from a full listing when it is empty and reconciles it with
//! the store periodically.

mod pass;
mod reconcile;

use std::{
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use tokio::sync::{Notify, watch};
use tokio_util::sync::CancellationToken;

pub use reconcile::{ReconcileReport, reconcile};

use crate::{
    index::{Entry, Index, IndexError, Ticket, TicketState},
    messages::{MSG_NO_FILEID, MSG_NOT_IMAGE, MSG_TICKET_USED, too_large_message},
    storage::{Head, Storage},
};

/// A new ticket is first looked at this long after it is issued (a client that uploads at
/// once is then seen by the next `/list`).
const FIRST_CHECK: Duration = Duration::from_secs(1);

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The object is listed.
    Listed,
    /// The object was refused and deleted; the original's message.
    Rejected(String),
    /// Nothing under the key yet.
    Missing,
}

/// A check could not finish (the store or the index did not answer); it is retried later.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The object store failed.
    #[error("storage: {0}")]
    Store(#[from] object_store::Error),
    /// The index failed.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// A backend's own call failed (Cloud Run: deleting an unreadable upload).
    #[error("storage: {0:#}")]
    Backend(#[from] anyhow::Error),
}

/// Milliseconds since the epoch of `at`.
pub fn millis(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

/// When the checker's background work runs (from `upload.*` and `index.*`).
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Between two passes over due tickets (`upload.verify_interval_secs`).
    pub interval: Duration,
    /// After a ticket's expiry before its final check (`upload.verify_grace_secs`).
    pub grace: Duration,
    /// Between full reconciliations (`index.rebuild_interval_secs`; `None` = never).
    pub reconcile_every: Option<Duration>,
    /// Age of a multipart upload counted as abandoned (`upload.abandoned_after_secs`).
    pub abandoned_after: Duration,
    /// Between two sweeps of abandoned uploads (`upload.sweep_interval_secs`).
    pub sweep_every: Duration,
}

/// The checker of direct uploads. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Checker {
    storage: Storage,
    index: Index,
    interval: Duration,
    grace_ms: i64,
    timing: Timing,
    wake: Arc<Notify>,
    built: watch::Sender<bool>,
}

impl Checker {
    /// A checker of `index`'s tickets against `storage`, working to `timing`.
    pub fn new(storage: Storage, index: Index, timing: Timing) -> Self {
        Self {
            storage,
            index,
            interval: timing.interval,
            grace_ms: i64::try_from(timing.grace.as_millis()).unwrap_or(i64::MAX),
            timing,
            wake: Arc::new(Notify::new()),
            built: watch::Sender::new(false),
        }
    }

    /// Abort the multipart uploads abandoned at `now` (begun `abandoned_after` earlier); how
    /// many.
    ///
    /// # Errors
    /// The store did not answer.
    pub async fn sweep_unfinished(&self, now: SystemTime) -> anyhow::Result<usize> {
        let now = crate::storage::signer::unix(now);
        let age = self.timing.abandoned_after.as_secs();
        let cutoff = i64::try_from(now.saturating_sub(age)).unwrap_or(i64::MAX);
        self.storage.sweep_unfinished(cutoff, now).await
    }

    /// A new ticket's first check time: [`FIRST_CHECK`] after `now_ms`.
    pub fn first_check(now_ms: i64) -> i64 {
        now_ms + i64::try_from(FIRST_CHECK.as_millis()).unwrap_or_default()
    }

    /// Ask the background loop for a pass now (`/list` found tickets due).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Wait until the index has been built from the store (at once when it already was).
    pub async fn built(&self) {
        let mut built = self.built.subscribe();
        // An error means the sender is gone, which cannot happen while `self` holds it.
        let _ = built.wait_for(|built| *built).await;
    }

    /// Whether the index has been built.
    pub fn is_built(&self) -> bool {
        *self.built.borrow()
    }

    /// Look at the object of `ticket`: list it, refuse it, or find nothing.
    async fn inspect(&self, ticket: &Ticket) -> Result<(Verdict, Option<Head>), CheckError> {
        let Some(head) = self.storage.head(&ticket.key).await? else {
            return Ok((Verdict::Missing, None));
        };
        if head.size > ticket.max_size {
            self.storage.delete(&ticket.key).await?;
            return Ok((
                Verdict::Rejected(too_large_message(ticket.max_size)),
                Some(head),
            ));
        }
        if self.storage.sniff(&ticket.key).await? != Some(ticket.kind) {
            self.storage.delete(&ticket.key).await?;
            return Ok((Verdict::Rejected(MSG_NOT_IMAGE.to_owned()), Some(head)));
        }
        let entry = Entry {
            key: ticket.key.clone(),
            ms: ticket.issued_ms,
            owner: ticket.owner.clone(),
        };
        self.index.add(&entry).await?;
        self.storage.stored().add(head.size);
        Ok((Verdict::Listed, Some(head)))
    }

    /// Check `ticket` now and record what was found in it (state only; not saved). `settle`:
    /// the upload is over (the client confirmed it, or this is the final check), so a file
    /// the store hides (Cloud Run, without `x-cos-meta-fileid`) is deleted and refused.
    async fn check(&self, ticket: &mut Ticket, settle: bool) -> Result<Verdict, CheckError> {
        match ticket.state.clone() {
            TicketState::Pending => {
                let (mut verdict, head) = self.inspect(ticket).await?;
                if verdict == Verdict::Missing
                    && settle
                    && self.storage.discard_unreadable(&ticket.key).await?
                {
                    log::info!("deleted {}: uploaded without x-cos-meta-fileid", ticket.key);
                    verdict = Verdict::Rejected(MSG_NO_FILEID.to_owned());
                }
                match &verdict {
                    Verdict::Listed => {
                        ticket.state = TicketState::Listed {
                            etag: head.and_then(|head| head.etag),
                        };
                    }
                    Verdict::Rejected(msg) => {
                        ticket.state = TicketState::Rejected { msg: msg.clone() };
                    }
                    Verdict::Missing => {}
                }
                Ok(verdict)
            }
            TicketState::Listed { etag } => match self.storage.head(&ticket.key).await? {
                Some(head) if head.etag != etag => {
                    // The spent signature was used again: that object goes.
                    self.storage.delete(&ticket.key).await?;
                    self.index.remove(&ticket.key).await?;
                    ticket.state = TicketState::Rejected {
                        msg: MSG_TICKET_USED.to_owned(),
                    };
                    Ok(Verdict::Rejected(MSG_TICKET_USED.to_owned()))
                }
                _ => Ok(Verdict::Listed),
            },
            TicketState::Rejected { msg } => {
                if self.storage.head(&ticket.key).await?.is_some() {
                    self.storage.delete(&ticket.key).await?;
                }
                Ok(Verdict::Rejected(msg))
            }
        }
    }

    /// The client says its direct upload of `key` is done: check it now.
    ///
    /// `Ok(None)` when no open ticket names `key` (never issued, or past its final check)
    /// and the key is not listed either.
    ///
    /// # Errors
    /// [`CheckError`] when the store or the index does not answer.
    pub async fn confirm(&self, key: &str, now_ms: i64) -> Result<Option<Verdict>, CheckError> {
        let Some(mut ticket) = self.index.ticket(key).await? else {
            let listed = self.index.get(key).await?.is_some();
            return Ok(listed.then_some(Verdict::Listed));
        };
        let verdict = self.check(&mut ticket, true).await?;
        self.reschedule(ticket, now_ms).await?;
        Ok(Some(verdict))
    }

    /// Save `ticket` with its next check, or drop it after its final check.
    async fn reschedule(&self, ticket: Ticket, now_ms: i64) -> Result<(), CheckError> {
        let key = ticket.key.clone();
        match self.rescheduled(ticket, now_ms) {
            Some(ticket) => self.index.save_ticket(&ticket).await?,
            None => self.index.drop_ticket(&key).await?,
        }
        Ok(())
    }

    /// `ticket` with its next check after a check at `now_ms`; `None` after its final check.
    fn rescheduled(&self, mut ticket: Ticket, now_ms: i64) -> Option<Ticket> {
        let final_at = ticket.expires_ms.saturating_add(self.grace_ms);
        if now_ms >= final_at {
            return None;
        }
        ticket.next_check_ms = match ticket.state {
            TicketState::Pending => now_ms
                .saturating_add(self.pending_delay(&ticket, now_ms))
                .min(final_at),
            TicketState::Listed { .. } | TicketState::Rejected { .. } => final_at,
        };
        Some(ticket)
    }

    /// How long an unconfirmed ticket whose object has not arrived waits for its next check:
    /// as long as the ticket has existed (the checks back off), at least
    /// `upload.verify_interval_secs`, at most a quarter of the ticket's lifetime. With the
    /// defaults (300 s tickets, 10 s, 120 s grace) that is ~9 looks per ticket that is never
    /// used instead of one every 10 s (~42), and on S3 and COS tickets handed out in a burst
    /// share each look (one listing per run, [`Self::absent_by_listing`]): handing out tickets
    /// costs the store little.
    /// A client that uploads at once is seen at the 1 s check, and `confirm` checks at once.
    fn pending_delay(&self, ticket: &Ticket, now_ms: i64) -> i64 {
        let interval = i64::try_from(self.interval.as_millis()).unwrap_or(i64::MAX);
        let quarter = ticket.expires_ms.saturating_sub(ticket.issued_ms) / 4;
        now_ms
            .saturating_sub(ticket.issued_ms)
            .min(quarter)
            .max(interval)
    }

    /// Whether the check of `ticket` at `now_ms` is its final one.
    fn is_final(&self, ticket: &Ticket, now_ms: i64) -> bool {
        now_ms >= ticket.expires_ms.saturating_add(self.grace_ms)
    }

    /// Reconcile the index with the store now (what the background loop does every
    /// `index.rebuild_interval_secs`).
    ///
    /// # Errors
    /// [`CheckError`] when the store or the index does not answer.
    pub async fn reconcile_now(&self) -> Result<ReconcileReport, CheckError> {
        reconcile(&self.storage, &self.index).await
    }

    /// Build the index if it never was, then mark it built (so `/list` answers).
    async fn build_once(&self) {
        loop {
            if let Err(error) = self.storage.prepare().await {
                log::warn!("preparing the store failed: {error:#}");
            } else {
                match self.index.is_built().await {
                    Ok(true) => break,
                    Ok(false) => match reconcile(&self.storage, &self.index).await {
                        Ok(report) => {
                            log::info!("album index built: {report}");
                            if self.index.is_built().await.unwrap_or(false) {
                                break;
                            }
                        }
                        Err(error) => log::warn!("building the album index failed: {error}"),
                    },
                    Err(error) => log::warn!("album index unavailable: {error}"),
                }
            }
            // Another instance holds the lock, or a backend is down: look again shortly.
            tokio::time::sleep(self.interval.min(Duration::from_secs(2))).await;
        }
        self.built.send_replace(true);
    }

    /// The background loop: build the index if needed, then a pass every interval (or when
    /// woken) and a reconciliation every `reconcile_every`, until `shutdown`.
    pub async fn run(self, shutdown: CancellationToken) {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = self.build_once() => {}
        }
        let mut passes = tokio::time::interval(self.interval);
        passes.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_reconcile = tokio::time::Instant::now();
        // The first sweep at start-up: uploads a crash or an outage left behind.
        let mut last_sweep: Option<tokio::time::Instant> = None;
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = passes.tick() => {}
                () = self.wake.notified() => {}
            }
            if let Err(error) = self.pass(millis(SystemTime::now())).await {
                log::warn!("checking direct uploads failed: {error}");
            }
            if last_sweep.is_none_or(|at| at.elapsed() >= self.timing.sweep_every) {
                last_sweep = Some(tokio::time::Instant::now());
                match self.sweep_unfinished(SystemTime::now()).await {
                    Ok(0) => {}
                    Ok(aborted) => log::info!("aborted {aborted} abandoned multipart uploads"),
                    Err(error) => log::warn!("sweeping unfinished uploads failed: {error:#}"),
                }
            }
            if let Some(every) = self.timing.reconcile_every
                && last_reconcile.elapsed() >= every
            {
                last_reconcile = tokio::time::Instant::now();
                match reconcile(&self.storage, &self.index).await {
                    Ok(report) => log::info!("album index reconciled: {report}"),
                    Err(error) => log::warn!("reconciling the album index failed: {error}"),
                }
            }
        }
    }
}

#[cfg(test)]
mod listing_tests;
#[cfg(test)]
mod tests;
