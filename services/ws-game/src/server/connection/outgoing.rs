//! What a connection has still to write: whole frames appended, bytes taken off the front as
//! the socket accepts them, and since when bytes have been waiting (for the write deadline).

use tokio::time::Instant;

/// Capacity kept once everything is written: a burst of large frames must not leave a large
/// buffer behind on an idle socket.
const KEPT_CAPACITY: usize = 16 * 1024;

/// The bytes waiting for the socket.
#[derive(Debug, Default)]
pub struct Outgoing {
    bytes: Vec<u8>,
    sent: usize,
    /// Since when bytes have waited without the socket taking any (`None` when all are sent).
    waiting_since: Option<Instant>,
}

impl Outgoing {
    /// The buffer to append whole frames to.
    pub fn buffer(&mut self) -> &mut Vec<u8> {
        if self.waiting_since.is_none() {
            self.waiting_since = Some(Instant::now());
        }
        &mut self.bytes
    }

    /// The bytes not written yet.
    pub fn unsent(&self) -> &[u8] {
        &self.bytes[self.sent..]
    }

    /// How many bytes are not written yet.
    pub fn unsent_len(&self) -> usize {
        self.bytes.len() - self.sent
    }

    /// The socket took `n` more bytes.
    pub fn sent(&mut self, n: usize) {
        self.sent += n;
        if self.sent >= self.bytes.len() {
            self.bytes.clear();
            self.bytes.shrink_to(KEPT_CAPACITY);
            self.sent = 0;
            self.waiting_since = None;
        } else if n > 0 {
            self.waiting_since = Some(Instant::now());
        }
    }

    /// Since when unsent bytes have waited without progress.
    pub fn waiting_since(&self) -> Option<Instant> {
        self.waiting_since
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn waiting_starts_with_the_first_byte_and_ends_with_the_last() {
        let mut out = Outgoing::default();
        assert_eq!(out.waiting_since(), None);
        let start = Instant::now();
        out.buffer().extend_from_slice(b"abcdef");
        assert_eq!(out.waiting_since(), Some(start));
        tokio::time::advance(std::time::Duration::from_secs(1)).await;
        // More bytes do not reset the wait; progress does.
        out.buffer().extend_from_slice(b"gh");
        assert_eq!(out.waiting_since(), Some(start));
        out.sent(3);
        assert_eq!(out.unsent(), b"defgh");
        assert_eq!(out.waiting_since(), Some(Instant::now()));
        out.sent(5);
        assert_eq!(out.unsent_len(), 0);
        assert_eq!(out.waiting_since(), None);
    }
}
