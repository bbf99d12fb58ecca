//! The `wx.getUserInfo()` rawData signature (`spec/originals.md` §3.1, `lib/sha1.js`;
//! <https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/signature.html>).

use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

use crate::SessionKey;

/// The signature WeChat computes for `raw_data`: lowercase hex
/// SHA-1(UTF-8 bytes of rawData ‖ the session_key's base64 *text*).
///
/// `raw_data` must be the exact string the client received (after `decodeURIComponent` of the
/// `X-WX-RawData` header): re-serialised JSON hashes differently.
pub fn raw_data_signature(raw_data: &str, session_key: &SessionKey) -> String {
    let mut hasher = Sha1::new();
    hasher.update(raw_data.as_bytes());
    hasher.update(session_key.expose_secret().as_bytes());
    hex::encode(hasher.finalize())
}

/// Whether `signature` is WeChat's signature of `raw_data` under `session_key`.
///
/// Compared in constant time (`subtle`); the original compared with `===`, which leaks timing.
/// Byte-for-byte like the original: WeChat sends lowercase hex, so an uppercase signature is
/// rejected (`wx_signature.json` leaves this implementation-defined; we chose strict). An empty
/// or wrong-length signature is simply `false`.
pub fn verify_raw_data(raw_data: &str, session_key: &SessionKey, signature: &str) -> bool {
    let expected = raw_data_signature(raw_data, session_key);
    // `ct_eq` on slices of different lengths is false; the length (40) is public anyway.
    expected.as_bytes().ct_eq(signature.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RAW: &str = r#"{"nickName":"Band","gender":1}"#;

    #[test]
    fn a_signature_made_here_verifies() {
        let key = SessionKey::new("HyVFkGl5F5OQWJZZaNzBBg==");
        let signature = raw_data_signature(RAW, &key);
        assert_eq!(signature.len(), 40);
        assert!(verify_raw_data(RAW, &key, &signature));
    }

    #[test]
    fn empty_and_truncated_signatures_are_rejected() {
        let key = SessionKey::new("HyVFkGl5F5OQWJZZaNzBBg==");
        let signature = raw_data_signature(RAW, &key);
        assert!(!verify_raw_data(RAW, &key, ""));
        assert!(!verify_raw_data(RAW, &key, &signature[..39]));
        assert!(!verify_raw_data(RAW, &key, &format!("{signature}0")));
    }

    #[test]
    fn another_session_key_does_not_verify() {
        let signature = raw_data_signature(RAW, &SessionKey::new("HyVFkGl5F5OQWJZZaNzBBg=="));
        assert!(!verify_raw_data(
            RAW,
            &SessionKey::new("tiihtNczf5v6AKRyjwEUhQ=="),
            &signature
        ));
    }
}
