//! Building the index from the store, and keeping it in step with objects added or removed
//! behind the album's back (an old bucket's original `{ms}-{id}.{ext}` keys, an operator's
//! console).
//!
//! One instance reconciles at a time (a lock in the index). An image directly inside the
//! folder that the index lacks is listed with its last-modified time and its recorded owner —
//! unless an open direct-upload ticket names it, which the checker decides. An indexed key the
//! listing lacks is unlisted once a HEAD confirms it is gone (an upload listed after the
//! listing was read is kept).

use std::{collections::HashSet, fmt, time::Duration};

use super::CheckError;
use crate::{
    index::{Entry, Index, TicketState},
    storage::Storage,
};

/// How long the reconciliation lock holds; a crashed reconciler frees it then.
const LOCK_TTL: Duration = Duration::from_secs(300);

/// What a reconciliation did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReconcileReport {
    /// Images in the folder.
    pub listed: usize,
    /// Entries added to the index.
    pub added: usize,
    /// Entries removed from it.
    pub removed: usize,
    /// `false` when another instance held the lock (nothing was done).
    pub ran: bool,
}

impl fmt::Display for ReconcileReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.ran {
            return f.write_str("another instance is reconciling");
        }
        write!(
            f,
            "{} images in the folder, {} added, {} removed",
            self.listed, self.added, self.removed
        )
    }
}

/// Reconcile `index` with `storage` and mark it built.
///
/// # Errors
/// [`CheckError`] when the store or the index does not answer (the index keeps what it had).
pub async fn reconcile(storage: &Storage, index: &Index) -> Result<ReconcileReport, CheckError> {
    if !index.lock_rebuild(LOCK_TTL).await? {
        return Ok(ReconcileReport::default());
    }
    let result = reconcile_locked(storage, index).await;
    if let Err(error) = index.unlock_rebuild().await {
        log::warn!("freeing the reconciliation lock failed (it expires by itself): {error}");
    }
    result
}

async fn reconcile_locked(storage: &Storage, index: &Index) -> Result<ReconcileReport, CheckError> {
    let listing = storage.list_images().await?;
    let indexed = index.all().await?;
    let indexed_keys: HashSet<&str> = indexed.iter().map(|entry| entry.key.as_str()).collect();
    let mut report = ReconcileReport {
        listed: listing.len(),
        ran: true,
        ..ReconcileReport::default()
    };
    for (key, head) in &listing {
        if indexed_keys.contains(key.as_str()) {
            continue;
        }
        if let Some(ticket) = index.ticket(key).await?
            && !matches!(ticket.state, TicketState::Listed { .. })
        {
            continue;
        }
        let owner = storage.owner_of(key).await?;
        index
            .add(&Entry {
                key: key.clone(),
                ms: head.ms,
                owner,
            })
            .await?;
        report.added += 1;
    }
    let in_store: HashSet<&str> = listing.iter().map(|(key, _)| key.as_str()).collect();
    for entry in &indexed {
        if !in_store.contains(entry.key.as_str()) && storage.head(&entry.key).await?.is_none() {
            index.remove(&entry.key).await?;
            report.removed += 1;
        }
    }
    index.mark_built().await?;
    Ok(report)
}
