//! `POST {base}/video/comment`: store a comment (`spec/originals.md` §4).
//!
//! The body is JSON (what `wx.request` sends: `{vid, nick, avatar, content}`, `vid` a number or
//! a string) or urlencoded. Replies, HTTP 200 and without a `data` key as in the original:
//! `{"code":0,"msg":"ok"}` once the comment is committed, else `{"code":-1,"msg":"failed"}` —
//! rate limited (plus a `Retry-After` header, which the original client ignores), body too large
//! or malformed, a field missing, malformed or too long, no such video, or a database failure
//! (then nothing was stored: `db::posting`). The reason goes to the log.
//!
//! A comment is stored at most once per client attempt (`crate::attempt`): another attempt
//! at a stored comment — the same `Idempotency-Key` and comment, or without a key the same
//! comment from the same client within `comment.dedup_window_secs` — answers `ok` again, with
//! `Idempotent-Replayed: true`, and stores nothing. Only clients that send the header (the
//! original does not) can get the two new refusals, in the same envelope: HTTP 400 for a
//! malformed key, HTTP 422 for a key already used for another comment
//! (draft-ietf-httpapi-idempotency-key-header §2.7).

use actix_web::{
    HttpRequest, HttpResponse,
    http::{
        StatusCode,
        header::{self, HeaderValue},
    },
    web,
};
use serde_json::Value;
use weapp_common::{
    body::{self, Fields},
    envelope::{CODE_FAILED, CODE_OK, Envelope},
};

use super::{AppState, failed_bare};
use crate::{
    attempt::{Attempt, IdempotencyKey},
    db::posting::Posted,
    params::{NewComment, RawComment},
};

/// The request header naming an attempt (draft-ietf-httpapi-idempotency-key-header).
const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// Set on an answer that repeats an earlier attempt's outcome (as Stripe's API does).
const REPLAYED: &str = "idempotent-replayed";

/// HTTP 400 `{"code":-1,"msg":"invalid Idempotency-Key"}`.
fn invalid_key() -> HttpResponse {
    Envelope::bare(CODE_FAILED, "invalid Idempotency-Key").into_response(StatusCode::BAD_REQUEST)
}

/// HTTP 422 `{"code":-1,"msg":"Idempotency-Key already used for another comment"}`.
fn key_reused() -> HttpResponse {
    Envelope::bare(
        CODE_FAILED,
        "Idempotency-Key already used for another comment",
    )
    .into_response(StatusCode::UNPROCESSABLE_ENTITY)
}

/// Handle a comment.
pub async fn comment(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let client = state.limiter.client(&req);
    if let Err(wait) = state.limiter.check(client) {
        log::warn!("comment from {client} rate limited; next allowed in {wait:?}");
        let mut response = failed_bare();
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
        return response;
    }
    let key = match req.headers().get(IDEMPOTENCY_KEY) {
        None => None,
        Some(value) => match IdempotencyKey::from_header(value.as_bytes()) {
            Ok(key) => Some(key),
            Err(error) => {
                log::info!("comment from {client} refused: {error}");
                return invalid_key();
            }
        },
    };
    let comment = match body::read(&req, payload, state.json_body_limit)
        .await
        .map_err(|error| error.to_string())
        .and_then(|fields| {
            NewComment::parse(raw_comment(&fields), &state.comment).map_err(|e| e.to_string())
        }) {
        Ok(comment) => comment,
        Err(reason) => {
            log::info!("comment from {client} refused: {reason}");
            return failed_bare();
        }
    };
    let limits = &state.comment;
    let attempt = match &key {
        Some(key) => Attempt::keyed(key, &comment, limits.idempotency_key_ttl()),
        None => Attempt::unkeyed(client, &comment, limits.dedup_window()),
    };
    match state.catalogue.post(&comment, &attempt).await {
        Ok(Posted::Stored(id)) => {
            log::info!("comment {id} on video {} stored", comment.vid().get());
            Envelope::bare(CODE_OK, "ok").into_response(StatusCode::OK)
        }
        Ok(Posted::Replayed(id)) => {
            log::info!("comment {id} posted again by {client}: answered, not stored twice");
            let mut response = Envelope::bare(CODE_OK, "ok").into_response(StatusCode::OK);
            response.headers_mut().insert(
                header::HeaderName::from_static(REPLAYED),
                HeaderValue::from_static("true"),
            );
            response
        }
        Ok(Posted::KeyReused) => {
            log::info!("comment from {client} refused: its Idempotency-Key names another comment");
            key_reused()
        }
        Ok(Posted::NoSuchVideo) => {
            log::info!(
                "comment from {client} refused: no video {}",
                comment.vid().get()
            );
            failed_bare()
        }
        Err(error) => {
            log::error!(
                "storing a comment on video {} failed: {error}",
                comment.vid().get()
            );
            failed_bare()
        }
    }
}

/// The comment fields of a body read by [`weapp_common::body`] (JSON or urlencoded; another
/// content type has none, and the comment is then refused for its missing `vid`).
///
/// JSON strings are taken as they are, numbers and booleans as their JSON text (a `vid` of `3`
/// and of `"3"` are the same); `null`, arrays and objects count as absent.
fn raw_comment(fields: &Fields) -> RawComment {
    let field = |name: &str| match fields.get(name) {
        Some(Value::String(text)) => Some(text.clone()),
        Some(Value::Number(number)) => Some(number.to_string()),
        Some(Value::Bool(flag)) => Some(flag.to_string()),
        _ => None,
    };
    RawComment {
        vid: field("vid"),
        nick: field("nick"),
        avatar: field("avatar"),
        content: field("content"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_body(content_type: &str, body: &[u8]) -> Result<RawComment, body::BodyError> {
        body::parse(content_type, body).map(|fields| raw_comment(&fields))
    }

    #[test]
    fn json_numbers_and_strings_are_both_text() {
        let body = r#"{"vid":3,"nick":"小明","avatar":"https://a.test/x.png","content":"好看😀"}"#;
        let raw = parse_body("application/json; charset=utf-8", body.as_bytes());
        assert_eq!(
            raw,
            Ok(RawComment {
                vid: Some("3".into()),
                nick: Some("小明".into()),
                avatar: Some("https://a.test/x.png".into()),
                content: Some("好看😀".into()),
            })
        );
        let raw = parse_body("application/json", br#"{"vid":"3","content":null}"#);
        assert_eq!(
            raw.map(|r| (r.vid, r.content)),
            Ok((Some("3".into()), None))
        );
    }

    #[test]
    fn forms_are_decoded() {
        let raw = parse_body(
            "application/x-www-form-urlencoded",
            "vid=7&content=%E5%A5%BD+%F0%9F%98%80".as_bytes(),
        );
        assert_eq!(
            raw.map(|r| (r.vid, r.content)),
            Ok((Some("7".into()), Some("好 😀".into())))
        );
    }

    #[test]
    fn other_bodies_are_refused() {
        assert!(parse_body("application/json", b"{oops").is_err());
        assert!(parse_body("application/json", b"[1,2]").is_err());
        assert!(parse_body("application/x-www-form-urlencoded", b"vid=%FF").is_err());
        // Another content type has no fields: no `vid`, so NewComment refuses it.
        assert_eq!(parse_body("text/plain", b"vid=1").map(|r| r.vid), Ok(None));
        assert_eq!(parse_body("", b"").map(|r| r.vid), Ok(None));
    }
}
