//! The album's own signatures, for the backends with no store of their own to sign for
//! (local and memory) and for the v4 stand-in: hex HMAC-SHA256 with `upload.signing_key`
//! over `{METHOD}\n{object key}\n{content type}\n{expires}` (`expires` in unix seconds).
//!
//! Verification compares in constant time (`Mac::verify_slice`).

use std::sync::Arc;

use hmac::{Hmac, KeyInit, Mac};
use rand::RngCore;
use secrecy::ExposeSecret;
use sha2::Sha256;
use weapp_common::config::Secret;

type HmacSha256 = Hmac<Sha256>;

/// An HMAC-SHA256 key. `Debug` never shows it.
#[derive(Clone)]
pub struct MacKey(Arc<[u8]>);

impl std::fmt::Debug for MacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MacKey([REDACTED])")
    }
}

/// What one album signature covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signed<'a> {
    /// `GET`, `PUT` or `POST`.
    pub method: &'a str,
    /// The object key.
    pub key: &'a str,
    /// The content type the request must declare (`""` for `GET`).
    pub content_type: &'a str,
    /// Unix seconds after which the signature is refused.
    pub expires: u64,
}

impl MacKey {
    /// The configured key, or 32 random bytes when none is set (one process only).
    pub fn from_config(configured: &Secret) -> Self {
        let configured = configured.expose_secret().as_bytes();
        if configured.is_empty() {
            let mut random = [0_u8; 32];
            rand::rng().fill_bytes(&mut random);
            Self(Arc::from(random.as_slice()))
        } else {
            Self(Arc::from(configured))
        }
    }

    /// The key's bytes as a string secret (the v4 stand-in signs with it).
    pub fn as_secret(&self) -> Secret {
        Secret::from(hex::encode(&self.0))
    }

    fn mac(&self, signed: &Signed<'_>) -> HmacSha256 {
        #[allow(clippy::expect_used)]
        let mut mac = HmacSha256::new_from_slice(&self.0)
            .expect("HMAC accepts keys of any length (RFC 2104)");
        let Signed {
            method,
            key,
            content_type,
            expires,
        } = signed;
        mac.update(format!("{method}\n{key}\n{content_type}\n{expires}").as_bytes());
        mac
    }

    /// The hex signature of `signed`.
    pub fn sign(&self, signed: &Signed<'_>) -> String {
        hex::encode(self.mac(signed).finalize().into_bytes())
    }

    /// Whether `signature_hex` signs `signed` and `now` (unix seconds) is not past its expiry.
    pub fn verify(&self, signed: &Signed<'_>, signature_hex: &str, now: u64) -> bool {
        let Ok(signature) = hex::decode(signature_hex) else {
            return false;
        };
        now <= signed.expires && self.mac(signed).verify_slice(&signature).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> MacKey {
        MacKey::from_config(&Secret::from("test-signing-key"))
    }

    const PUT: Signed<'static> = Signed {
        method: "PUT",
        key: "1-a.jpg",
        content_type: "image/jpeg",
        expires: 1_700_000_300,
    };

    #[test]
    fn signatures_verify_until_they_expire() {
        let signature = key().sign(&PUT);
        assert!(key().verify(&PUT, &signature, 1_700_000_300));
        assert!(!key().verify(&PUT, &signature, 1_700_000_301));
    }

    #[test]
    fn every_signed_field_is_bound() {
        let signature = key().sign(&PUT);
        for altered in [
            Signed {
                method: "POST",
                ..PUT
            },
            Signed {
                key: "1-b.jpg",
                ..PUT
            },
            Signed {
                content_type: "image/png",
                ..PUT
            },
            Signed {
                expires: 1_700_009_999,
                ..PUT
            },
        ] {
            assert!(!key().verify(&altered, &signature, 0), "{altered:?}");
        }
        assert!(!key().verify(&PUT, "zz", 0));
        let other = MacKey::from_config(&Secret::from("another-key"));
        assert!(!other.verify(&PUT, &signature, 0));
    }

    #[test]
    fn an_unset_key_is_random_and_debug_hides_keys() {
        let a = MacKey::from_config(&Secret::from(""));
        let b = MacKey::from_config(&Secret::from(""));
        assert!(!b.verify(&PUT, &a.sign(&PUT), 0));
        assert_eq!(format!("{a:?}"), "MacKey([REDACTED])");
    }
}
