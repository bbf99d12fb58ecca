//! `{base}/album/files/{key}`: the album serving its own files (local and memory backends,
//! which have no public bucket URL) — `GET` reads an image, `PUT` with a signed query is the
//! direct-upload target ([`crate::storage::direct`]).

use std::time::SystemTime;

use actix_web::{
    HttpRequest, HttpResponse,
    http::{StatusCode, header},
    web,
};
use futures_util::TryStreamExt;
use serde::Deserialize;
use weapp_common::envelope::{Empty, Envelope};

use super::{
    AppState, origin,
    upload::{MSG_FAILED, MSG_NOT_IMAGE, Uploaded, too_large_message},
};
use crate::{image::ImageKind, storage::writer::WriteError};

/// Keys are unique and never rewritten, so browsers and CDNs may cache for a year.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

fn envelope(status: StatusCode, msg: impl Into<std::borrow::Cow<'static, str>>) -> HttpResponse {
    Envelope::failed(msg, Empty {}).into_response(status)
}

/// The key of the request and its kind, if it names an image inside the folder.
fn image_key(state: &AppState, key: &str) -> Option<ImageKind> {
    if state.storage.folder().contains(key) {
        ImageKind::from_key(key)
    } else {
        None
    }
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

/// Signed query of a direct upload to the album.
#[derive(Debug, Deserialize)]
pub struct SignedQuery {
    /// Unix seconds after which the URL is refused.
    pub expires: Option<u64>,
    /// Hex HMAC-SHA256 (`storage::direct`).
    pub signature: Option<String>,
}

/// `PUT` with `?expires=&signature=`: store the body as `key`, if the signature, expiry and
/// `Content-Type` match. HTTP 403 envelope otherwise.
pub async fn put(
    req: HttpRequest,
    key: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let query = web::Query::<SignedQuery>::from_query(req.query_string()).ok();
    let (Some(expires), Some(signature)) = query
        .map(|q| (q.expires, q.signature.clone()))
        .unwrap_or_default()
    else {
        return envelope(StatusCode::FORBIDDEN, "forbidden");
    };
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let Some(kind) = image_key(&state, &key) else {
        return envelope(StatusCode::FORBIDDEN, "forbidden");
    };
    let signed =
        state
            .signer
            .verify_album(&key, content_type, expires, &signature, SystemTime::now());
    if !signed || ImageKind::from_mime(content_type) != Some(kind) {
        return envelope(StatusCode::FORBIDDEN, "forbidden");
    }
    let key = key.into_inner();
    let result = state
        .storage
        .write_image(payload, Some(kind), |_| key.clone())
        .await;
    match result {
        Ok(stored) => {
            let img_url = state.storage.image_url(&stored.key, &origin(&req));
            Envelope::ok("ok", Uploaded { img_url }).into_response(StatusCode::OK)
        }
        Err(WriteError::NotImage) => envelope(StatusCode::BAD_REQUEST, MSG_NOT_IMAGE),
        Err(WriteError::TooLarge { limit }) => {
            envelope(StatusCode::PAYLOAD_TOO_LARGE, too_large_message(limit))
        }
        Err(WriteError::Stream(cause)) => {
            log::info!("direct upload of {key} broke off: {cause}");
            envelope(StatusCode::BAD_REQUEST, MSG_FAILED)
        }
        Err(WriteError::Store(cause)) => {
            log::error!("storing direct upload {key} failed: {cause}");
            envelope(StatusCode::SERVICE_UNAVAILABLE, MSG_FAILED)
        }
    }
}
