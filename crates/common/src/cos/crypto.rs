//! SHA-1 and HMAC-SHA1, the only primitives COS signing uses (v5 and v4 alike).
//!
//! `hmac` 0.13 only offers fallible key set-up (`new_from_slice`) for variable-length keys,
//! although HMAC accepts any key. To stay free of `unwrap`/panics we build the block-sized key
//! of RFC 2104 §2 ourselves (keys longer than the 64-byte SHA-1 block are hashed first, shorter
//! ones are zero-padded) and use the infallible fixed-size `KeyInit::new`.

use hmac::{Hmac, KeyInit, Mac};
use sha1::{Digest, Sha1};

type HmacSha1 = Hmac<Sha1>;

/// Raw HMAC-SHA1 (20 bytes) of `message` under `key` (any length).
pub(crate) fn hmac_sha1(key: &[u8], message: &[u8]) -> [u8; 20] {
    let mut block_key = hmac::digest::Key::<HmacSha1>::default();
    if key.len() > block_key.len() {
        let hashed = Sha1::digest(key);
        block_key[..hashed.len()].copy_from_slice(&hashed);
    } else {
        block_key[..key.len()].copy_from_slice(key);
    }
    let mut mac = <HmacSha1 as KeyInit>::new(&block_key);
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Lowercase hex HMAC-SHA1, as the v5 `SignKey` and `Signature` steps want it.
pub(crate) fn hmac_sha1_hex(key: &[u8], message: &[u8]) -> String {
    hex::encode(hmac_sha1(key, message))
}

/// Lowercase hex SHA-1 (the v5 `sha1(HttpString)` step).
pub(crate) fn sha1_hex(message: &[u8]) -> String {
    hex::encode(Sha1::digest(message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_2202_test_case_2() {
        // RFC 2202 §3, test case 2.
        assert_eq!(
            hmac_sha1_hex(b"Jefe", b"what do ya want for nothing?"),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
    }

    #[test]
    fn hmac_hashes_keys_longer_than_one_block() {
        // RFC 2202 §3, test case 6: an 80-byte key.
        assert_eq!(
            hmac_sha1_hex(
                &[0xaa; 80],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            ),
            "aa4ae5e15272d00e95705637ce8a3b55ed402112"
        );
    }

    #[test]
    fn hmac_with_a_key_of_exactly_one_block() -> Result<(), hmac::digest::InvalidLength> {
        let key = [0x0b; 64];
        let mut reference = HmacSha1::new_from_slice(&key)?;
        reference.update(b"abc");
        let expected: [u8; 20] = reference.finalize().into_bytes().into();
        assert_eq!(hmac_sha1(&key, b"abc"), expected);
        Ok(())
    }

    #[test]
    fn sha1_of_abc_is_the_fips_value() {
        assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    }
}
