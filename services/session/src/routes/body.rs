//! Request bodies of the POST routes, read by hand so that every problem answers in the drawing
//! app's envelope (`spec/originals.md` §3.2) instead of Express's HTML 413/400 pages.
//!
//! Like the original's body parsers: `application/json` (objects) and
//! `application/x-www-form-urlencoded`; any other or no content type reads as `{}` — the
//! shared reader [`weapp_common::body`]; this module keeps the drawing app's coercion
//! ([`text`]) and failure envelope.

use actix_web::{HttpRequest, http::StatusCode, web};
use serde_json::Value;
use weapp_auth::Failure;
pub use weapp_common::body::Fields;
use weapp_common::body::{self, BodyError};

/// Read at most `limit` bytes of `payload` and parse them by content type
/// ([`weapp_common::body`], the one reader of every service).
///
/// # Errors
/// A `{"code":-1,"msg":"fail","error":{"reason":…}}` [`Failure`] (HTTP 200, as the original's
/// client expects): too large, aborted, not JSON, not a JSON object, or a form that is not
/// UTF-8.
pub async fn fields(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<Fields, Failure> {
    body::read(req, payload, limit).await.map_err(failure)
}

/// The drawing app's failure for a body that could not be read.
fn failure(error: BodyError) -> Failure {
    let reason = match error {
        BodyError::Aborted => "request body could not be read".to_owned(),
        BodyError::TooLarge { limit } => format!("request body exceeds {limit} bytes"),
        BodyError::Json(message) => format!("request body is not valid JSON: {message}"),
        BodyError::NotObject => "request body must be a JSON object".to_owned(),
        BodyError::NotUtf8 => "request body is not UTF-8".to_owned(),
    };
    Failure::reason(StatusCode::OK, reason)
}

/// Parse `body` by its content type (tests).
#[cfg(test)]
fn parse(content_type: &str, body: &[u8]) -> Result<Fields, Failure> {
    body::parse(content_type, body).map_err(failure)
}

/// A text field as the original's `String(body.x)` after its truthiness check: a non-empty
/// string, or a number / `true` as text; anything else (absent, empty, `false`, `null`, arrays,
/// objects) is `None`.
pub fn text(fields: &Fields, name: &str) -> Option<String> {
    match fields.get(name)? {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(true) => Some("true".to_owned()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(result: Result<Fields, Failure>) -> String {
        result
            .err()
            .map(|f| f.error.reason.into_owned())
            .unwrap_or_default()
    }

    #[test]
    fn json_and_form_bodies_give_fields() {
        let json = parse(
            "application/json; charset=utf-8",
            br#"{"id":"a1","actions":"[]"}"#,
        );
        assert_eq!(
            json.ok().and_then(|f| text(&f, "id")),
            Some("a1".to_owned())
        );
        let form = parse("application/x-www-form-urlencoded", b"id=a%201&actions=x");
        assert_eq!(
            form.ok().and_then(|f| text(&f, "id")),
            Some("a 1".to_owned())
        );
    }

    #[test]
    fn other_or_missing_content_types_read_as_empty() {
        assert_eq!(parse("text/plain", b"id=1").ok(), Some(Fields::new()));
        assert_eq!(parse("", br#"{"id":"1"}"#).ok(), Some(Fields::new()));
        assert_eq!(parse("application/json", b"").ok(), Some(Fields::new()));
    }

    #[test]
    fn malformed_or_non_object_json_is_a_clear_failure() {
        assert!(
            reason(parse("application/json", b"{\"id\":"))
                .starts_with("request body is not valid JSON")
        );
        assert_eq!(
            reason(parse("application/json", b"[1]")),
            "request body must be a JSON object"
        );
    }

    #[test]
    fn text_follows_the_originals_truthiness() {
        let fields: Fields = serde_json::from_str(
            r#"{"s":"x","e":"","n":12,"t":true,"f":false,"z":null,"a":[1],"o":{}}"#,
        )
        .unwrap_or_default();
        assert_eq!(text(&fields, "s").as_deref(), Some("x"));
        assert_eq!(text(&fields, "n").as_deref(), Some("12"));
        assert_eq!(text(&fields, "t").as_deref(), Some("true"));
        for name in ["e", "f", "z", "a", "o", "missing"] {
            assert_eq!(text(&fields, name), None, "{name}");
        }
    }
}
