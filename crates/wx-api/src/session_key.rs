//! [`SessionKey`]: the per-login secret WeChat hands the backend in `jscode2session`.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// A WeChat `session_key`: the base64 text exactly as WeChat sent it (24 characters for the
/// 16-byte AES-128 key), kept as text because the rawData signature hashes the text itself
/// (`spec/vectors/wx_signature.json`), while decryption uses its decoded bytes.
///
/// `Debug` prints `[REDACTED]`; the memory is zeroed on drop. It must never leave the server
/// (`spec/originals.md` §7.2, issue 4). No `PartialEq`: compare with [`subtle`] if ever needed.
#[derive(Clone)]
pub struct SessionKey(SecretString);

impl SessionKey {
    /// Wrap a session_key's base64 text. Not validated here: a key that does not decode to
    /// 16 bytes fails [`crate::decrypt_open_data`] with `BadBase64` / `BadKeyLength`.
    pub fn new(base64_text: impl Into<String>) -> Self {
        Self(SecretString::from(base64_text.into()))
    }

    /// The base64 text, for hashing, decoding or storing server-side.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl From<String> for SessionKey {
    fn from(base64_text: String) -> Self {
        Self::new(base64_text)
    }
}

impl fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionKey([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let key = SessionKey::new("HyVFkGl5F5OQWJZZaNzBBg==");
        let debug = format!("{key:?}");
        assert_eq!(debug, "SessionKey([REDACTED])");
    }

    #[test]
    fn exposes_the_text_as_given() {
        let key = SessionKey::from("HyVFkGl5F5OQWJZZaNzBBg==".to_owned());
        assert_eq!(key.clone().expose_secret(), "HyVFkGl5F5OQWJZZaNzBBg==");
    }
}
