//! One request-body reader for the JSON and urlencoded `POST` routes of every service, like
//! the originals' body-parser pair (`spec/originals.md` §0): `application/json` (and any
//! `+json` type) and `application/x-www-form-urlencoded`; any other or no content type reads as
//! no fields, as Express's `req.body` was `{}` then.
//!
//! The reader bounds the body (`json_body_limit`), insists on UTF-8, and gives the fields as a
//! JSON object; each service keeps its own coercions (how a number or `null` counts) and its own
//! failure envelope.
//!
//! Urlencoded names that repeat (`a=1&a=2`) or end in `[]` (`a[]=1&a[]=2`, qs's extended
//! syntax) give an array of strings under the bare name.

use actix_web::{HttpRequest, http::header, web};
use futures_util::StreamExt;
use serde_json::{Map, Value};

/// A body's fields.
pub type Fields = Map<String, Value>;

/// Why a body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// The client stopped sending before the end.
    #[error("request aborted")]
    Aborted,
    /// More than the limit.
    #[error("request entity too large")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// A JSON body that does not parse (serde_json's message, which names line and column).
    #[error("{0}")]
    Json(String),
    /// JSON that parses but is not an object (an array, a string, …).
    #[error("the JSON body is not an object")]
    NotObject,
    /// An urlencoded body whose bytes or escapes are not UTF-8.
    #[error("the form is not UTF-8")]
    NotUtf8,
}

/// Read at most `limit` bytes of `payload` and parse them by the request's content type.
///
/// # Errors
/// [`BodyError`].
pub async fn read(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<Fields, BodyError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| BodyError::Aborted)?;
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge { limit });
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

/// The media type of a `Content-Type` value, lower-cased, without parameters.
pub fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Parse `body` as its `content_type` says.
///
/// # Errors
/// [`BodyError::Json`], [`BodyError::NotObject`] or [`BodyError::NotUtf8`].
pub fn parse(content_type: &str, body: &[u8]) -> Result<Fields, BodyError> {
    let essence = essence(content_type);
    if essence == "application/json" || essence.ends_with("+json") {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Fields::new());
        }
        return match serde_json::from_slice(body) {
            Ok(Value::Object(fields)) => Ok(fields),
            Ok(_) => Err(BodyError::NotObject),
            Err(error) => Err(BodyError::Json(error.to_string())),
        };
    }
    if essence == "application/x-www-form-urlencoded" {
        return urlencoded(body);
    }
    Ok(Fields::new())
}

fn decode(part: &[u8]) -> Result<String, BodyError> {
    let plus_as_space: Vec<u8> = part
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    String::from_utf8(percent_encoding::percent_decode(&plus_as_space).collect())
        .map_err(|_| BodyError::NotUtf8)
}

fn urlencoded(body: &[u8]) -> Result<Fields, BodyError> {
    std::str::from_utf8(body).map_err(|_| BodyError::NotUtf8)?;
    let mut fields = Fields::new();
    for pair in body.split(|&b| b == b'&').filter(|pair| !pair.is_empty()) {
        let (name, value) = match pair.iter().position(|&b| b == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &b""[..]),
        };
        let name = decode(name)?;
        let value = Value::String(decode(value)?);
        let (name, listed) = match name.strip_suffix("[]") {
            Some(bare) => (bare.to_owned(), true),
            None => (name, false),
        };
        match fields.get_mut(&name) {
            Some(Value::Array(values)) => values.push(value),
            Some(first) => {
                let first = first.take();
                fields.insert(name, Value::Array(vec![first, value]));
            }
            None if listed => {
                fields.insert(name, Value::Array(vec![value]));
            }
            None => {
                fields.insert(name, value);
            }
        }
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn json_objects_are_the_fields() {
        assert_eq!(
            parse("application/json; charset=utf-8", br#"{"a":1,"b":"x"}"#),
            Ok(json!({"a":1,"b":"x"})
                .as_object()
                .cloned()
                .unwrap_or_default())
        );
        assert_eq!(parse("application/vnd.api+json", b"{}"), Ok(Fields::new()));
        assert_eq!(parse("application/json", b"  "), Ok(Fields::new()));
    }

    #[test]
    fn bad_json_and_non_objects_are_errors() {
        assert!(matches!(
            parse("application/json", b"{\"a\":"),
            Err(BodyError::Json(_))
        ));
        assert_eq!(parse("application/json", b"[1]"), Err(BodyError::NotObject));
        assert!(matches!(
            parse("application/json", b"{\"a\":\"\xff\"}"),
            Err(BodyError::Json(_))
        ));
    }

    #[test]
    fn forms_are_decoded_strictly_as_utf8() {
        assert_eq!(
            parse("application/x-www-form-urlencoded", b"a=%E7%8C%AB+cat&b=&c"),
            Ok(json!({"a":"猫 cat","b":"","c":""})
                .as_object()
                .cloned()
                .unwrap_or_default())
        );
        assert_eq!(
            parse("application/x-www-form-urlencoded", b"a=%FF"),
            Err(BodyError::NotUtf8)
        );
        assert_eq!(
            parse("application/x-www-form-urlencoded", b"a=\xff"),
            Err(BodyError::NotUtf8)
        );
    }

    #[test]
    fn repeated_and_bracketed_names_are_arrays() {
        assert_eq!(
            parse(
                "application/x-www-form-urlencoded",
                b"p=1&p=2&q[]=3&r[]=4&r[]=5"
            ),
            Ok(json!({"p":["1","2"],"q":["3"],"r":["4","5"]})
                .as_object()
                .cloned()
                .unwrap_or_default())
        );
    }

    #[test]
    fn other_content_types_have_no_fields() {
        assert_eq!(parse("text/plain", b"a=1"), Ok(Fields::new()));
        assert_eq!(parse("", b"{\"a\":1}"), Ok(Fields::new()));
    }

    async fn read_body(
        content_type: &str,
        body: &'static [u8],
        limit: usize,
    ) -> Result<Fields, BodyError> {
        use actix_web::FromRequest;
        let (req, mut payload) = actix_web::test::TestRequest::post()
            .insert_header((header::CONTENT_TYPE, content_type))
            .set_payload(body)
            .to_http_parts();
        let payload = web::Payload::from_request(&req, &mut payload)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        read(&req, payload, limit).await
    }

    #[actix_web::test]
    async fn a_body_over_the_limit_is_refused_and_one_at_it_is_read() {
        assert_eq!(
            read_body("application/json", br#"{"a":"12345"}"#, 12).await,
            Err(BodyError::TooLarge { limit: 12 })
        );
        assert_eq!(
            read_body("application/json", br#"{"a":"12345"}"#, 13)
                .await
                .map(|fields| fields.len()),
            Ok(1)
        );
    }

    #[test]
    fn errors_say_what_went_wrong() {
        assert_eq!(BodyError::Aborted.to_string(), "request aborted");
        assert_eq!(
            BodyError::TooLarge { limit: 1 }.to_string(),
            "request entity too large"
        );
    }
}
