//! `POST {base}/album/upload`: one image in multipart field `image` (`spec/originals.md` §1.2).
//!
//! Replies (all HTTP 200, the original's strings): `{"code":0,"msg":"ok","data":{"imgUrl":…}}`,
//! or `code: -1`, `data: {}` and `msg` = `参数错误` (no `image` field, not multipart),
//! `仅jpg/png格式` (bytes are not JPEG/PNG), `单个不超过5MB` (over the configured limit) or
//! `图片上传失败，请稍候再试` (broken multipart, storage failure).
//!
//! With `auth.mode` on, credentials may also come as form fields before `image` (`skey`,
//! `code`, …: what `wx.uploadFile({formData})` sends) or in the query string; the stored photo
//! records its uploader as its owner.

use actix_multipart::{Field, Multipart, MultipartError};
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use futures_util::{StreamExt, stream::Fuse};
use serde::Serialize;
use weapp_common::envelope::Envelope;

use super::{AppState, failed, image_url, origin};
use crate::{
    auth::query_pairs,
    index::{Entry, key_time},
    messages::{MSG_BAD_PARAMS, MSG_FAILED, MSG_NOT_IMAGE, too_large_message},
    storage::{WriteError, WriteOptions},
    verify::millis,
};

/// `data` of a successful upload.
#[derive(Debug, Serialize)]
pub struct Uploaded {
    /// URL of the stored image (signed for a private bucket).
    #[serde(rename = "imgUrl")]
    pub img_url: String,
}

/// Longest text field kept for the credential lookup (skeys are 64 characters, codes ≤ 128;
/// rawData is a URI-encoded profile of a few hundred bytes).
const MAX_TEXT_FIELD: u64 = 8 * 1024;

/// Handle an upload; never stores anything unless it answers `code: 0`.
pub async fn upload(
    req: HttpRequest,
    mut multipart: Multipart,
    state: web::Data<AppState>,
) -> HttpResponse {
    let storage = &state.storage;
    // Other fields are read past (the original client sends none); together they may be as
    // large as one image before we stop reading.
    let mut other_budget = storage.max_file_size();
    let mut fields = query_pairs(req.query_string());
    loop {
        let field = match multipart.next().await {
            None => return failed(MSG_BAD_PARAMS),
            Some(Ok(field)) => field,
            Some(Err(error)) => return multipart_failure(&error),
        };
        let name = field.name().map(str::to_owned);
        // Fused: a field panics when polled again after its end.
        let mut field = field.fuse();
        if name.as_deref() != Some("image") {
            match read_text(&mut field, other_budget).await {
                Some((read, text)) => {
                    other_budget -= read;
                    if let (Some(name), Some(text)) = (name, text) {
                        fields.push((name, text));
                    }
                }
                None => return failed(MSG_BAD_PARAMS),
            }
            continue;
        }
        let caller = match state
            .gate
            .caller(&req, fields.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .await
        {
            Ok(caller) => caller,
            Err(refusal) => {
                let _ = drain(&mut field, storage.max_file_size()).await;
                return refusal;
            }
        };
        let options = WriteOptions {
            owner: caller.clone(),
            ..WriteOptions::default()
        };
        let result = storage
            .write_image(&mut field, &options, |kind| storage.new_key(kind))
            .await;
        return match result {
            Ok(stored) => {
                log::info!("stored {} ({} bytes)", stored.key, stored.size);
                let entry = Entry {
                    ms: key_time(&stored.key)
                        .unwrap_or_else(|| millis(std::time::SystemTime::now())),
                    key: stored.key.clone(),
                    owner: caller,
                };
                if let Err(error) = state.index.add(&entry).await {
                    // Stored but not listed: the next reconciliation lists it.
                    log::error!("indexing {} failed: {error}", stored.key);
                }
                match image_url(&state, &stored.key, &origin(&req)).await {
                    Ok(img_url) => {
                        Envelope::ok("ok", Uploaded { img_url }).into_response(StatusCode::OK)
                    }
                    Err(response) => response,
                }
            }
            Err(error) => {
                // Read what the client is still sending (bounded) so it gets our answer rather
                // than a connection reset.
                let _ = drain(&mut field, storage.max_file_size()).await;
                write_failure(&error)
            }
        };
    }
}

/// Read a non-file field, at most `budget` bytes: its size and, when short UTF-8 text, its
/// value; `None` if it is longer than the budget or broken.
async fn read_text(field: &mut Fuse<Field>, budget: u64) -> Option<(u64, Option<String>)> {
    let mut read = 0_u64;
    let mut text = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.ok()?;
        read += chunk.len() as u64;
        if read > budget {
            return None;
        }
        if read <= MAX_TEXT_FIELD {
            text.extend_from_slice(&chunk);
        }
    }
    let text = (read <= MAX_TEXT_FIELD)
        .then(|| String::from_utf8(text).ok())
        .flatten();
    Some((read, text))
}

/// Read and discard a field, at most `budget` bytes; `None` if it is longer or broken.
pub(super) async fn drain(field: &mut Fuse<Field>, budget: u64) -> Option<u64> {
    let mut read = 0_u64;
    while let Some(chunk) = field.next().await {
        read += chunk.ok()?.len() as u64;
        if read > budget {
            return None;
        }
    }
    Some(read)
}

/// The reply to a multipart body that cannot be read.
pub(super) fn multipart_failure(error: &MultipartError) -> HttpResponse {
    match error {
        MultipartError::ContentTypeMissing
        | MultipartError::ContentTypeParse
        | MultipartError::ContentTypeIncompatible
        | MultipartError::BoundaryMissing => failed(MSG_BAD_PARAMS),
        other => {
            log::info!("malformed multipart upload: {other}");
            failed(MSG_FAILED)
        }
    }
}

/// The original's reply to a refused or failed write.
pub(super) fn write_failure(error: &WriteError) -> HttpResponse {
    match error {
        WriteError::NotImage => failed(MSG_NOT_IMAGE),
        WriteError::TooLarge { limit } => failed(too_large_message(*limit)),
        WriteError::Exists => failed(crate::messages::MSG_TICKET_USED),
        WriteError::Stream(cause) => {
            log::info!("upload stream broke off: {cause}");
            failed(MSG_FAILED)
        }
        WriteError::Store(cause) => {
            log::error!("storing an upload failed: {cause}");
            failed(MSG_FAILED)
        }
    }
}
