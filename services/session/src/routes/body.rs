//! Request bodies of the POST routes, read by hand so that every problem answers in the drawing
//! app's envelope (`spec/originals.md` §3.2) instead of Express's HTML 413/400 pages.
//!
//! Like the original's body parsers: `application/json` (objects) and
//! `application/x-www-form-urlencoded`; any other or no content type reads as `{}`.

use actix_web::{HttpRequest, http::StatusCode, http::header, web};
use futures_util::StreamExt;
use serde_json::{Map, Value};
use weapp_auth::Failure;

/// The body's fields.
pub type Fields = Map<String, Value>;

/// Read at most `limit` bytes of `payload` and parse them by content type.
///
/// # Errors
/// A `{"code":-1,"msg":"fail","error":{"reason":…}}` [`Failure`] (HTTP 200, as the original's
/// client expects): too large, aborted, not JSON, or not a JSON object.
pub async fn fields(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<Fields, Failure> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| fail("request body could not be read"))?;
        if body.len() + chunk.len() > limit {
            return Err(fail(format!("request body exceeds {limit} bytes")));
        }
        body.extend_from_slice(&chunk);
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    parse(content_type, &body)
}

fn fail(reason: impl Into<std::borrow::Cow<'static, str>>) -> Failure {
    Failure::reason(StatusCode::OK, reason)
}

/// Parse `body` by its content type.
fn parse(content_type: &str, body: &[u8]) -> Result<Fields, Failure> {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json" || essence.ends_with("+json") {
        if body.is_empty() {
            return Ok(Fields::new());
        }
        return match serde_json::from_slice(body) {
            Ok(Value::Object(fields)) => Ok(fields),
            Ok(_) => Err(fail("request body must be a JSON object")),
            Err(error) => Err(fail(format!("request body is not valid JSON: {error}"))),
        };
    }
    if essence == "application/x-www-form-urlencoded" {
        return Ok(url::form_urlencoded::parse(body)
            .map(|(name, value)| (name.into_owned(), Value::String(value.into_owned())))
            .collect());
    }
    Ok(Fields::new())
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
