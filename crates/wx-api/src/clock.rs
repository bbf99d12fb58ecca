//! Wall-clock time as the token keeper and the simulator read it, injectable so tests move it
//! instead of sleeping.
//!
//! Token expiry is shared between instances (through Redis), so it is wall-clock time (Unix
//! milliseconds), not a monotonic instant.

use std::{
    fmt,
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

/// A source of the current time in Unix milliseconds.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        system_now_ms()
    }
}

/// The system clock moved forward by a settable amount: tests (and the simulator's
/// `/sim/clock` helper) advance it to reach an expiry without waiting for it.
#[derive(Debug, Default)]
pub struct OffsetClock {
    offset_ms: AtomicU64,
}

impl OffsetClock {
    /// A clock that starts at the system time.
    pub fn new() -> Self {
        Self::default()
    }

    /// Move the clock forward by `by` (saturating).
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        // fetch_update cannot fail with a closure that always returns Some.
        let _ = self
            .offset_ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |offset| {
                Some(offset.saturating_add(by))
            });
    }

    /// How far ahead of the system clock this clock is.
    pub fn offset(&self) -> Duration {
        Duration::from_millis(self.offset_ms.load(Ordering::Relaxed))
    }
}

impl Clock for OffsetClock {
    fn now_ms(&self) -> u64 {
        system_now_ms().saturating_add(self.offset_ms.load(Ordering::Relaxed))
    }
}

fn system_now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offset_clock_runs_ahead_by_what_it_was_advanced() {
        let clock = OffsetClock::new();
        let before = SystemClock.now_ms();
        clock.advance(Duration::from_secs(7200));
        clock.advance(Duration::from_millis(5));
        assert_eq!(clock.offset(), Duration::from_millis(7_200_005));
        assert!(clock.now_ms() >= before + 7_200_005);
    }
}
