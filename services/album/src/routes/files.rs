//! `{base}/album/files…`: the album serving its own files (local and memory backends, which
//! have no public bucket URL):
//!
//! - `GET`/`HEAD /files/{key}`: the image; with `storage.public_read = false` only with the
//!   signed query `?expires=&signature=` that `/list` gives;
//! - `PUT /files/{key}?expires=&signature=`: the direct-upload target of `upload-url`;
//! - `POST /files`: the form-upload target of `upload-form` (`key`, `Content-Type`, `expires`,
//!   `signature`, then the file).
//!
//! Both upload targets check the album's signature ([`crate::storage::signer::mac`]) and the
//! open ticket of the key: unused, within its size, never overwriting; the image is listed at
//! once (the album saw its bytes).

use std::time::SystemTime;

use actix_multipart::Multipart;
use actix_web::{
    HttpRequest, HttpResponse,
    http::{StatusCode, header},
    web,
};
use futures_util::{StreamExt, TryStreamExt};
use serde::Deserialize;
use weapp_common::envelope::{Empty, Envelope};

use super::{
    AppState, image_url, origin,
    upload::{Uploaded, drain, multipart_failure},
};
use crate::{
    image::ImageKind,
    index::{Entry, TicketState},
    messages::{MSG_BAD_PARAMS, MSG_FAILED, MSG_NOT_IMAGE, MSG_TICKET_USED, too_large_message},
    storage::{Signed, WriteError, WriteOptions, signer::unix},
};

/// Keys are unique and never rewritten, so browsers and CDNs may cache for a year.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

fn envelope(status: StatusCode, msg: impl Into<std::borrow::Cow<'static, str>>) -> HttpResponse {
    Envelope::failed(msg, Empty {}).into_response(status)
}

fn forbidden() -> HttpResponse {
    envelope(StatusCode::FORBIDDEN, "forbidden")
}

/// The kind of `key` if it names an image inside the folder.
fn image_key(state: &AppState, key: &str) -> Option<ImageKind> {
    if state.storage.folder().contains(key) {
        ImageKind::from_key(key)
    } else {
        None
    }
}

/// The signed query of the album's own URLs.
#[derive(Debug, Deserialize)]
pub struct SignedQuery {
    /// Unix seconds after which the URL is refused.
    pub expires: Option<u64>,
    /// Hex HMAC-SHA256 ([`crate::storage::signer::mac`]).
    pub signature: Option<String>,
}

fn signed_query(req: &HttpRequest) -> Option<(u64, String)> {
    let query = web::Query::<SignedQuery>::from_query(req.query_string()).ok()?;
    Some((query.expires?, query.signature.clone()?))
}

fn verify(state: &AppState, signed: &Signed<'_>, signature: &str) -> bool {
    state
        .storage
        .signer()
        .mac()
        .verify(signed, signature, unix(SystemTime::now()))
}

/// `GET`/`HEAD`: the image bytes, `Content-Type` from the key; a 404 envelope if missing.
pub async fn get(
    req: HttpRequest,
    key: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let Some(kind) = image_key(&state, &key) else {
        return envelope(StatusCode::NOT_FOUND, "not found");
    };
    if !state.storage.public_read() {
        let signed = signed_query(&req).is_some_and(|(expires, signature)| {
            let signed = Signed {
                method: "GET",
                key: &key,
                content_type: "",
                expires,
            };
            verify(&state, &signed, &signature)
        });
        if !signed {
            return forbidden();
        }
    }
    match state.storage.get(&key).await {
        Ok(result) => {
            let size = result.meta.size;
            let mut response = HttpResponse::Ok();
            response
                .insert_header((header::CONTENT_TYPE, kind.mime()))
                .insert_header((header::CACHE_CONTROL, IMMUTABLE))
                .no_chunking(size);
            if let Some(etag) = &result.meta.e_tag {
                response.insert_header((header::ETAG, format!("\"{}\"", etag.trim_matches('"'))));
            }
            if req.method() == actix_web::http::Method::HEAD {
                return response.finish();
            }
            response.streaming(result.into_stream().map_err(std::io::Error::other))
        }
        Err(object_store::Error::NotFound { .. }) => envelope(StatusCode::NOT_FOUND, "not found"),
        Err(error) => {
            log::error!("reading {key} failed: {error}");
            envelope(StatusCode::SERVICE_UNAVAILABLE, "storage unavailable")
        }
    }
}

/// Store a direct upload of `key` from `body` under its open ticket, and list it.
async fn receive<S, E>(
    req: &HttpRequest,
    state: &AppState,
    key: &str,
    kind: ImageKind,
    body: S,
) -> HttpResponse
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut ticket = match state.index.ticket(key).await {
        Ok(Some(ticket)) if ticket.kind == kind => ticket,
        Ok(_) => return forbidden(),
        Err(error) => {
            log::error!("reading the ticket of {key} failed: {error}");
            return envelope(StatusCode::SERVICE_UNAVAILABLE, MSG_FAILED);
        }
    };
    if ticket.state != TicketState::Pending {
        return envelope(StatusCode::FORBIDDEN, MSG_TICKET_USED);
    }
    let options = WriteOptions {
        owner: ticket.owner.clone(),
        create_only: true,
        expected: Some(kind),
        max_size: Some(ticket.max_size),
    };
    let stored = match state
        .storage
        .write_image(body, &options, |_| key.to_owned())
        .await
    {
        Ok(stored) => stored,
        Err(WriteError::NotImage) => return envelope(StatusCode::BAD_REQUEST, MSG_NOT_IMAGE),
        Err(WriteError::TooLarge { limit }) => {
            return envelope(StatusCode::PAYLOAD_TOO_LARGE, too_large_message(limit));
        }
        Err(WriteError::Exists) => return envelope(StatusCode::FORBIDDEN, MSG_TICKET_USED),
        Err(WriteError::Stream(cause)) => {
            log::info!("direct upload of {key} broke off: {cause}");
            return envelope(StatusCode::BAD_REQUEST, MSG_FAILED);
        }
        Err(WriteError::Store(cause)) => {
            log::error!("storing direct upload {key} failed: {cause}");
            return envelope(StatusCode::SERVICE_UNAVAILABLE, MSG_FAILED);
        }
    };
    let etag = match state.storage.head(&stored.key).await {
        Ok(head) => head.and_then(|head| head.etag),
        Err(error) => {
            log::warn!("reading back {} failed: {error}", stored.key);
            None
        }
    };
    let entry = Entry {
        key: stored.key.clone(),
        ms: ticket.issued_ms,
        owner: ticket.owner.clone(),
    };
    ticket.state = TicketState::Listed { etag };
    ticket.next_check_ms = ticket.expires_ms;
    let recorded = match state.index.add(&entry).await {
        Ok(()) => state.index.save_ticket(&ticket).await,
        Err(error) => Err(error),
    };
    if let Err(error) = recorded {
        // Stored, not yet listed: the checker lists it at its next pass.
        log::error!("listing direct upload {key} failed: {error}");
    }
    log::info!("stored direct upload {key} ({} bytes)", stored.size);
    match image_url(state, key, &origin(req)).await {
        Ok(img_url) => Envelope::ok("ok", Uploaded { img_url }).into_response(StatusCode::OK),
        Err(response) => response,
    }
}

/// `PUT` with `?expires=&signature=`: the `upload-url` target.
pub async fn put(
    req: HttpRequest,
    key: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let Some((expires, signature)) = signed_query(&req) else {
        return forbidden();
    };
    let Some(kind) = image_key(&state, &key) else {
        return forbidden();
    };
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let signed = Signed {
        method: "PUT",
        key: &key,
        content_type,
        expires,
    };
    if !verify(&state, &signed, &signature) || ImageKind::from_mime(content_type) != Some(kind) {
        return forbidden();
    }
    receive(&req, &state, &key, kind, payload).await
}

/// The signed fields of a form, gathered before its file.
#[derive(Debug, Default)]
struct FormFields {
    key: Option<String>,
    content_type: Option<String>,
    expires: Option<u64>,
    signature: Option<String>,
}

/// `POST` multipart: the `upload-form` target. Fields after the file are ignored, as the
/// stores do.
pub async fn post_form(
    req: HttpRequest,
    mut multipart: Multipart,
    state: web::Data<AppState>,
) -> HttpResponse {
    let mut form = FormFields::default();
    loop {
        let field = match multipart.next().await {
            None => return envelope(StatusCode::BAD_REQUEST, MSG_BAD_PARAMS),
            Some(Ok(field)) => field,
            Some(Err(error)) => return multipart_failure(&error),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let mut field = field.fuse();
        if name != "file" {
            let mut value = Vec::new();
            while let Some(chunk) = field.next().await {
                let Ok(chunk) = chunk else {
                    return envelope(StatusCode::BAD_REQUEST, MSG_FAILED);
                };
                if value.len() + chunk.len() > 1024 {
                    return envelope(StatusCode::BAD_REQUEST, MSG_BAD_PARAMS);
                }
                value.extend_from_slice(&chunk);
            }
            let value = String::from_utf8_lossy(&value).into_owned();
            match name.as_str() {
                "key" => form.key = Some(value),
                "Content-Type" => form.content_type = Some(value),
                "expires" => form.expires = value.parse().ok(),
                "signature" => form.signature = Some(value),
                _ => {}
            }
            continue;
        }
        let (Some(key), Some(content_type), Some(expires), Some(signature)) =
            (form.key, form.content_type, form.expires, form.signature)
        else {
            let _ = drain(&mut field, state.storage.max_file_size()).await;
            return envelope(StatusCode::BAD_REQUEST, MSG_BAD_PARAMS);
        };
        let kind = image_key(&state, &key);
        let signed = Signed {
            method: "POST",
            key: &key,
            content_type: &content_type,
            expires,
        };
        let Some(kind) = kind.filter(|kind| {
            verify(&state, &signed, &signature)
                && ImageKind::from_mime(&content_type) == Some(*kind)
        }) else {
            let _ = drain(&mut field, state.storage.max_file_size()).await;
            return forbidden();
        };
        let response = receive(&req, &state, &key, kind, &mut field).await;
        let _ = drain(&mut field, state.storage.max_file_size()).await;
        return response;
    }
}
