//! The MongoDB driver's connection pool as `/metrics` shows it
//! (`weapp_backend_pool_connections{backend="mongodb"}`): the driver keeps no figures one can
//! read, so its connection-pool (CMAP) events are counted — connections created less closed are
//! open, checked out less checked in are in use
//! (<https://github.com/mongodb/specifications/blob/master/source/connection-monitoring-and-pooling/connection-monitoring-and-pooling.md#events>).

use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

use mongodb::event::{EventHandler, cmap::CmapEvent};
use weapp_common::health::PoolStats;

/// Counters fed by the driver's pool events. Cheap to clone (shared).
#[derive(Debug, Clone)]
pub struct MongoPool {
    counts: Arc<Counts>,
    max: usize,
}

#[derive(Debug, Default)]
struct Counts {
    open: AtomicI64,
    in_use: AtomicI64,
}

impl MongoPool {
    /// Counters for a pool of at most `max` connections (`mongo.max_pool_size`).
    pub fn new(max: u32) -> Self {
        Self {
            counts: Arc::default(),
            max: usize::try_from(max).unwrap_or(usize::MAX),
        }
    }

    /// The handler to put in `ClientOptions::cmap_event_handler`.
    pub fn handler(&self) -> EventHandler<CmapEvent> {
        let counts = Arc::clone(&self.counts);
        EventHandler::callback(move |event| counts.record(&event))
    }

    /// The figures now.
    pub fn stats(&self) -> PoolStats {
        // Events of one connection may be handled out of order across threads; a count is never
        // shown below zero.
        let read = |count: &AtomicI64| usize::try_from(count.load(Ordering::Relaxed)).unwrap_or(0);
        PoolStats {
            open: read(&self.counts.open),
            in_use: read(&self.counts.in_use),
            max: self.max,
        }
    }
}

impl Counts {
    fn record(&self, event: &CmapEvent) {
        let (count, delta) = match event {
            CmapEvent::ConnectionCreated(_) => (&self.open, 1),
            CmapEvent::ConnectionClosed(_) => (&self.open, -1),
            CmapEvent::ConnectionCheckedOut(_) => (&self.in_use, 1),
            CmapEvent::ConnectionCheckedIn(_) => (&self.in_use, -1),
            _ => return,
        };
        count.fetch_add(delta, Ordering::Relaxed);
    }
}
