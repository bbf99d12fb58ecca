//! Every vector of `spec/vectors/wx_signature.json` and `wx_decrypt.json`, positive and
//! negative (copied to `tests/fixtures/vectors/`). A vector this file does not know how to
//! judge fails the test, so new vectors cannot be skipped silently.

use base64::{Engine, engine::general_purpose::STANDARD};
use serde_json::Value;
use wx_api::{
    DecryptError, SessionKey, decrypt_open_data,
    open_data::{decrypt_bytes, encrypt_bytes},
    raw_data_signature, verify_raw_data,
};

fn vectors(json: &str) -> Vec<Value> {
    let file: Value = serde_json::from_str(json).expect("vector file is JSON");
    file["vectors"]
        .as_array()
        .cloned()
        .expect("a vectors array")
}

fn signature_vectors() -> Vec<Value> {
    vectors(include_str!("../fixtures/vectors/wx_signature.json"))
}

fn decrypt_vectors() -> Vec<Value> {
    vectors(include_str!("../fixtures/vectors/wx_decrypt.json"))
}

fn text<'a>(vector: &'a Value, field: &str) -> &'a str {
    vector[field]
        .as_str()
        .unwrap_or_else(|| panic!("{}: no string {field}", vector["id"]))
}

#[test]
fn every_signature_vector_is_judged_as_expected() {
    let vectors = signature_vectors();
    assert_eq!(
        vectors.len(),
        6,
        "the vector file changed: review this test"
    );
    for vector in &vectors {
        let id = text(vector, "id");
        let key = SessionKey::new(text(vector, "session_key"));
        let verdict = verify_raw_data(text(vector, "raw_data"), &key, text(vector, "signature"));
        let expected = match &vector["expect_valid"] {
            Value::Bool(valid) => *valid,
            // Our choice for "implementation-defined" (uppercase hex): strict, rejected.
            Value::String(rule) if rule == "implementation-defined" => false,
            other => panic!("{id}: unknown expect_valid {other}"),
        };
        assert_eq!(verdict, expected, "{id}");
    }
}

#[test]
fn signatures_are_lowercase_sha1_of_raw_data_then_key_text() {
    for vector in signature_vectors() {
        let key = SessionKey::new(text(&vector, "session_key"));
        let computed = raw_data_signature(text(&vector, "raw_data"), &key);
        let expected = vector["actual_sha1"]
            .as_str()
            .unwrap_or_else(|| text(&vector, "signature"));
        // The uppercase vector's hash is the lowercase of its signature.
        assert_eq!(computed, expected.to_ascii_lowercase(), "{}", vector["id"]);
    }
}

#[test]
fn the_uppercase_signature_is_rejected() {
    let vector = signature_vectors()
        .into_iter()
        .find(|v| v["id"] == "negative_uppercase_hex")
        .expect("the uppercase vector");
    let key = SessionKey::new(text(&vector, "session_key"));
    assert!(!verify_raw_data(
        text(&vector, "raw_data"),
        &key,
        text(&vector, "signature")
    ));
}

/// The outcome a decrypt vector expects, by its `expect` text and id.
fn judge_decrypt(vector: &Value) {
    let id = text(vector, "id");
    let key = SessionKey::new(text(vector, "session_key"));
    let (data, iv) = (text(vector, "encrypted_data"), text(vector, "iv"));
    let expect = text(vector, "expect");
    if expect.starts_with("ok") {
        let plaintext = decrypt_bytes(data, iv, &key).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(
            String::from_utf8(plaintext).ok().as_deref(),
            Some(text(vector, "expected_plaintext")),
            "{id}"
        );
        if let Some(app_id) = vector["app_id"].as_str() {
            let json =
                decrypt_open_data(data, iv, &key, app_id).unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(json, vector["expected_json"], "{id}");
        }
        return;
    }
    let app_id = text(vector, "app_id");
    let result = decrypt_open_data(data, iv, &key, app_id);
    match id {
        "generated_watermark_mismatch" => {
            assert_eq!(result, Err(DecryptError::WatermarkMismatch), "{id}");
        }
        "negative_wrong_session_key" => assert!(
            matches!(
                result,
                Err(DecryptError::BadPadding | DecryptError::NotJson)
            ),
            "{id}: {result:?}"
        ),
        "negative_bad_key_length" => {
            assert_eq!(result, Err(DecryptError::BadKeyLength), "{id}");
        }
        _ => panic!("{id}: unknown negative vector ({expect}): classify it here"),
    }
}

#[test]
fn every_decrypt_vector_is_judged_as_expected() {
    let vectors = decrypt_vectors();
    assert_eq!(
        vectors.len(),
        7,
        "the vector file changed: review this test"
    );
    for vector in &vectors {
        judge_decrypt(vector);
    }
}

#[test]
fn a_wrong_session_key_fails_on_padding() {
    let vector = decrypt_vectors()
        .into_iter()
        .find(|v| v["id"] == "negative_wrong_session_key")
        .expect("the wrong-key vector");
    let result = decrypt_open_data(
        text(&vector, "encrypted_data"),
        text(&vector, "iv"),
        &SessionKey::new(text(&vector, "session_key")),
        text(&vector, "app_id"),
    );
    // What python's cryptography observed, and deterministic for this input.
    assert_eq!(result, Err(DecryptError::BadPadding));
}

#[test]
fn encryption_reproduces_every_positive_ciphertext() {
    for vector in decrypt_vectors() {
        if !text(&vector, "expect").starts_with("ok") {
            continue;
        }
        let key = SessionKey::new(text(&vector, "session_key"));
        let iv = STANDARD.decode(text(&vector, "iv")).expect("base64 iv");
        let sealed = encrypt_bytes(text(&vector, "expected_plaintext").as_bytes(), &key, &iv)
            .expect("encrypt");
        assert_eq!(sealed, text(&vector, "encrypted_data"), "{}", vector["id"]);
    }
}
