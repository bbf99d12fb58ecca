//! [`MemoryIndex`]: the index in this process — ordered sets behind one mutex, never held
//! across an await. For a single instance: another instance would not see its uploads until
//! its next reconciliation.

use std::{
    collections::{BTreeSet, HashMap},
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use tokio::time::Instant;

use super::{Cursor, Entry, IndexError, Ticket};

#[derive(Debug, Default)]
struct State {
    entries: HashMap<String, Entry>,
    /// `(ms, key)` ascending; pages read it backwards.
    order: BTreeSet<(i64, String)>,
    by_owner: HashMap<String, BTreeSet<(i64, String)>>,
    built: bool,
    tickets: HashMap<String, Ticket>,
    /// `(next_check_ms, key)` of the scheduled tickets.
    schedule: BTreeSet<(i64, String)>,
    /// One-time ids used.
    once: Expiring<()>,
    /// Remembered values.
    notes: Expiring<String>,
}

/// Values by id, each until its deadline, forgotten as deadlines pass.
#[derive(Debug)]
struct Expiring<V> {
    held: HashMap<String, (V, Instant)>,
    /// `(until, id)`, soonest first: each call forgets only what has expired, so a call costs
    /// O(log n) however many ids are held (a scan of all of them made the v4 sign routes
    /// slower with every signature issued). An id stored again keeps its older pair here,
    /// which is skipped when it comes due.
    expiry: BTreeSet<(Instant, String)>,
}

impl<V> Default for Expiring<V> {
    fn default() -> Self {
        Self {
            held: HashMap::new(),
            expiry: BTreeSet::new(),
        }
    }
}

impl<V> Expiring<V> {
    /// Forget the ids due at `now`, keeping one whose deadline was moved past `now` since.
    fn forget_due(&mut self, now: Instant) {
        while let Some(first) = self.expiry.first()
            && first.0 <= now
        {
            let Some((_, id)) = self.expiry.pop_first() else {
                break;
            };
            if self.held.get(&id).is_some_and(|(_, until)| *until <= now) {
                self.held.remove(&id);
            }
        }
    }

    /// Whether `id` may be stored with at most `max` ids held: it is held already, or there
    /// is room for one more.
    fn has_room_for(&self, id: &str, max: usize) -> bool {
        self.held.len() < max || self.held.contains_key(id)
    }

    /// Store `value` under `id` until `until`, replacing what `id` held.
    fn insert(&mut self, id: &str, value: V, until: Instant) {
        self.held.insert(id.to_owned(), (value, until));
        self.expiry.insert((until, id.to_owned()));
    }

    /// The value of `id`, unless its deadline has passed at `now`.
    fn live(&self, id: &str, now: Instant) -> Option<&V> {
        self.held
            .get(id)
            .filter(|(_, until)| *until > now)
            .map(|(value, _)| value)
    }
}

/// The index in process memory. Cheap to clone (shared state).
#[derive(Debug, Clone)]
pub struct MemoryIndex {
    state: Arc<Mutex<State>>,
    /// Most tickets held open at once (`index.max_open_tickets`).
    max_open_tickets: usize,
    /// Most values remembered at once (`index.max_remembered`).
    max_remembered: usize,
}

impl Default for MemoryIndex {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryIndex {
    /// An empty, unbuilt index with the default bounds (`index.max_open_tickets`,
    /// `index.max_remembered`).
    pub fn new() -> Self {
        let defaults = crate::settings::IndexSettings::default();
        Self::with_bounds(defaults.max_open_tickets, defaults.max_remembered)
    }

    /// An empty, unbuilt index holding at most `max_open_tickets` tickets open and
    /// `max_remembered` remembered values at once.
    pub fn with_bounds(max_open_tickets: usize, max_remembered: usize) -> Self {
        Self {
            state: Arc::default(),
            max_open_tickets,
            max_remembered,
        }
    }

    /// Save a new ticket and schedule it, unless `max_open_tickets` are open: the count and
    /// the save happen under one lock, so concurrent callers never open more than the bound.
    /// `false`: full, nothing saved.
    pub(super) fn open_ticket(&self, ticket: &Ticket) -> bool {
        let mut state = self.state();
        if state.tickets.len() >= self.max_open_tickets && !state.tickets.contains_key(&ticket.key)
        {
            return false;
        }
        state.save(ticket);
        true
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the sets half-updated in a way later
        // calls would trip on (each update is a few set operations), so carry on.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(super) async fn add(&self, entry: &Entry) -> Result<(), IndexError> {
        let mut state = self.state();
        state.unlist(&entry.key);
        state.order.insert((entry.ms, entry.key.clone()));
        if let Some(owner) = &entry.owner {
            state
                .by_owner
                .entry(owner.clone())
                .or_default()
                .insert((entry.ms, entry.key.clone()));
        }
        state.entries.insert(entry.key.clone(), entry.clone());
        Ok(())
    }

    pub(super) async fn remove(&self, key: &str) -> Result<(), IndexError> {
        self.state().unlist(key);
        Ok(())
    }

    pub(super) async fn get(&self, key: &str) -> Result<Option<Entry>, IndexError> {
        Ok(self.state().entries.get(key).cloned())
    }

    pub(super) async fn page(
        &self,
        owner: Option<&str>,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Vec<String>, IndexError> {
        let state = self.state();
        let empty = BTreeSet::new();
        let set = match owner {
            Some(owner) => state.by_owner.get(owner).unwrap_or(&empty),
            None => &state.order,
        };
        let keys = match after {
            None => set
                .iter()
                .rev()
                .take(limit)
                .map(|(_, key)| key.clone())
                .collect(),
            Some(cursor) => set
                .range(..(cursor.ms, cursor.key.clone()))
                .rev()
                .take(limit)
                .map(|(_, key)| key.clone())
                .collect(),
        };
        Ok(keys)
    }

    pub(super) async fn all(&self) -> Result<Vec<Entry>, IndexError> {
        Ok(self.state().entries.values().cloned().collect())
    }

    pub(super) async fn is_built(&self) -> Result<bool, IndexError> {
        Ok(self.state().built)
    }

    pub(super) async fn mark_built(&self) -> Result<(), IndexError> {
        self.state().built = true;
        Ok(())
    }

    pub(super) async fn lock_rebuild(&self, _ttl: Duration) -> Result<bool, IndexError> {
        Ok(true)
    }

    pub(super) async fn unlock_rebuild(&self) -> Result<(), IndexError> {
        Ok(())
    }

    pub(super) async fn save_tickets(&self, tickets: &[Ticket]) -> Result<(), IndexError> {
        let mut state = self.state();
        for ticket in tickets {
            state.save(ticket);
        }
        Ok(())
    }

    pub(super) async fn ticket(&self, key: &str) -> Result<Option<Ticket>, IndexError> {
        Ok(self.state().tickets.get(key).cloned())
    }

    pub(super) async fn claim_due(
        &self,
        now_ms: i64,
        limit: usize,
    ) -> Result<Vec<Ticket>, IndexError> {
        let mut state = self.state();
        let due: Vec<(i64, String)> = state
            .schedule
            .range(..=(now_ms, String::from(char::MAX)))
            .take(limit)
            .cloned()
            .collect();
        let mut claimed = Vec::with_capacity(due.len());
        for item in due {
            state.schedule.remove(&item);
            if let Some(ticket) = state.tickets.get(&item.1) {
                claimed.push(ticket.clone());
            }
        }
        Ok(claimed)
    }

    pub(super) async fn has_due(&self, now_ms: i64) -> Result<bool, IndexError> {
        Ok(self
            .state()
            .schedule
            .first()
            .is_some_and(|(at, _)| *at <= now_ms))
    }

    pub(super) async fn drop_ticket(&self, key: &str) -> Result<(), IndexError> {
        let mut state = self.state();
        state.unschedule(key);
        state.tickets.remove(key);
        Ok(())
    }

    pub(super) async fn use_once(&self, id: &str, ttl: Duration) -> Result<bool, IndexError> {
        let now = Instant::now();
        let once = &mut self.state().once;
        once.forget_due(now);
        if once.held.contains_key(id) {
            return Ok(false);
        }
        if !once.has_room_for(id, self.max_remembered) {
            return Err(IndexError(format!(
                "{} one-time ids are held (index.max_remembered)",
                once.held.len()
            )));
        }
        once.insert(id, (), now + ttl);
        Ok(true)
    }
}

impl MemoryIndex {
    pub(super) async fn remember(
        &self,
        id: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<bool, IndexError> {
        let now = Instant::now();
        let notes = &mut self.state().notes;
        notes.forget_due(now);
        if !notes.has_room_for(id, self.max_remembered) {
            return Ok(false);
        }
        notes.insert(id, value.to_owned(), now + ttl);
        Ok(true)
    }

    /// How many one-time ids and remembered values are held (expired ones included until a
    /// call forgets them): `(once, notes)`.
    #[cfg(test)]
    pub(super) fn held(&self) -> (usize, usize) {
        let state = self.state();
        (state.once.held.len(), state.notes.held.len())
    }

    pub(super) async fn recall(&self, id: &str) -> Result<Option<String>, IndexError> {
        let now = Instant::now();
        Ok(self.state().notes.live(id, now).cloned())
    }
}

impl State {
    fn unlist(&mut self, key: &str) {
        if let Some(old) = self.entries.remove(key) {
            let item = (old.ms, old.key);
            self.order.remove(&item);
            if let Some(owner) = old.owner
                && let Some(set) = self.by_owner.get_mut(&owner)
            {
                set.remove(&item);
                if set.is_empty() {
                    self.by_owner.remove(&owner);
                }
            }
        }
    }

    /// Store `ticket` (replacing the key's earlier one) at its next check.
    fn save(&mut self, ticket: &Ticket) {
        self.unschedule(&ticket.key);
        self.schedule
            .insert((ticket.next_check_ms, ticket.key.clone()));
        self.tickets.insert(ticket.key.clone(), ticket.clone());
    }

    fn unschedule(&mut self, key: &str) {
        if let Some(ticket) = self.tickets.get(key) {
            let item = (ticket.next_check_ms, ticket.key.clone());
            self.schedule.remove(&item);
        }
    }
}
