//! WeChat open data (`encryptedData` + `iv` from `wx.getUserInfo()`, phone numbers…):
//! AES-128-CBC with PKCS#7 padding, key = base64-decoded session_key, iv = base64-decoded iv,
//! plaintext = UTF-8 JSON whose `watermark.appid` must be the mini-program's AppID
//! (`spec/originals.md` §7.2, `spec/vectors/wx_decrypt.json`;
//! <https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/signature.html>).
//!
//! [`decrypt_bytes`] / [`encrypt_bytes`] are the bare crypto layer; [`decrypt_open_data`] adds
//! the JSON and watermark rules and [`encrypt_open_data`] does what WeChat does (adds the
//! watermark, picks a random IV) for the simulator and tests. Nothing here panics on input.

use aes::Aes128;
use base64::{Engine, engine::general_purpose::STANDARD};
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::SessionKey;

/// Why `encryptedData` could not be turned into trusted JSON. Never carries the data or key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecryptError {
    /// `encryptedData`, `iv` or the session_key is not standard, padded base64.
    #[error("encryptedData, iv or session_key is not valid base64")]
    BadBase64,
    /// The session_key or the iv does not decode to 16 bytes (AES-128 key and block size).
    #[error("session_key and iv must decode to 16 bytes")]
    BadKeyLength,
    /// The ciphertext is empty, not whole blocks, or its PKCS#7 padding is wrong — usually a
    /// session_key other than the one WeChat encrypted with (the user logged in again).
    #[error("decryption failed (bad padding): wrong session_key or damaged data")]
    BadPadding,
    /// The plaintext is not UTF-8 JSON.
    #[error("decrypted data is not JSON")]
    NotJson,
    /// `watermark.appid` is missing or is not this mini-program's AppID.
    #[error("watermark appid does not match the app id")]
    WatermarkMismatch,
}

/// Why open data could not be encrypted (simulator and tests only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EncryptError {
    /// The session_key is not standard, padded base64.
    #[error("session_key is not valid base64")]
    BadBase64,
    /// The session_key or the iv is not 16 bytes.
    #[error("session_key and iv must be 16 bytes")]
    BadKeyLength,
    /// Open data is a JSON object (WeChat adds `watermark` to it).
    #[error("open data must be a JSON object")]
    NotAnObject,
}

/// `encryptedData` and `iv` as `wx.getUserInfo()` returns them (standard base64).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncryptedOpenData {
    /// Base64 of the AES-128-CBC ciphertext.
    #[serde(rename = "encryptedData")]
    pub encrypted_data: String,
    /// Base64 of the 16-byte IV.
    pub iv: String,
}

type Decryptor = cbc::Decryptor<Aes128>;
type Encryptor = cbc::Encryptor<Aes128>;

/// Decrypt `encrypted_data` with `session_key` and check the watermark against `app_id`.
///
/// Returns the whole JSON object, `watermark` included. The watermark timestamp is not
/// checked: WeChat documents it as optional, and a login proves freshness by its code.
///
/// # Errors
/// [`DecryptError`]: bad base64 or lengths, bad padding (typically a stale session_key),
/// non-JSON plaintext, or a watermark of another app.
pub fn decrypt_open_data(
    encrypted_data: &str,
    iv: &str,
    session_key: &SessionKey,
    app_id: &str,
) -> Result<Value, DecryptError> {
    let plaintext = decrypt_bytes(encrypted_data, iv, session_key)?;
    let json: Value = serde_json::from_slice(&plaintext).map_err(|_| DecryptError::NotJson)?;
    let watermark_app_id = json
        .get("watermark")
        .and_then(|watermark| watermark.get("appid"))
        .and_then(Value::as_str);
    if watermark_app_id != Some(app_id) {
        return Err(DecryptError::WatermarkMismatch);
    }
    Ok(json)
}

/// The crypto layer alone: base64-decode, AES-128-CBC-decrypt, remove PKCS#7 padding.
///
/// # Errors
/// [`DecryptError::BadBase64`], [`DecryptError::BadKeyLength`], [`DecryptError::BadPadding`].
pub fn decrypt_bytes(
    encrypted_data: &str,
    iv: &str,
    session_key: &SessionKey,
) -> Result<Vec<u8>, DecryptError> {
    let key = decode(session_key.expose_secret())?;
    let iv = decode(iv)?;
    let ciphertext = decode(encrypted_data)?;
    let decryptor =
        Decryptor::new_from_slices(&key, &iv).map_err(|_| DecryptError::BadKeyLength)?;
    decryptor
        .decrypt_padded_vec::<Pkcs7>(&ciphertext)
        .map_err(|_| DecryptError::BadPadding)
}

/// What WeChat does to open data: add `watermark: {timestamp, appid}` to `data` and encrypt it
/// with `session_key` under a fresh random IV.
///
/// `timestamp` is Unix seconds.
///
/// # Errors
/// [`EncryptError`]: `data` is not an object, or the session_key is not 16 bytes of base64.
pub fn encrypt_open_data(
    data: &Value,
    session_key: &SessionKey,
    app_id: &str,
    timestamp: u64,
) -> Result<EncryptedOpenData, EncryptError> {
    let mut data = data.clone();
    let object = data.as_object_mut().ok_or(EncryptError::NotAnObject)?;
    object.insert(
        "watermark".to_owned(),
        json!({ "timestamp": timestamp, "appid": app_id }),
    );
    let iv: [u8; 16] = rand::random();
    let plaintext = data.to_string();
    Ok(EncryptedOpenData {
        encrypted_data: encrypt_bytes(plaintext.as_bytes(), session_key, &iv)?,
        iv: STANDARD.encode(iv),
    })
}

/// The crypto layer alone: PKCS#7-pad, AES-128-CBC-encrypt, base64-encode.
///
/// # Errors
/// [`EncryptError::BadBase64`] / [`EncryptError::BadKeyLength`] for the session_key or `iv`.
pub fn encrypt_bytes(
    plaintext: &[u8],
    session_key: &SessionKey,
    iv: &[u8],
) -> Result<String, EncryptError> {
    let key = STANDARD
        .decode(session_key.expose_secret())
        .map_err(|_| EncryptError::BadBase64)?;
    let encryptor = Encryptor::new_from_slices(&key, iv).map_err(|_| EncryptError::BadKeyLength)?;
    Ok(STANDARD.encode(encryptor.encrypt_padded_vec::<Pkcs7>(plaintext)))
}

fn decode(text: &str) -> Result<Vec<u8>, DecryptError> {
    STANDARD.decode(text).map_err(|_| DecryptError::BadBase64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "MTIzNDU2Nzg5MGFiY2RlZg==";
    const IV: &str = "ZmVkY2JhMDk4NzY1NDMyMQ==";

    fn key() -> SessionKey {
        SessionKey::new(KEY)
    }

    fn sealed(plaintext: &str) -> String {
        let iv = STANDARD.decode(IV).unwrap_or_default();
        encrypt_bytes(plaintext.as_bytes(), &key(), &iv).unwrap_or_default()
    }

    #[test]
    fn round_trip_adds_the_watermark() -> Result<(), Box<dyn std::error::Error>> {
        let data = json!({"phoneNumber": "13800000000"});
        let sealed = encrypt_open_data(&data, &key(), "wx1", 1_700_000_000)?;
        let opened = decrypt_open_data(&sealed.encrypted_data, &sealed.iv, &key(), "wx1")?;
        assert_eq!(opened["phoneNumber"], "13800000000");
        assert_eq!(
            opened["watermark"],
            json!({"timestamp": 1_700_000_000, "appid": "wx1"})
        );
        Ok(())
    }

    #[test]
    fn each_encryption_uses_a_fresh_iv() -> Result<(), EncryptError> {
        let data = json!({"a": 1});
        let first = encrypt_open_data(&data, &key(), "wx1", 1)?;
        let second = encrypt_open_data(&data, &key(), "wx1", 1)?;
        assert_ne!(first.iv, second.iv);
        Ok(())
    }

    #[test]
    fn encrypting_a_non_object_is_refused() {
        let result = encrypt_open_data(&json!([1, 2]), &key(), "wx1", 1);
        assert_eq!(result, Err(EncryptError::NotAnObject));
    }

    #[test]
    fn bad_base64_anywhere_is_bad_base64() {
        let data = sealed("{}");
        for (data, iv, key) in [
            ("not base64!", IV, KEY),
            (data.as_str(), "***", KEY),
            (data.as_str(), IV, "%%%"),
            (data.trim_end_matches('='), IV, KEY),
        ] {
            let result = decrypt_bytes(data, iv, &SessionKey::new(key));
            assert_eq!(result, Err(DecryptError::BadBase64), "{data} {iv} {key}");
        }
    }

    #[test]
    fn an_iv_of_the_wrong_length_is_bad_key_length() {
        let result = decrypt_bytes(&sealed("{}"), "AAAA", &key());
        assert_eq!(result, Err(DecryptError::BadKeyLength));
    }

    #[test]
    fn empty_or_partial_blocks_are_bad_padding() {
        let full = STANDARD
            .decode(sealed(r#"{"a":"two blocks long"}"#))
            .unwrap_or_default();
        for ciphertext in [&[][..], &full[..15], &full[..17]] {
            let result = decrypt_bytes(&STANDARD.encode(ciphertext), IV, &key());
            assert_eq!(result, Err(DecryptError::BadPadding));
        }
    }

    #[test]
    fn plaintext_that_is_not_json_is_not_json() {
        let result = decrypt_open_data(&sealed("hello"), IV, &key(), "wx1");
        assert_eq!(result, Err(DecryptError::NotJson));
    }

    #[test]
    fn json_without_a_watermark_is_a_mismatch() {
        for plaintext in [
            r#"{"a":1}"#,
            r#"{"watermark":{"appid":7}}"#,
            r#"[1]"#,
            r#""wx1""#,
        ] {
            let result = decrypt_open_data(&sealed(plaintext), IV, &key(), "wx1");
            assert_eq!(result, Err(DecryptError::WatermarkMismatch), "{plaintext}");
        }
    }

    #[test]
    fn flipped_bytes_never_panic() {
        let full = STANDARD
            .decode(sealed(r#"{"watermark":{"appid":"wx1"}}"#))
            .unwrap_or_default();
        for index in 0..full.len() {
            let mut damaged = full.clone();
            damaged[index] ^= 0x5a;
            // Any outcome but a panic; most are BadPadding or NotJson.
            let _ = decrypt_open_data(&STANDARD.encode(&damaged), IV, &key(), "wx1");
        }
    }
}
