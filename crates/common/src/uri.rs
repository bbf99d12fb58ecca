//! JavaScript's `decodeURIComponent`, for routes whose original handler called it.
//!
//! The album's delete handler ran `decodeURIComponent(filepath)` and answered its `URIError`
//! (`spec/originals.md` §1.2). ECMAScript (§19.2.6.3 `Decode`) rejects a `%` not followed by two
//! hex digits and escapes that do not form valid UTF-8; both raise `URIError: URI malformed`.

use percent_encoding::percent_decode_str;

/// `URIError: URI malformed`, JavaScript's only failure of `decodeURIComponent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("URI malformed")]
pub struct UriError;

impl UriError {
    /// The JavaScript error name, `URIError`.
    pub const NAME: &'static str = "URIError";
}

/// Decode every `%XX` escape of `input` as UTF-8, exactly as JavaScript's `decodeURIComponent`.
///
/// `+` stays `+` (it is not a space here, unlike form decoding).
///
/// # Errors
/// [`UriError`] when a `%` is not followed by two hex digits or the escapes are not UTF-8.
pub fn decode_uri_component(input: &str) -> Result<String, UriError> {
    let bytes = input.as_bytes();
    let mut index = 0;
    while let Some(offset) = bytes[index..].iter().position(|&b| b == b'%') {
        let at = index + offset;
        let well_formed = bytes
            .get(at + 1..at + 3)
            .is_some_and(|pair| pair.iter().all(u8::is_ascii_hexdigit));
        if !well_formed {
            return Err(UriError);
        }
        index = at + 3;
    }
    percent_decode_str(input)
        .decode_utf8()
        .map(|decoded| decoded.into_owned())
        .map_err(|_| UriError)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf8_escapes_and_reserved_characters() {
        assert_eq!(
            decode_uri_component("/%E7%8C%AB%20a%2Fb+c"),
            Ok("/猫 a/b+c".to_owned())
        );
    }

    #[test]
    fn leaves_plain_text_alone() {
        assert_eq!(
            decode_uri_component("/1700000000000-abc.jpg"),
            Ok("/1700000000000-abc.jpg".to_owned())
        );
    }

    #[test]
    fn rejects_a_lone_percent() {
        assert_eq!(decode_uri_component("/100%"), Err(UriError));
        assert_eq!(decode_uri_component("%zz"), Err(UriError));
        assert_eq!(decode_uri_component("%4"), Err(UriError));
    }

    #[test]
    fn rejects_invalid_utf8() {
        assert_eq!(decode_uri_component("%E7%8C"), Err(UriError));
        assert_eq!(decode_uri_component("%FF"), Err(UriError));
    }

    #[test]
    fn message_matches_javascript() {
        assert_eq!(UriError.to_string(), "URI malformed");
        assert_eq!(UriError::NAME, "URIError");
    }
}
