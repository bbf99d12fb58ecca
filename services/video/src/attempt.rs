//! Telling a new comment from another attempt at one already made (issue 13): a comment is
//! stored at most once per client attempt.
//!
//! An [`Attempt`] is named by a 32-byte key stored with the comment (`comment.dedup_key`,
//! unique), valid for a window (`comment.dedup_until`):
//!
//! - with an `Idempotency-Key` header (draft-ietf-httpapi-idempotency-key-header): SHA-256 of
//!   the key, for `comment.idempotency_key_ttl_secs`. The same key with the same comment is the
//!   same attempt; with another comment it is refused.
//! - without one (the original client sends none): SHA-256 of the client address — as the rate
//!   limit keys it — and the comment, for `comment.dedup_window_secs`. The same words on the
//!   same video under the same name from the same address within the window are a retry.
//!
//! Every attempt also carries the SHA-256 of the comment itself (`comment.request_hash`), to
//! tell a replay from a reused key.

use std::{net::IpAddr, time::Duration};

use sha2::{Digest, Sha256};

use crate::params::NewComment;

/// Longest `Idempotency-Key` accepted, in bytes (the draft sets none; UUIDs take 36).
pub const KEY_MAX_LEN: usize = 255;

/// The `Idempotency-Key` header is empty, too long or not visible ASCII.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "Idempotency-Key must be 1–{KEY_MAX_LEN} visible ASCII characters, or such a quoted string"
)]
pub struct InvalidKey;

/// A client's `Idempotency-Key`: 1–[`KEY_MAX_LEN`] visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Read the header value: a Structured Field string as the draft specifies
    /// (`"8e03978e-…"`, RFC 8941 §3.3.3: `\"` and `\\` escaped, spaces allowed) or, as Stripe's
    /// clients send it, the bare text.
    ///
    /// # Errors
    /// [`InvalidKey`] for an empty, over-long or non-ASCII value, or a malformed quoted one.
    pub fn from_header(value: &[u8]) -> Result<Self, InvalidKey> {
        let key = match value {
            [b'"', quoted @ .., b'"'] => unquote(quoted)?,
            // A leading quote starts a string, which must end with one.
            bare if bare.first() != Some(&b'"') && bare.iter().all(u8::is_ascii_graphic) => {
                String::from_utf8(bare.to_vec()).map_err(|_| InvalidKey)?
            }
            _ => return Err(InvalidKey),
        };
        if key.is_empty() || key.len() > KEY_MAX_LEN {
            return Err(InvalidKey);
        }
        Ok(Self(key))
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The inside of an RFC 8941 string: printable ASCII, `\` only before `"` or `\`.
fn unquote(quoted: &[u8]) -> Result<String, InvalidKey> {
    let mut key = String::with_capacity(quoted.len());
    let mut bytes = quoted.iter();
    while let Some(&byte) = bytes.next() {
        let byte = match byte {
            b'\\' => match bytes.next() {
                Some(&escaped @ (b'"' | b'\\')) => escaped,
                _ => return Err(InvalidKey),
            },
            b'"' => return Err(InvalidKey),
            b' '..=b'~' => byte,
            _ => return Err(InvalidKey),
        };
        key.push(char::from(byte));
    }
    Ok(key)
}

/// One client attempt at storing a comment (module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    dedup_key: [u8; 32],
    request_hash: [u8; 32],
    window: Duration,
    keyed: bool,
}

impl Attempt {
    /// The attempt named by `key`, valid for `ttl`.
    pub fn keyed(key: &IdempotencyKey, comment: &NewComment, ttl: Duration) -> Self {
        Self {
            dedup_key: Sha256::new()
                .chain_update(b"idempotency-key\0")
                .chain_update(key.as_str())
                .finalize()
                .into(),
            request_hash: comment_hash(comment),
            window: ttl,
            keyed: true,
        }
    }

    /// The attempt of `client` (the rate limit's key) at `comment`, valid for `window`.
    pub fn unkeyed(client: IpAddr, comment: &NewComment, window: Duration) -> Self {
        let address = match client {
            IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
            IpAddr::V6(v6) => v6.octets(),
        };
        let request_hash = comment_hash(comment);
        Self {
            dedup_key: Sha256::new()
                .chain_update(b"client\0")
                .chain_update(address)
                .chain_update(request_hash)
                .finalize()
                .into(),
            request_hash,
            window,
            keyed: false,
        }
    }

    /// `comment.dedup_key`: names the attempt.
    pub fn dedup_key(&self) -> &[u8; 32] {
        &self.dedup_key
    }

    /// `comment.request_hash`: the comment's own hash.
    pub fn request_hash(&self) -> &[u8; 32] {
        &self.request_hash
    }

    /// How long the attempt's key names the stored comment.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// Whether the client named it with an `Idempotency-Key`.
    pub fn is_keyed(&self) -> bool {
        self.keyed
    }
}

/// SHA-256 of the comment's fields, each length-prefixed so no two comments share an input.
fn comment_hash(comment: &NewComment) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(comment.vid().get().to_be_bytes());
    for field in [comment.nick(), comment.avatar(), comment.content()] {
        hash.update((field.len() as u64).to_be_bytes());
        hash.update(field);
    }
    hash.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{params::RawComment, settings::CommentSettings};

    fn comment(nick: &str, content: &str) -> NewComment {
        let raw = RawComment {
            vid: Some("3".into()),
            nick: Some(nick.into()),
            avatar: None,
            content: Some(content.into()),
        };
        NewComment::parse(raw, &CommentSettings::default()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn keys_are_bare_or_quoted_visible_ascii() {
        let key = |value: &[u8]| IdempotencyKey::from_header(value).map(|k| k.0);
        assert_eq!(key(b"8e03978e-40d5"), Ok("8e03978e-40d5".into()));
        assert_eq!(key(br#""8e03978e-40d5""#), Ok("8e03978e-40d5".into()));
        assert_eq!(key(br#""a \"b\" \\c""#), Ok(r#"a "b" \c"#.into()));
        for bad in [
            &b""[..],
            b"\"\"",
            b"two words",
            b"\"bad \\x escape\"",
            b"\"unterminated",
            "ключ".as_bytes(),
            &[b'k'; KEY_MAX_LEN + 1],
        ] {
            assert_eq!(
                key(bad),
                Err(InvalidKey),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert!(key(&[b'k'; KEY_MAX_LEN]).is_ok());
    }

    #[test]
    fn a_key_names_the_attempt_whatever_the_comment() {
        let key = IdempotencyKey::from_header(b"k-1").unwrap_or_else(|e| panic!("{e}"));
        let day = Duration::from_secs(86_400);
        let (a, b) = (
            Attempt::keyed(&key, &comment("n", "first"), day),
            Attempt::keyed(&key, &comment("n", "second"), day),
        );
        assert_eq!(a.dedup_key(), b.dedup_key());
        assert_ne!(a.request_hash(), b.request_hash());
        assert!(a.is_keyed());
    }

    #[test]
    fn without_a_key_client_and_every_field_name_the_attempt() {
        let window = Duration::from_secs(120);
        let client = IpAddr::from([203, 0, 113, 9]);
        let attempt = |client, nick, content| {
            Attempt::unkeyed(client, &comment(nick, content), window).dedup_key
        };
        let base = attempt(client, "n", "hi");
        assert_eq!(base, attempt(client, "n", "hi"));
        assert_ne!(base, attempt(IpAddr::from([203, 0, 113, 10]), "n", "hi"));
        assert_ne!(base, attempt(client, "m", "hi"));
        assert_ne!(base, attempt(client, "n", "hi!"));
        // Length prefixes: moving text between fields is another comment.
        assert_ne!(attempt(client, "ab", "c"), attempt(client, "a", "bc"));
        let mapped = IpAddr::from(
            "::ffff:203.0.113.9"
                .parse::<std::net::Ipv6Addr>()
                .unwrap_or(std::net::Ipv6Addr::UNSPECIFIED),
        );
        assert_eq!(base, attempt(mapped, "n", "hi"));
    }
}
