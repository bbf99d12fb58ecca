//! Reading client frames (RFC 6455 §5.2–5.5) in place: the payload is unmasked where it lies
//! and handed out as a borrow, so a message costs no copy and no allocation unless it comes in
//! fragments.

use super::{CloseCode, opcode};

/// What the bytes received so far give.
#[derive(Debug, PartialEq, Eq)]
pub enum Step<'a> {
    /// Not a whole frame yet: the buffer must hold at least this many bytes (from its start).
    NeedMore(usize),
    /// One frame: drop `consumed` bytes from the buffer once done with `message`.
    Frame {
        /// The frame's length in the buffer.
        consumed: usize,
        /// What it means.
        message: Message<'a>,
    },
}

/// One client frame's meaning.
#[derive(Debug, PartialEq, Eq)]
pub enum Message<'a> {
    /// A whole text message, UTF-8 checked (§5.6).
    Text(&'a str),
    /// A whole binary message (its bytes are not needed).
    Binary,
    /// A ping; the pong must carry the same payload (§5.5.2–5.5.3).
    Ping(&'a [u8]),
    /// A pong (an unsolicited one is allowed, §5.5.3).
    Pong,
    /// The client's close frame, with its status code if it gave one (§5.5.1).
    Close(Option<CloseCode>),
    /// A data frame of a fragmented message that is not complete yet (§5.4).
    Fragment,
}

/// A frame the server refuses: the close code and reason to send, and where the refused frame
/// ends so that the closing handshake can step over it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
    /// The close code (§7.4.1).
    pub code: CloseCode,
    /// The close frame's reason (short, ASCII, from us: never client text).
    pub reason: &'static str,
    /// Bytes from the start of the buffer that belong to the refused frame, header and all
    /// (most of them may not have arrived); `None` when its header cannot be read, so the
    /// client's later frames cannot be followed.
    pub frame_len: Option<u64>,
}

/// A frame header (§5.2).
#[derive(Debug, Clone, Copy)]
struct Header {
    fin: bool,
    /// RSV1–3 as the three low bits.
    rsv: u8,
    opcode: u8,
    mask: Option<[u8; 4]>,
    header_len: usize,
    payload_len: u64,
}

impl Header {
    /// The header at the start of `bytes`; `Ok(Err(n))` when `n` bytes are needed to read it.
    ///
    /// Lengths in a longer form than needed are accepted (the value is unambiguous); a 64-bit
    /// length with its most significant bit set is refused with 1002 (§5.2).
    fn parse(bytes: &[u8]) -> Result<Result<Self, usize>, Failure> {
        let [first, second, ..] = *bytes else {
            return Ok(Err(2));
        };
        let (payload_len, len_end) = match second & 0x7F {
            126 => match bytes.get(2..4) {
                Some(&[high, low]) => (u64::from(u16::from_be_bytes([high, low])), 4),
                _ => return Ok(Err(4)),
            },
            127 => match bytes.get(2..10).and_then(|b| <[u8; 8]>::try_from(b).ok()) {
                Some(long) => (u64::from_be_bytes(long), 10),
                None => return Ok(Err(10)),
            },
            short => (u64::from(short), 2),
        };
        if payload_len >> 63 != 0 {
            return Err(Failure {
                code: CloseCode::PROTOCOL,
                reason: "frame length with its top bit set",
                frame_len: None,
            });
        }
        let (mask, header_len) = if second & 0x80 == 0 {
            (None, len_end)
        } else {
            match bytes.get(len_end..len_end + 4) {
                Some(&[a, b, c, d]) => (Some([a, b, c, d]), len_end + 4),
                _ => return Ok(Err(len_end + 4)),
            }
        };
        Ok(Ok(Self {
            fin: first & 0x80 != 0,
            rsv: (first >> 4) & 0x7,
            opcode: first & 0x0F,
            mask,
            header_len,
            payload_len,
        }))
    }

    fn frame_len(&self) -> u64 {
        self.header_len as u64 + self.payload_len
    }
}

/// Reads one connection's client frames, one call per frame; keeps a fragmented message
/// between calls.
#[derive(Debug)]
pub struct Reader {
    max_message: usize,
    /// The fragmented message being received: whether it is text, and its bytes so far.
    fragments: Option<(bool, Vec<u8>)>,
    /// The last fragmented message, once whole (what [`Message::Text`] borrows).
    assembled: Vec<u8>,
}

impl Reader {
    /// A reader refusing messages (and frames) over `max_message` payload bytes with 1009.
    pub fn new(max_message: usize) -> Self {
        Self {
            max_message,
            fragments: None,
            assembled: Vec::new(),
        }
    }

    /// The frame at the start of `input`, unmasked in place.
    ///
    /// The header is judged as soon as it is whole, before any of the payload is needed: an
    /// oversized length is refused at once, so the caller never buffers the body.
    ///
    /// # Errors
    /// A [`Failure`] carrying the close code: 1002 for RSV bits (no extension is ever
    /// negotiated), an unmasked frame (§5.1), a reserved opcode, a fragmented or over-125-byte
    /// control frame (§5.5), a continuation without a message or a new message inside a
    /// fragmented one (§5.4), a close payload of one byte or with a code a peer may not send
    /// (§7.4); 1009 for a message over the limit; 1007 for text, or a close reason, that is not
    /// UTF-8 (§8.1).
    pub fn read<'a>(&'a mut self, input: &'a mut [u8]) -> Result<Step<'a>, Failure> {
        let header = match Header::parse(input)? {
            Ok(header) => header,
            Err(needed) => return Ok(Step::NeedMore(needed)),
        };
        let failure = |(code, reason): (CloseCode, &'static str)| Failure {
            code,
            reason,
            frame_len: Some(header.frame_len()),
        };
        if header.rsv != 0 {
            return Err(failure((
                CloseCode::PROTOCOL,
                "reserved bits set without an extension",
            )));
        }
        let Some(mask) = header.mask else {
            return Err(failure((
                CloseCode::PROTOCOL,
                "client frames must be masked",
            )));
        };
        if header.opcode & 0x8 != 0 {
            if !matches!(header.opcode, opcode::CLOSE | opcode::PING | opcode::PONG) {
                return Err(failure((CloseCode::PROTOCOL, "reserved control opcode")));
            }
            if !header.fin {
                return Err(failure((CloseCode::PROTOCOL, "fragmented control frame")));
            }
            if header.payload_len > 125 {
                return Err(failure((
                    CloseCode::PROTOCOL,
                    "control frame over 125 bytes",
                )));
            }
        } else {
            match (header.opcode, self.fragments.is_some()) {
                (opcode::CONTINUATION, true) | (opcode::TEXT | opcode::BINARY, false) => {}
                (opcode::CONTINUATION, false) => {
                    return Err(failure((
                        CloseCode::PROTOCOL,
                        "continuation without a message",
                    )));
                }
                (opcode::TEXT | opcode::BINARY, true) => {
                    return Err(failure((
                        CloseCode::PROTOCOL,
                        "new message inside a fragmented one",
                    )));
                }
                _ => return Err(failure((CloseCode::PROTOCOL, "reserved data opcode"))),
            }
            let so_far = self.fragments.as_ref().map_or(0, |(_, bytes)| bytes.len());
            if so_far as u64 + header.payload_len > self.max_message as u64 {
                return Err(failure((CloseCode::TOO_BIG, "message too big")));
            }
        }
        // Within the limits checked above, so it fits a usize.
        let frame_len = usize::try_from(header.frame_len()).unwrap_or(usize::MAX);
        let Some(payload) = input.get_mut(header.header_len..frame_len) else {
            return Ok(Step::NeedMore(frame_len));
        };
        unmask(payload, mask);
        let message = match header.opcode {
            opcode::CLOSE => Message::Close(close_code(payload).map_err(failure)?),
            opcode::PING => Message::Ping(payload),
            opcode::PONG => Message::Pong,
            opcode::CONTINUATION => {
                let Some((is_text, mut bytes)) = self.fragments.take() else {
                    return Err(failure((
                        CloseCode::PROTOCOL,
                        "continuation without a message",
                    )));
                };
                bytes.extend_from_slice(payload);
                if !header.fin {
                    self.fragments = Some((is_text, bytes));
                    Message::Fragment
                } else {
                    self.assembled = bytes;
                    whole(is_text, &self.assembled).map_err(failure)?
                }
            }
            data if header.fin => whole(data == opcode::TEXT, payload).map_err(failure)?,
            data => {
                self.fragments = Some((data == opcode::TEXT, payload.to_vec()));
                Message::Fragment
            }
        };
        Ok(Step::Frame {
            consumed: frame_len,
            message,
        })
    }
}

/// A whole data message: text must be UTF-8 (1007 otherwise).
fn whole(is_text: bool, bytes: &[u8]) -> Result<Message<'_>, (CloseCode, &'static str)> {
    if !is_text {
        return Ok(Message::Binary);
    }
    std::str::from_utf8(bytes)
        .map(Message::Text)
        .map_err(|_| (CloseCode::INVALID_DATA, "text is not UTF-8"))
}

/// A close frame's payload: empty, or a code a peer may send and a UTF-8 reason (§5.5.1).
fn close_code(payload: &[u8]) -> Result<Option<CloseCode>, (CloseCode, &'static str)> {
    let [high, low, reason @ ..] = payload else {
        return match payload {
            [] => Ok(None),
            _ => Err((CloseCode::PROTOCOL, "one-byte close payload")),
        };
    };
    let code = CloseCode(u16::from_be_bytes([*high, *low]));
    if !code.may_be_received() {
        return Err((CloseCode::PROTOCOL, "invalid close code"));
    }
    if std::str::from_utf8(reason).is_err() {
        return Err((CloseCode::INVALID_DATA, "close reason is not UTF-8"));
    }
    Ok(Some(code))
}

/// XORs `payload` with the masking key (§5.3), eight bytes at a time.
fn unmask(payload: &mut [u8], mask: [u8; 4]) {
    let [a, b, c, d] = mask;
    let key = u64::from_ne_bytes([a, b, c, d, a, b, c, d]);
    let mut chunks = payload.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        chunk.copy_from_slice(&(u64::from_ne_bytes(word) ^ key).to_ne_bytes());
    }
    // The remainder starts at a multiple of 8, so the key lines up again at its index 0.
    for (i, byte) in chunks.into_remainder().iter_mut().enumerate() {
        *byte ^= mask[i % 4];
    }
}

/// Where following the client's frames during the closing handshake got to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closing {
    /// `used` bytes were stepped over; `skip` more, not received yet, still belong to the last
    /// frame seen.
    Continue {
        /// Bytes of the input to drop.
        used: usize,
        /// Bytes of later input to drop before the next header.
        skip: u64,
    },
    /// The client's close frame has arrived (its answer to ours).
    CloseFrame,
    /// A header that cannot be read: the client's frames can no longer be followed.
    Lost,
}

/// Steps over the client's frames in `input` after our close frame, `skip` bytes first (the
/// rest of a refused frame), looking only for its close frame; nothing else is judged.
pub fn skip_to_close(mut input: &[u8], mut skip: u64) -> Closing {
    let mut used = 0;
    loop {
        let step = usize::try_from(skip).map_or(input.len(), |skip| skip.min(input.len()));
        used += step;
        input = &input[step..];
        skip -= step as u64;
        if skip > 0 {
            return Closing::Continue { used, skip };
        }
        match Header::parse(input) {
            Err(_) => return Closing::Lost,
            Ok(Err(_)) => return Closing::Continue { used, skip: 0 },
            Ok(Ok(header)) if header.opcode == opcode::CLOSE => return Closing::CloseFrame,
            Ok(Ok(header)) => skip = header.frame_len(),
        }
    }
}

#[cfg(test)]
#[path = "read_tests.rs"]
mod tests;
