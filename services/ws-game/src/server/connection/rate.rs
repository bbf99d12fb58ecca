//! The per-socket inbound rate limit: a token bucket (`limits.inbound_frames_per_sec` tokens a
//! second, at most `limits.inbound_frames_burst` saved up), one token per frame. The clock is
//! passed in, so tests drive it.

use tokio::time::Instant;

/// A token bucket, full at the start.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    per_sec: f64,
    burst: f64,
    tokens: f64,
    updated: Instant,
}

impl TokenBucket {
    /// `per_sec` tokens a second, at most `burst` held; full at `now`.
    pub fn new(per_sec: u32, burst: u32, now: Instant) -> Self {
        Self {
            per_sec: f64::from(per_sec),
            burst: f64::from(burst),
            tokens: f64::from(burst),
            updated: now,
        }
    }

    /// Takes a token at `now`; `false` when there is none (the frame is over the limit).
    pub fn take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.updated = now;
        self.tokens = (self.tokens + elapsed * self.per_sec).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_burst_then_the_rate() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(10, 3, start);
        assert!((0..3).all(|_| bucket.take(start)));
        assert!(!bucket.take(start));
        // One token every 100 ms; a refused frame costs nothing.
        assert!(!bucket.take(start + Duration::from_millis(99)));
        let later = start + Duration::from_millis(200);
        assert!(bucket.take(later) && bucket.take(later));
        assert!(!bucket.take(later));
    }

    #[test]
    fn saved_tokens_stop_at_the_burst() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(10, 3, start);
        let later = start + Duration::from_secs(3600);
        assert!((0..3).all(|_| bucket.take(later)));
        assert!(!bucket.take(later));
    }
}
