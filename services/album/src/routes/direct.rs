//! Direct uploads from the client to the store (`proto/album.openapi.yaml`):
//!
//! - `GET {base}/album/upload-url?contentType=image/png&size=N`: a signed `PUT` of exactly `N`
//!   bytes;
//! - `GET {base}/album/upload-form?contentType=image/png`: a form for `wx.uploadFile` and
//!   browsers — `{"key","imgUrl","url","fields":{…},"fileField":"file","maxSize","expiresIn"}`,
//!   post `fields` in their order, then the file under `fileField`, to `url`;
//! - `POST {base}/album/confirm` `{"key"}`: the upload is done — check it now and list it.
//!
//! On WeChat Cloud Run storage (`storage.backend = "tcb"`) `upload-form` answers WeChat's
//! upload ticket — `url` and the fields `key`, `Signature`, `x-cos-security-token`,
//! `x-cos-meta-fileid`, the file last under `file` — and `upload-url` is refused
//! (`MSG_NO_PUT`): the storage takes no signed `PUT`. The AppSecret and the access token stay
//! on the server.
//!
//! Each signing opens a ticket ([`crate::index::Ticket`]): one server-chosen key, an image type,
//! a size bound, the caller as owner, a lifetime; the store refuses anything else, and the
//! album lists the object only once its bytes were checked ([`crate::verify`]). Signing replies
//! carry `Cache-Control: no-store`.

use std::{collections::BTreeMap, time::SystemTime};

use actix_web::{
    HttpRequest, HttpResponse,
    http::{StatusCode, header},
    web,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use weapp_common::{
    body::{self, BodyError},
    envelope::Envelope,
};

use super::{
    AppState, OpenTicketError, failed, image_url, origin, too_many_uploads, upload::Uploaded,
};
use crate::{
    auth::{Caller, query_pairs},
    image::ImageKind,
    messages::{MSG_BAD_PARAMS, MSG_FAILED, MSG_NO_PUT, MSG_NOT_IMAGE, too_large_message},
    storage::Grant,
    verify::{Verdict, millis},
};

/// Query of the signing routes.
#[derive(Debug, Deserialize)]
pub struct SignQuery {
    /// `image/jpeg` (default) or `image/png`.
    #[serde(rename = "contentType")]
    pub content_type: Option<String>,
    /// `upload-url` only: the exact size in bytes of the body to `PUT`.
    pub size: Option<String>,
}

/// `data` of `upload-url`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadUrlData {
    /// The object key the image will have.
    pub key: String,
    /// The image's URL once uploaded (signed for a private bucket).
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

/// `data` of `upload-form`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadFormData {
    /// The object key the image will have.
    pub key: String,
    /// The image's URL once uploaded and confirmed; empty on WeChat Cloud Run storage, whose
    /// temporary URLs exist only for stored files (`confirm` answers one).
    pub img_url: String,
    /// WeChat Cloud Run storage only: the file's ID once uploaded (`cloud://…`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_id: Option<String>,
    /// Where to `POST` the form.
    pub url: String,
    /// The fields to send first, in this order (a JSON object keeps it).
    pub fields: Map<String, Value>,
    /// The file's field name, sent last.
    pub file_field: &'static str,
    /// The largest file accepted, bytes.
    pub max_size: u64,
    /// Seconds the form stays valid.
    pub expires_in: u64,
}

fn no_store(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

/// The image kind asked for, or the `仅jpg/png格式` reply.
fn kind(query: &SignQuery) -> Result<ImageKind, HttpResponse> {
    let requested = query.content_type.as_deref().unwrap_or("image/jpeg");
    ImageKind::from_mime(requested).ok_or_else(|| failed(MSG_NOT_IMAGE))
}

/// What every signing route does first: the caller, a key, and the ticket.
async fn prepare(
    req: &HttpRequest,
    state: &AppState,
    kind: ImageKind,
    max_size: u64,
) -> Result<(Caller, String, SystemTime), HttpResponse> {
    let caller = state.gate.caller_of_query(req).await?;
    let storage = &state.storage;
    let key = storage.new_key(kind);
    let now = SystemTime::now();
    match state
        .open_ticket(&key, kind, caller.clone(), max_size, now)
        .await
    {
        Ok(_) => {}
        Err(OpenTicketError::Full) => {
            log::warn!("refusing a direct-upload ticket: index.max_open_tickets are open");
            return Err(too_many_uploads());
        }
        Err(OpenTicketError::Index(error)) => {
            log::error!("opening a direct-upload ticket failed: {error}");
            return Err(failed("failed"));
        }
    }
    Ok((caller, key, now))
}

/// `GET upload-url`: sign a `PUT` of `size` bytes.
pub async fn upload_url(
    req: HttpRequest,
    query: web::Query<SignQuery>,
    state: web::Data<AppState>,
) -> HttpResponse {
    if state.storage.tcb().is_some() {
        return failed(MSG_NO_PUT);
    }
    let kind = match kind(&query) {
        Ok(kind) => kind,
        Err(response) => return response,
    };
    let limit = state.storage.max_file_size();
    let size = match query.size.as_deref().map(str::parse::<u64>) {
        Some(Ok(size)) if size > limit => return failed(too_large_message(limit)),
        Some(Ok(size)) if size > 0 => size,
        _ => return failed(MSG_BAD_PARAMS),
    };
    let (caller, key, now) = match prepare(&req, &state, kind, size).await {
        Ok(prepared) => prepared,
        Err(response) => return response,
    };
    let origin = origin(&req);
    let grant = Grant {
        key: &key,
        kind,
        size,
        owner: caller.as_deref(),
        expires_in: state.limits.direct_expires_secs,
        now,
    };
    let served = state.storage.served_url(&key, &origin);
    let signed = match state.storage.signer().sign_put(&grant, &served).await {
        Ok(signed) => signed,
        Err(error) => {
            log::error!("signing a direct upload failed: {error:#}");
            return failed("failed");
        }
    };
    let img_url = match image_url(&state, &key, &origin).await {
        Ok(url) => url,
        Err(response) => return response,
    };
    no_store(
        Envelope::ok(
            "ok",
            UploadUrlData {
                key,
                img_url,
                upload_url: signed.upload_url,
                method: "PUT",
                headers: signed.headers.into_iter().collect(),
                expires_in: state.limits.direct_expires_secs,
            },
        )
        .into_response(StatusCode::OK),
    )
}

/// `GET upload-form`: sign a form upload of at most `upload.max_file_size` bytes.
pub async fn upload_form(
    req: HttpRequest,
    query: web::Query<SignQuery>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let kind = match kind(&query) {
        Ok(kind) => kind,
        Err(response) => return response,
    };
    let max_size = state.storage.max_file_size();
    let (caller, key, now) = match prepare(&req, &state, kind, max_size).await {
        Ok(prepared) => prepared,
        Err(response) => return response,
    };
    if let Some(tcb) = state.storage.tcb() {
        return match tcb.form(&key).await {
            Ok(form) => form_reply(
                &state,
                UploadFormData {
                    key,
                    img_url: String::new(),
                    file_id: Some(form.file_id),
                    url: form.url,
                    fields: Map::new(),
                    file_field: wx_api::FILE_FIELD,
                    max_size,
                    expires_in: 0,
                },
                form.fields,
            ),
            Err(error) => tcb_failure(&error),
        };
    }
    let origin = origin(&req);
    let grant = Grant {
        key: &key,
        kind,
        size: max_size,
        owner: caller.as_deref(),
        expires_in: state.limits.direct_expires_secs,
        now,
    };
    let form = match state
        .storage
        .signer()
        .sign_form(&grant, &state.storage.served_form_url(&origin))
    {
        Ok(form) => form,
        Err(error) => {
            log::error!("signing a form upload failed: {error:#}");
            return failed("failed");
        }
    };
    let img_url = match image_url(&state, &key, &origin).await {
        Ok(url) => url,
        Err(response) => return response,
    };
    form_reply(
        &state,
        UploadFormData {
            key,
            img_url,
            file_id: None,
            url: form.url,
            fields: Map::new(),
            file_field: form.file_field,
            max_size,
            expires_in: 0,
        },
        form.fields,
    )
}

/// The `upload-form` reply: `data` with `fields` in their order and the ticket's lifetime.
fn form_reply(
    state: &AppState,
    mut data: UploadFormData,
    fields: Vec<(String, String)>,
) -> HttpResponse {
    data.fields = fields
        .into_iter()
        .map(|(name, value)| (name, Value::String(value)))
        .collect();
    data.expires_in = state.limits.direct_expires_secs;
    no_store(Envelope::ok("ok", data).into_response(StatusCode::OK))
}

/// The reply when WeChat Cloud Run storage refused or failed: WeChat's `errcode` and `errmsg`
/// when it answered with them (no secret: the token is never part of them), else `failed`.
fn tcb_failure(error: &anyhow::Error) -> HttpResponse {
    log::error!("a Cloud Run upload ticket failed: {error:#}");
    match error.downcast_ref::<wx_api::WxError>() {
        Some(wx_api::WxError::Api { errcode, errmsg }) => failed(format!(
            "WeChat Cloud Run storage error {errcode}: {errmsg}"
        )),
        _ => failed("failed"),
    }
}

/// `POST confirm` `{"key"}` (JSON or urlencoded; `key` may also be the image URL): check the
/// direct upload now. `{"code":0,"msg":"ok","data":{"imgUrl"}}` once listed; otherwise the
/// original's message for the refusal, `图片上传失败，请稍候再试` when nothing arrived, or
/// `参数错误` for a key no open ticket names.
pub async fn confirm(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let fields = match body::read(&req, payload, state.limits.json_body_limit).await {
        Ok(fields) => fields,
        Err(BodyError::TooLarge { limit }) => {
            log::info!("confirm body over {limit} bytes");
            return failed(MSG_BAD_PARAMS);
        }
        Err(error) => {
            log::info!("unreadable confirm body: {error}");
            return failed(MSG_BAD_PARAMS);
        }
    };
    let params = query_pairs(req.query_string());
    if let Err(refusal) = state
        .gate
        .caller(&req, params.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .await
    {
        return refusal;
    }
    let storage = &state.storage;
    let key = fields.get("key").and_then(Value::as_str).map(|reference| {
        storage
            .folder()
            .key_from_reference(reference, &storage.url_path_prefix())
    });
    let Some(Ok(key)) = key else {
        return failed(MSG_BAD_PARAMS);
    };
    match state.checker.confirm(&key, millis(SystemTime::now())).await {
        Ok(Some(Verdict::Listed)) => match image_url(&state, &key, &origin(&req)).await {
            Ok(img_url) => Envelope::ok("ok", Uploaded { img_url }).into_response(StatusCode::OK),
            Err(response) => response,
        },
        Ok(Some(Verdict::Rejected(msg))) => failed(msg),
        Ok(Some(Verdict::Missing)) => failed(MSG_FAILED),
        Ok(None) => failed(MSG_BAD_PARAMS),
        Err(error) => {
            log::error!("checking the direct upload {key} failed: {error}");
            failed(MSG_FAILED)
        }
    }
}
