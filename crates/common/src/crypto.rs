//! The hash primitives the signers share: SHA-1 / HMAC-SHA1 (COS v5, v4 and PostObject) and
//! SHA-256 / HMAC-SHA256 (AWS Signature Version 4 POST policies).
//!
//! `hmac` 0.13 only offers fallible key set-up (`new_from_slice`) for variable-length keys,
//! although HMAC accepts any key. To stay free of `unwrap`/panics we build the block-sized key
//! of RFC 2104 §2 ourselves (keys longer than the hash's block are hashed first, shorter ones
//! are zero-padded) and use the infallible fixed-size `KeyInit::new`.

use hmac::digest::{Digest, Output};
use hmac::{EagerHash, Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::Sha256;

/// Raw HMAC of `message` under `key` (any length) with the hash `D`.
fn hmac<D>(key: &[u8], message: &[u8]) -> Output<Hmac<D>>
where
    D: EagerHash + Digest,
    Hmac<D>: KeyInit + Mac,
{
    let mut block_key = hmac::digest::Key::<Hmac<D>>::default();
    if key.len() > block_key.len() {
        let hashed = D::digest(key);
        block_key[..hashed.len()].copy_from_slice(&hashed);
    } else {
        block_key[..key.len()].copy_from_slice(key);
    }
    let mut mac = <Hmac<D> as KeyInit>::new(&block_key);
    mac.update(message);
    mac.finalize().into_bytes()
}

/// Raw HMAC-SHA1 (20 bytes) of `message` under `key` (any length).
pub(crate) fn hmac_sha1(key: &[u8], message: &[u8]) -> [u8; 20] {
    hmac::<Sha1>(key, message).into()
}

/// Lowercase hex HMAC-SHA1, as the v5 `SignKey` and `Signature` steps want it.
pub(crate) fn hmac_sha1_hex(key: &[u8], message: &[u8]) -> String {
    hex::encode(hmac_sha1(key, message))
}

/// Lowercase hex SHA-1 (the v5 `sha1(HttpString)` step).
pub(crate) fn sha1_hex(message: &[u8]) -> String {
    hex::encode(Sha1::digest(message))
}

/// Raw HMAC-SHA256 (32 bytes) of `message` under `key` (any length): one step of the SigV4
/// signing-key chain.
pub(crate) fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    hmac::<Sha256>(key, message).into()
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
        let mut reference = Hmac::<Sha1>::new_from_slice(&key)?;
        reference.update(b"abc");
        let expected: [u8; 20] = reference.finalize().into_bytes().into();
        assert_eq!(hmac_sha1(&key, b"abc"), expected);
        Ok(())
    }

    #[test]
    fn sha1_of_abc_is_the_fips_value() {
        assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    }

    #[test]
    fn hmac_sha256_matches_rfc_4231_test_case_2() {
        // RFC 4231 §4.3.
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn hmac_sha256_hashes_keys_longer_than_one_block() {
        // RFC 4231 §4.7, test case 6: a 131-byte key.
        assert_eq!(
            hex::encode(hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }
}
