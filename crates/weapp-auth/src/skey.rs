//! [`Skey`]: the opaque bearer token of the modern login (`spec/originals.md` §7.2).
//!
//! Wafer 2 made the skey `sha1hex(session_key)`: anyone holding it held a function of the
//! WeChat secret, and one WeChat session always mapped to the same skey. Here it is 256 random
//! bits from the operating system's CSPRNG (issue 4 asks for ≥ 128), unrelated to the
//! session_key, which never leaves the server.

use std::fmt;

use rand::{TryRngCore, rngs::OsRng};

/// Random bytes per skey: 256 bits, twice the 128-bit floor, so guessing stays hopeless even
/// with many live sessions.
const SKEY_BYTES: usize = 32;
/// Length of the lowercase-hex text.
pub const SKEY_LEN: usize = SKEY_BYTES * 2;

/// An skey: [`SKEY_LEN`] lowercase hex characters. `Debug` hides it (it is a credential).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Skey(String);

/// Not an skey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid skey")]
pub struct InvalidSkey;

/// The operating system's random source failed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("no randomness for a new skey: {0}")]
pub struct RandomnessError(String);

impl Skey {
    /// A fresh skey from the OS CSPRNG.
    ///
    /// # Errors
    /// [`RandomnessError`] if the OS refuses randomness (never on a healthy Linux).
    pub fn generate() -> Result<Self, RandomnessError> {
        let mut bytes = [0_u8; SKEY_BYTES];
        OsRng
            .try_fill_bytes(&mut bytes)
            .map_err(|error| RandomnessError(error.to_string()))?;
        Ok(Self(hex::encode(bytes)))
    }

    /// Accept `text` (an `X-WX-Skey` value) as an skey.
    ///
    /// # Errors
    /// [`InvalidSkey`] unless it is exactly [`SKEY_LEN`] lowercase hex characters.
    pub fn parse(text: &str) -> Result<Self, InvalidSkey> {
        let fits = text.len() == SKEY_LEN
            && text
                .bytes()
                .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte));
        if fits {
            Ok(Self(text.to_owned()))
        } else {
            Err(InvalidSkey)
        }
    }

    /// The token text, for the reply and the store.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Skey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Skey([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_skeys_parse_and_differ() -> Result<(), RandomnessError> {
        let one = Skey::generate()?;
        let two = Skey::generate()?;
        assert_eq!(one.expose().len(), 64);
        assert_eq!(Skey::parse(one.expose()), Ok(one.clone()));
        assert_ne!(one, two);
        Ok(())
    }

    #[test]
    fn only_lowercase_hex_of_the_right_length_parses() {
        assert!(Skey::parse(&"a".repeat(64)).is_ok());
        assert_eq!(Skey::parse(&"A".repeat(64)), Err(InvalidSkey));
        assert_eq!(Skey::parse(&"a".repeat(63)), Err(InvalidSkey));
        assert_eq!(Skey::parse(&"g".repeat(64)), Err(InvalidSkey));
        assert_eq!(Skey::parse(""), Err(InvalidSkey));
    }

    #[test]
    fn debug_hides_the_token() -> Result<(), RandomnessError> {
        let skey = Skey::generate()?;
        assert!(!format!("{skey:?}").contains(skey.expose()));
        Ok(())
    }
}
