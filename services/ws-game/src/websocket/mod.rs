//! RFC 6455 framing, as a server speaks it: pure functions over byte buffers, no I/O (the
//! connection in [`crate::server::connection`] owns the socket).
//!
//! - [`Reader`] reads client frames from the bytes received so far: it tells "need more" from a
//!   message and from a frame it refuses, and refuses with the close code RFC 6455 §7.4.1 gives
//!   for the case — **1009** as soon as a length header exceeds the limit (the body is never
//!   buffered), **1007** for text that is not UTF-8, **1002** for protocol errors (unmasked
//!   client frame, RSV bits without a negotiated extension, reserved opcode, fragmented or
//!   oversized control frame, continuation out of order, bad close payload).
//! - [`write`](mod@write) appends server frames (unmasked, never fragmented) to an output buffer.
//! - [`skip_to_close`] follows the client's frames during the closing handshake, looking only
//!   for its close frame.
//!
//! Why our own: the server needs to answer every refused frame with its close code and then
//! drain the client's remaining bytes (else the kernel resets the connection under the close
//! frame), and to read frames in place without a copy or an allocation per message; the general
//! purpose library did neither. Unit tests check it byte for byte against the RFC's examples.

mod read;
pub mod write;

pub use read::{Closing, Failure, Message, Reader, Step, skip_to_close};

/// A close status code (RFC 6455 §7.4.1; IANA "WebSocket Close Code Number Registry").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloseCode(pub u16);

impl CloseCode {
    /// 1000: the purpose of the connection has been fulfilled.
    pub const NORMAL: Self = Self(1000);
    /// 1001: the server is going away (shutdown).
    pub const GOING_AWAY: Self = Self(1001);
    /// 1002: a protocol error.
    pub const PROTOCOL: Self = Self(1002);
    /// 1007: a message's data is not consistent with its type (text that is not UTF-8).
    pub const INVALID_DATA: Self = Self(1007);
    /// 1008: a message violates the server's policy (rate, slow reader).
    pub const POLICY: Self = Self(1008);
    /// 1009: a message is too big to process.
    pub const TOO_BIG: Self = Self(1009);

    /// Whether a peer may send this code in a close frame (§7.4.1–7.4.2): 1000–1003,
    /// 1007–1014 (1012–1014 registered with IANA since), and 3000–4999 (libraries, frameworks,
    /// applications). 1004–1006 and 1015 are reserved or must never be sent; the rest is
    /// unassigned.
    pub fn may_be_received(self) -> bool {
        matches!(self.0, 1000..=1003 | 1007..=1014 | 3000..=4999)
    }
}

/// Frame opcodes (§5.2).
pub(crate) mod opcode {
    pub const CONTINUATION: u8 = 0x0;
    pub const TEXT: u8 = 0x1;
    pub const BINARY: u8 = 0x2;
    pub const CLOSE: u8 = 0x8;
    pub const PING: u8 = 0x9;
    pub const PONG: u8 = 0xA;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receivable_close_codes_follow_the_registry() {
        for code in [
            1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1014, 3000, 4999,
        ] {
            assert!(CloseCode(code).may_be_received(), "{code}");
        }
        for code in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, u16::MAX] {
            assert!(!CloseCode(code).may_be_received(), "{code}");
        }
    }
}
