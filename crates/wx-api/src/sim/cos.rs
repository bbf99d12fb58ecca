//! The object storage the simulator's tickets point at — COS's side of an upload — and the
//! expiring download URLs of `batchdownloadfile`.
//!
//! | route | what |
//! |---|---|
//! | `POST /cos/{bucket}/{path}` | the upload form: `key`, `Signature`, `x-cos-security-token`, `x-cos-meta-fileid`, then `file` last; 204 or COS's XML `<Error>` |
//! | `GET /tcb-dl/{bucket}/{path}?sign=&t=` | a stored file until `t` (Unix seconds) |
//!
//! The form is read in order, as COS's PostObject reads it: any field after `file` (or no
//! `file`, or a body that is not multipart) is HTTP 400 `MalformedPOSTRequest` "The body of
//! your POST request is not well-formed multipart/form-data." (COS's text, as WeChat users
//! meet it: <https://developers.weixin.qq.com/community/personal/oCJUsw4bQ1xufoGtkenIVPmXFA4Y/question>).
//! An unknown `Signature` is 403 `SignatureDoesNotMatch` "The Signature you specified is
//! invalid." (<https://cloud.tencent.com/document/product/436/56215>); an expired ticket 403
//! `AccessDenied` "Request has expired". The simulator is stricter than COS where the brief of
//! a test needs it, with its own messages: a ticket used twice, another path or security token
//! (403 `AccessDenied`), a file over `max_object_bytes` (400 `EntityTooLarge`), a full store
//! (403 `AccessDenied`). The stored `Content-Type` is the form's `Content-Type` field, else
//! guessed from the key's extension.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use base64::{Engine, engine::general_purpose::STANDARD};
use bytes::{Bytes, BytesMut};
use futures_util::TryStreamExt;
use rand::Rng;
use serde::Deserialize;

use crate::clock::Clock;

use super::{
    SimState,
    storage::{Form, Refusal},
};

/// The most bytes of one text field of the form (COS's metadata limit is 2 KB).
const MAX_FIELD_BYTES: usize = 8 * 1024;
const MALFORMED: &str = "The body of your POST request is not well-formed multipart/form-data.";

/// Register the upload and download routes.
pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/cos/{bucket}/{path:.*}", web::post().to(post_object))
        .route("/tcb-dl/{bucket}/{path:.*}", web::get().to(get_object));
}

/// COS's XML error answer.
fn cos_error(req: &HttpRequest, status: StatusCode, code: &str, message: &str) -> HttpResponse {
    let resource = format!("{}{}", req.connection_info().host(), req.path());
    let request_id = STANDARD.encode(rand::rng().random::<[u8; 24]>());
    let body = format!(
        "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n\t<Code>{code}</Code>\n\t<Message>{}</Message>\n\t<Resource>{}</Resource>\n\t<RequestId>{request_id}</RequestId>\n</Error>",
        escape(message),
        escape(&resource),
    );
    log::info!("cos {} {}: {status} {code}", req.method(), req.path());
    HttpResponse::build(status)
        .content_type("application/xml")
        .body(body)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

fn malformed(req: &HttpRequest) -> HttpResponse {
    cos_error(
        req,
        StatusCode::BAD_REQUEST,
        "MalformedPOSTRequest",
        MALFORMED,
    )
}

/// What was read of a form.
enum Read {
    Done(Vec<(String, String)>, Bytes),
    Malformed,
    TooLarge,
}

/// Read the form in order; the file must come last.
async fn read_form(req: &HttpRequest, payload: web::Payload, max_file: u64) -> Read {
    let mut multipart = Multipart::new(req.headers(), payload);
    let mut fields = Vec::new();
    let mut file: Option<Bytes> = None;
    loop {
        let mut field = match multipart.try_next().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => return Read::Malformed,
        };
        if file.is_some() {
            return Read::Malformed;
        }
        let name = field.name().unwrap_or_default().to_owned();
        let limit = if name == "file" {
            usize::try_from(max_file).unwrap_or(usize::MAX)
        } else {
            MAX_FIELD_BYTES
        };
        let mut bytes = BytesMut::new();
        loop {
            match field.try_next().await {
                Ok(Some(chunk)) if bytes.len() + chunk.len() > limit => {
                    return if name == "file" {
                        Read::TooLarge
                    } else {
                        Read::Malformed
                    };
                }
                Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
                Ok(None) => break,
                Err(_) => return Read::Malformed,
            }
        }
        if name == "file" {
            file = Some(bytes.freeze());
        } else {
            match String::from_utf8(bytes.to_vec()) {
                Ok(value) => fields.push((name, value)),
                Err(_) => return Read::Malformed,
            }
        }
    }
    match file {
        Some(file) => Read::Done(fields, file),
        None => Read::Malformed,
    }
}

async fn post_object(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<SimState>,
) -> HttpResponse {
    let Some(url_path) = state.cloud.object_path(req.path(), "/cos/") else {
        return cos_error(
            &req,
            StatusCode::NOT_FOUND,
            "NoSuchBucket",
            "The specified bucket does not exist.",
        );
    };
    let (fields, file) = match read_form(&req, payload, state.cloud.max_object_bytes).await {
        Read::Done(fields, file) => (fields, file),
        Read::Malformed => return malformed(&req),
        Read::TooLarge => {
            return cos_error(
                &req,
                StatusCode::BAD_REQUEST,
                "EntityTooLarge",
                "Your proposed upload exceeds the maximum allowed object size.",
            );
        }
    };
    let field = |name: &str| {
        fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    };
    let key = field("key").unwrap_or_default();
    let content_type = field("Content-Type").map_or_else(|| guess_content_type(key), str::to_owned);
    let form = Form {
        url_path: &url_path,
        key,
        signature: field("Signature").unwrap_or_default(),
        token: field("x-cos-security-token").unwrap_or_default(),
        meta_fileid: field("x-cos-meta-fileid"),
    };
    let (status, code, message) =
        match state
            .storage
            .accept(&form, state.clock.now_ms(), &content_type, file)
        {
            Ok(()) => {
                log::info!("cos: stored {key}");
                return HttpResponse::NoContent().finish();
            }
            Err(Refusal::UnknownSignature) => (
                StatusCode::FORBIDDEN,
                "SignatureDoesNotMatch",
                "The Signature you specified is invalid.",
            ),
            Err(Refusal::Expired) => (StatusCode::FORBIDDEN, "AccessDenied", "Request has expired"),
            Err(Refusal::Used) => (
                StatusCode::FORBIDDEN,
                "AccessDenied",
                "This upload ticket was already used (wx-sim).",
            ),
            Err(Refusal::Mismatch) => (
                StatusCode::FORBIDDEN,
                "AccessDenied",
                "The key or x-cos-security-token does not match the ticket (wx-sim).",
            ),
            Err(Refusal::Full) => (
                StatusCode::FORBIDDEN,
                "AccessDenied",
                "The simulated storage is full (max_stored_bytes, wx-sim).",
            ),
        };
    cos_error(&req, status, code, message)
}

/// The query of a download URL.
#[derive(Deserialize)]
struct Signed {
    sign: String,
    t: u64,
}

async fn get_object(req: HttpRequest, state: web::Data<SimState>) -> HttpResponse {
    let signed = web::Query::<Signed>::from_query(req.query_string()).ok();
    let path = state.cloud.object_path(req.path(), "/tcb-dl/");
    let (Some(signed), Some(path)) = (signed, path) else {
        return cos_error(
            &req,
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Access Denied.",
        );
    };
    if !state.cloud.verify(&path, signed.t, &signed.sign) {
        return cos_error(
            &req,
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The Signature you specified is invalid.",
        );
    }
    if state.clock.now_ms() / 1000 > signed.t {
        return cos_error(
            &req,
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Request has expired",
        );
    }
    match state
        .storage
        .get(&path)
        .filter(|object| object.downloadable)
    {
        Some(object) => HttpResponse::Ok()
            .content_type(object.content_type)
            .body(object.bytes),
        None => cos_error(
            &req,
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
        ),
    }
}

/// `image/jpeg`, `image/png`, `image/gif` by extension, else `application/octet-stream`.
fn guess_content_type(key: &str) -> String {
    let extension = key
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase());
    match extension.as_deref() {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        _ => "application/octet-stream",
    }
    .to_owned()
}
