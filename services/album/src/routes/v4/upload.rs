//! `POST {base}/album/v4/files/v2/{appid}/{bucket}/{path}`: the stand-in for the COS v4 JSON
//! API's upload (`op=upload`, file in `filecontent`, `Authorization: <sign>`), as the 2017
//! clients called `https://{region}.file.myqcloud.com/files/v2/…` (`spec/originals.md` §6).

use std::time::SystemTime;

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, http::header, web};
use futures_util::StreamExt;
use serde_json::json;
use weapp_common::{cos::v4::open, envelope::json_response};

use super::{V4, decode};
use crate::{
    image::ImageKind,
    index::{Entry, key_time},
    messages::{MSG_NOT_IMAGE, too_large_message},
    routes::{AppState, origin, upload::drain},
    storage::{WriteError, WriteOptions, signer::unix},
    verify::millis,
};

/// A COS v4 JSON reply: `{"code":…,"message":…}` (and `data` on success).
fn v4_reply(status: StatusCode, code: i32, message: &str) -> HttpResponse {
    json_response(status, &json!({ "code": code, "message": message }))
}

fn sign_refused(message: &str) -> HttpResponse {
    v4_reply(StatusCode::FORBIDDEN, -1, message)
}

/// v4's "invalid path" (`-180 ERROR_CMD_COS_INVALID_PATH`).
fn invalid_path() -> HttpResponse {
    v4_reply(StatusCode::BAD_REQUEST, -180, "ERROR_CMD_COS_INVALID_PATH")
}

/// Check `sign` for an upload of `key`; the signature's MAC (its id) when it may upload.
async fn check_sign(
    state: &AppState,
    v4: &V4,
    sign: &str,
    (appid, bucket): (&str, &str),
    key: &str,
) -> Result<String, HttpResponse> {
    let opened = open(&v4.secret, sign).map_err(|_| sign_refused("ERROR_SIGN_INVALID"))?;
    let app = v4.appid.to_string();
    if opened.appid != app
        || appid != app
        || opened.bucket != v4.bucket
        || bucket != v4.bucket
        || opened.secret_id != v4.secret_id
    {
        return Err(sign_refused("ERROR_SIGN_INVALID"));
    }
    let target = v4.decoded_fileid(key);
    let named = decode(&opened.fileid);
    let names_it = named == target || (named.ends_with('/') && target.starts_with(&named));
    let now = unix(SystemTime::now());
    if opened.expiry == 0 {
        // One-time: the file (or folder) it names, soon after it was made, once.
        if !names_it || named.is_empty() {
            return Err(sign_refused("ERROR_SIGN_INVALID"));
        }
        if now.saturating_sub(opened.now) > v4.once_ttl.as_secs() {
            return Err(sign_refused("ERROR_SIGN_EXPIRED"));
        }
        match state.index.use_once(&opened.mac_hex, v4.once_ttl).await {
            Ok(true) => {}
            Ok(false) => return Err(sign_refused("ERROR_SIGN_USED")),
            Err(error) => {
                log::error!("recording a one-time v4 signature failed: {error}");
                return Err(v4_reply(
                    StatusCode::SERVICE_UNAVAILABLE,
                    -181,
                    "ERROR_CMD_COS_ERROR",
                ));
            }
        }
    } else {
        // Multi-use: until its expiry, for the folder it names (or the whole bucket).
        if now > opened.expiry {
            return Err(sign_refused("ERROR_SIGN_EXPIRED"));
        }
        if !named.is_empty() && !names_it {
            return Err(sign_refused("ERROR_SIGN_INVALID"));
        }
    }
    Ok(opened.mac_hex)
}

/// Handle a v4 upload.
pub async fn upload(
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
    mut multipart: Multipart,
    state: web::Data<AppState>,
) -> HttpResponse {
    let Some(v4) = state.v4.clone() else {
        return invalid_path();
    };
    let (appid, bucket, key) = path.into_inner();
    let folder = state.storage.folder();
    let Some(kind) = ImageKind::from_key(&key).filter(|_| folder.contains(&key)) else {
        return invalid_path();
    };
    let sign = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let mac = match check_sign(&state, &v4, sign, (&appid, &bucket), &key).await {
        Ok(mac) => mac,
        Err(refusal) => return refusal,
    };
    let owner = state.index.recall(&mac).await.unwrap_or_else(|error| {
        log::warn!("reading the owner of a v4 signature failed: {error}");
        None
    });
    let mut op = None;
    let mut stored = None;
    while let Some(field) = multipart.next().await {
        let Ok(field) = field else {
            return v4_reply(StatusCode::BAD_REQUEST, -1, "multipart body is malformed");
        };
        let name = field.name().unwrap_or_default().to_owned();
        let mut field = field.fuse();
        if name == "filecontent" && stored.is_none() {
            let options = WriteOptions {
                owner: owner.clone(),
                create_only: true,
                expected: Some(kind),
                max_size: None,
            };
            let result = state
                .storage
                .write_image(&mut field, &options, |_| key.clone())
                .await;
            let _ = drain(&mut field, state.storage.max_file_size()).await;
            match result {
                Ok(done) => stored = Some(done),
                Err(error) => return write_refused(&error),
            }
        } else {
            let mut value = Vec::new();
            while let Some(Ok(chunk)) = field.next().await {
                if value.len() < 64 {
                    value.extend_from_slice(&chunk);
                }
            }
            if name == "op" {
                op = Some(String::from_utf8_lossy(&value).into_owned());
            }
        }
    }
    let Some(stored) = stored else {
        return v4_reply(StatusCode::BAD_REQUEST, -1, "filecontent is missing");
    };
    if op.as_deref() != Some("upload") {
        // Only `op=upload` may store: take the file back.
        if let Err(error) = state.storage.delete(&stored.key).await {
            log::error!(
                "removing the v4 upload {} without op=upload failed: {error}",
                stored.key
            );
        }
        return v4_reply(StatusCode::BAD_REQUEST, -1, "op must be upload");
    }
    // Listed when directly inside the folder, as the original list shows only that level.
    if !stored.key[folder.prefix().len()..].contains('/') {
        let entry = Entry {
            ms: key_time(&stored.key).unwrap_or_else(|| millis(SystemTime::now())),
            key: stored.key.clone(),
            owner,
        };
        if let Err(error) = state.index.add(&entry).await {
            log::error!("listing the v4 upload {} failed: {error}", stored.key);
        }
    }
    let url = match state.storage.image_url(&stored.key, &origin(&req)).await {
        Ok(url) => url,
        Err(error) => {
            log::error!("signing the URL of {} failed: {error:#}", stored.key);
            return v4_reply(StatusCode::SERVICE_UNAVAILABLE, -181, "ERROR_CMD_COS_ERROR");
        }
    };
    let info = req.connection_info();
    let control = format!("{}://{}{}", info.scheme(), info.host(), req.path());
    json_response(
        StatusCode::OK,
        &json!({
            "code": 0,
            "message": "SUCCESS",
            "data": {
                "access_url": url,
                "resource_path": format!("/{}/{}/{}", v4.appid, v4.bucket, stored.key),
                "source_url": url,
                "url": control,
            }
        }),
    )
}

fn write_refused(error: &WriteError) -> HttpResponse {
    match error {
        WriteError::Exists => v4_reply(StatusCode::BAD_REQUEST, -177, "ERROR_CMD_COS_FILE_EXIST"),
        WriteError::NotImage => v4_reply(StatusCode::BAD_REQUEST, -1, MSG_NOT_IMAGE),
        WriteError::TooLarge { limit } => v4_reply(
            StatusCode::PAYLOAD_TOO_LARGE,
            -1,
            &too_large_message(*limit),
        ),
        WriteError::Stream(cause) => {
            log::info!("v4 upload broke off: {cause}");
            v4_reply(StatusCode::BAD_REQUEST, -1, "upload broke off")
        }
        WriteError::Store(cause) => {
            log::error!("storing a v4 upload failed: {cause}");
            v4_reply(StatusCode::SERVICE_UNAVAILABLE, -181, "ERROR_CMD_COS_ERROR")
        }
    }
}
