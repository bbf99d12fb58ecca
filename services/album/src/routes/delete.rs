//! `POST {base}/album/delete`: remove the image whose URL path is `filepath`
//! (`spec/originals.md` §1.2).
//!
//! The body is JSON (`{"filepath":"/…"}`, what `wx.request` sends) or urlencoded. Replies
//! (HTTP 200): `{"code":0,"msg":"ok","data":{}}`, or
//! `{"code":-1,"msg":"failed","data":{"name":…,"message":…}}` with the original's JavaScript
//! error names: `URIError`/`URI malformed`, `Error`/`operation forbidden`, and `SyntaxError` for
//! a JSON body that does not parse.

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, http::header, web};
use futures_util::StreamExt;
use serde::Serialize;
use weapp_common::envelope::{Empty, Envelope};

use super::AppState;

/// `data` of a failed delete: a JavaScript error's `name` and `message`.
#[derive(Debug, Serialize)]
pub struct JsError {
    /// `URIError`, `Error`, `SyntaxError`, `PayloadTooLargeError`.
    pub name: &'static str,
    /// Its message.
    pub message: String,
}

fn failed(name: &'static str, message: impl Into<String>) -> HttpResponse {
    Envelope::failed(
        "failed",
        JsError {
            name,
            message: message.into(),
        },
    )
    .into_response(StatusCode::OK)
}

/// Handle a delete.
pub async fn delete(
    req: HttpRequest,
    mut payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            return failed("Error", "request aborted");
        };
        if body.len() + chunk.len() > state.json_body_limit {
            return failed("PayloadTooLargeError", "request entity too large");
        }
        body.extend_from_slice(&chunk);
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let filepath = match filepath_from_body(content_type, &body) {
        Ok(filepath) => filepath,
        Err(message) => return failed("SyntaxError", message),
    };
    // Like `decodeURIComponent(undefined)`: a missing filepath is the string "undefined",
    // which no folder contains.
    let filepath = filepath.as_deref().unwrap_or("undefined");
    let storage = &state.storage;
    let key = match storage
        .folder()
        .key_from_filepath(filepath, &storage.url_path_prefix())
    {
        Ok(key) => key,
        Err(error) => return failed(error.js_name(), error.to_string()),
    };
    match storage.delete(&key).await {
        Ok(()) => {
            log::info!("deleted {key}");
            Envelope::ok("ok", Empty {}).into_response(StatusCode::OK)
        }
        Err(error) => {
            log::error!("deleting {key} failed: {error}");
            failed("Error", "delete failed, please retry")
        }
    }
}

/// `filepath` from a JSON or urlencoded body, coerced to a string as JavaScript's
/// `decodeURIComponent` would for strings, numbers and booleans; `None` when absent.
///
/// # Errors
/// The JSON parser's message for a JSON body that does not parse.
fn filepath_from_body(content_type: &str, body: &[u8]) -> Result<Option<String>, String> {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json" || essence.ends_with("+json") {
        if body.is_empty() {
            return Ok(None);
        }
        let value: serde_json::Value =
            serde_json::from_slice(body).map_err(|error| error.to_string())?;
        return Ok(match value.get("filepath") {
            Some(serde_json::Value::String(text)) => Some(text.clone()),
            Some(serde_json::Value::Number(number)) => Some(number.to_string()),
            Some(serde_json::Value::Bool(flag)) => Some(flag.to_string()),
            _ => None,
        });
    }
    if essence == "application/x-www-form-urlencoded" {
        return Ok(url::form_urlencoded::parse(body)
            .find(|(name, _)| name == "filepath")
            .map(|(_, value)| value.into_owned()));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_form_bodies_carry_filepath() {
        assert_eq!(
            filepath_from_body("application/json", br#"{"filepath":"/1-a.jpg"}"#),
            Ok(Some("/1-a.jpg".to_owned()))
        );
        assert_eq!(
            filepath_from_body(
                "application/x-www-form-urlencoded; charset=UTF-8",
                b"filepath=%2F1-a.jpg&x=1"
            ),
            Ok(Some("/1-a.jpg".to_owned()))
        );
    }

    #[test]
    fn missing_or_unusable_filepath_is_none() {
        assert_eq!(filepath_from_body("application/json", b"{}"), Ok(None));
        assert_eq!(filepath_from_body("application/json", b""), Ok(None));
        assert_eq!(
            filepath_from_body("text/plain", b"filepath=/a.jpg"),
            Ok(None)
        );
        assert_eq!(
            filepath_from_body("application/json", br#"{"filepath":null}"#),
            Ok(None)
        );
    }

    #[test]
    fn broken_json_is_a_syntax_error() {
        assert!(filepath_from_body("application/json", b"{\"filepath\":").is_err());
    }
}
