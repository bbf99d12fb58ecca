//! `GET {base}/album/upload-url?contentType=image/jpeg`: a signed direct-upload URL.
//!
//! The modern form of the seeds' signature server (`spec/originals.md` §6): instead of a
//! reusable signature for a whole folder, the server picks a new unique key and signs one `PUT`
//! of it with one image `Content-Type`, valid `upload.direct_expires_secs` seconds
//! (`proto/album.openapi.yaml`, `proto/README.md`).

use std::{collections::BTreeMap, time::SystemTime};

use actix_web::{
    HttpRequest, HttpResponse,
    http::{StatusCode, header},
    web,
};
use serde::{Deserialize, Serialize};
use weapp_common::envelope::{Empty, Envelope};

use super::{AppState, origin, upload::MSG_NOT_IMAGE};
use crate::image::ImageKind;

/// Query of the route.
#[derive(Debug, Deserialize)]
pub struct UploadUrlQuery {
    /// `image/jpeg` (default) or `image/png`.
    #[serde(rename = "contentType")]
    pub content_type: Option<String>,
}

/// `data` of the reply.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadUrlData {
    /// The object key the image will have.
    pub key: String,
    /// The image's public URL once uploaded.
    pub img_url: String,
    /// Where to send the bytes.
    pub upload_url: String,
    /// Always `PUT`.
    pub method: &'static str,
    /// Headers to send exactly as given.
    pub headers: BTreeMap<String, String>,
    /// Seconds the URL stays valid.
    pub expires_in: u64,
}

/// Sign a direct upload; `Cache-Control: no-store`.
pub async fn upload_url(
    req: HttpRequest,
    query: web::Query<UploadUrlQuery>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let requested = query.content_type.as_deref().unwrap_or("image/jpeg");
    let Some(kind) = ImageKind::from_mime(requested) else {
        return Envelope::failed(MSG_NOT_IMAGE, Empty {}).into_response(StatusCode::OK);
    };
    let storage = &state.storage;
    let key = storage.new_key(kind);
    let img_url = storage.image_url(&key, &origin(&req));
    let signed = state
        .signer
        .sign(
            &key,
            kind,
            &img_url,
            state.direct_expires_secs,
            SystemTime::now(),
        )
        .await;
    let mut response = match signed {
        Ok(signed) => Envelope::ok(
            "ok",
            UploadUrlData {
                key,
                img_url,
                upload_url: signed.upload_url,
                method: "PUT",
                headers: signed.headers.into_iter().collect(),
                expires_in: signed.expires_in,
            },
        )
        .into_response(StatusCode::OK),
        Err(error) => {
            log::error!("signing a direct upload failed: {error:#}");
            Envelope::failed("failed", Empty {}).into_response(StatusCode::OK)
        }
    };
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}
