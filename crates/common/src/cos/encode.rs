//! The percent-encoding COS signing is built on.
//!
//! `Encode(x)` of <https://cloud.tencent.com/document/product/436/7778>: UTF-8 bytes, with only
//! `A-Z a-z 0-9 - _ . ~` left as they are and every other byte written `%XX` in uppercase hex
//! (so `/ ; = & + space ! * ' ( )` are all encoded and a space is `%20`, never `+`). This is
//! Python's `quote(x, safe='-_.~')` as used by cos-python-sdk-v5 (`algorithm_summary` in
//! `cos_xml_sign.json`).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Bytes that `Encode` escapes: everything except ASCII letters, digits and `-_.~`.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// [`COMPONENT`] but keeping `/`, for object paths (Python `quote(key, safe='/-_.~')`, and the
/// v4 SDK's `quote(path, safe='~/')`, which is the same set).
const PATH: &AsciiSet = &COMPONENT.remove(b'/');

/// `Encode(x)`: percent-encodes every byte of `value`'s UTF-8 except `A-Z a-z 0-9 - _ . ~`,
/// with uppercase hex digits. `"a b/c"` → `"a%20b%2Fc"`, `"张"` → `"%E5%BC%A0"`.
pub fn encode(value: &str) -> String {
    utf8_percent_encode(value, COMPONENT).to_string()
}

/// Like [`encode`] but leaves `/` alone, so each path segment is encoded and the separators
/// stay: `"相册/猫咪 01.jpg"` → `"%E7%9B%B8%E5%86%8C/%E7%8C%AB%E5%92%AA%2001.jpg"`.
pub fn encode_path(path: &str) -> String {
    utf8_percent_encode(path, PATH).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreserved_characters_stay_literal() {
        let unreserved = "ABCXYZabcxyz0189-_.~";
        assert_eq!(encode(unreserved), unreserved);
    }

    #[test]
    fn reserved_characters_are_encoded_with_uppercase_hex() {
        assert_eq!(
            encode("/;=&+ !*'()%:?#[]@$,\""),
            "%2F%3B%3D%26%2B%20%21%2A%27%28%29%25%3A%3F%23%5B%5D%40%24%2C%22"
        );
    }

    #[test]
    fn control_and_non_ascii_bytes_are_encoded_as_utf8() {
        assert_eq!(encode("\n\t\u{7f}"), "%0A%09%7F");
        assert_eq!(encode("张三"), "%E5%BC%A0%E4%B8%89");
        assert_eq!(encode("😀"), "%F0%9F%98%80");
    }

    #[test]
    fn path_encoding_keeps_slashes_only() {
        assert_eq!(encode_path("a b/c;d/"), "a%20b/c%3Bd/");
        assert_eq!(encode_path("/~x/"), "/~x/");
    }
}
