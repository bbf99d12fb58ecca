//! `POST {base}/album/upload`: one image in multipart field `image` (`spec/originals.md` §1.2).
//!
//! Replies (all HTTP 200, the original's strings): `{"code":0,"msg":"ok","data":{"imgUrl":…}}`,
//! or `code: -1`, `data: {}` and `msg` = `参数错误` (no `image` field, not multipart),
//! `仅jpg/png格式` (bytes are not JPEG/PNG), `单个不超过5MB` (over the configured limit) or
//! `图片上传失败，请稍候再试` (broken multipart, storage failure).

use actix_multipart::{Field, Multipart, MultipartError};
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use futures_util::{StreamExt, stream::Fuse};
use serde::Serialize;
use weapp_common::envelope::{Empty, Envelope};

use super::{AppState, origin};
use crate::storage::writer::WriteError;

/// `msg` when the request has no `image` file.
pub const MSG_BAD_PARAMS: &str = "参数错误";
/// `msg` when the file is not JPEG or PNG.
pub const MSG_NOT_IMAGE: &str = "仅jpg/png格式";
/// `msg` when anything else fails.
pub const MSG_FAILED: &str = "图片上传失败，请稍候再试";

/// `data` of a successful upload.
#[derive(Debug, Serialize)]
pub struct Uploaded {
    /// Public URL of the stored image.
    #[serde(rename = "imgUrl")]
    pub img_url: String,
}

/// The original's over-size message for a limit in bytes: `单个不超过5MB` for 5 MiB.
pub fn too_large_message(limit: u64) -> String {
    let mib = limit as f64 / (1024.0 * 1024.0);
    if mib.fract() == 0.0 {
        format!("单个不超过{mib:.0}MB")
    } else {
        format!("单个不超过{mib:.1}MB")
    }
}

fn failed(msg: impl Into<std::borrow::Cow<'static, str>>) -> HttpResponse {
    Envelope::failed(msg, Empty {}).into_response(StatusCode::OK)
}

/// Handle an upload; never stores anything unless it answers `code: 0`.
pub async fn upload(
    req: HttpRequest,
    mut multipart: Multipart,
    state: web::Data<AppState>,
) -> HttpResponse {
    let storage = &state.storage;
    // Other fields are read past (the client sends none); together they may be as large as
    // one image before we stop reading.
    let mut other_budget = storage.max_file_size();
    loop {
        let field = match multipart.next().await {
            None => return failed(MSG_BAD_PARAMS),
            Some(Ok(field)) => field,
            Some(Err(error)) => return multipart_failure(&error),
        };
        let is_image = field.name() == Some("image");
        // Fused: a field panics when polled again after its end.
        let mut field = field.fuse();
        if !is_image {
            match drain(&mut field, other_budget).await {
                Some(read) => other_budget -= read,
                None => return failed(MSG_BAD_PARAMS),
            }
            continue;
        }
        let result = storage
            .write_image(&mut field, None, |kind| storage.new_key(kind))
            .await;
        return match result {
            Ok(stored) => {
                log::info!("stored {} ({} bytes)", stored.key, stored.size);
                let img_url = storage.image_url(&stored.key, &origin(&req));
                Envelope::ok("ok", Uploaded { img_url }).into_response(StatusCode::OK)
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

/// Read and discard a field, at most `budget` bytes; `None` if it is longer or broken.
async fn drain(field: &mut Fuse<Field>, budget: u64) -> Option<u64> {
    let mut read = 0_u64;
    while let Some(chunk) = field.next().await {
        read += chunk.ok()?.len() as u64;
        if read > budget {
            return None;
        }
    }
    Some(read)
}

fn multipart_failure(error: &MultipartError) -> HttpResponse {
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

fn write_failure(error: &WriteError) -> HttpResponse {
    match error {
        WriteError::NotImage => failed(MSG_NOT_IMAGE),
        WriteError::TooLarge { limit } => failed(too_large_message(*limit)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_large_message_follows_the_limit() {
        assert_eq!(too_large_message(5 * 1024 * 1024), "单个不超过5MB");
        assert_eq!(too_large_message(10 * 1024 * 1024), "单个不超过10MB");
        assert_eq!(too_large_message(1536 * 1024), "单个不超过1.5MB");
    }
}
