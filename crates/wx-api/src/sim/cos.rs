//! The object storage the simulator's tickets point at — COS's side of an upload — and the
//! expiring download URLs of `batchdownloadfile`.
//!
//! | route | what |
//! |---|---|
//! | `POST /cos/{bucket}/{path}` | the upload form: `key`, `Signature`, `x-cos-security-token`, `x-cos-meta-fileid`, then `file` last; 204 or COS's XML `<Error>` |
//! | `GET`/`HEAD /tcb-dl/{bucket}/{path}?sign=&t=` | a stored file until `t` (Unix seconds); `Range: bytes=a-b` answers 206 |
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
use actix_web::{
    HttpRequest, HttpResponse,
    http::{StatusCode, header},
    web,
};
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
        .route("/tcb-dl/{bucket}/{path:.*}", web::get().to(get_object))
        .route("/tcb-dl/{bucket}/{path:.*}", web::head().to(get_object));
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
    let Some(object) = state
        .storage
        .get(&path)
        .filter(|object| object.downloadable)
    else {
        return cos_error(
            &req,
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
        );
    };
    let total = object.bytes.len();
    let range = req
        .headers()
        .get(header::RANGE)
        .and_then(|value| value.to_str().ok());
    let Some(range) = range else {
        return HttpResponse::Ok()
            .content_type(object.content_type)
            .insert_header((header::ETAG, object.etag))
            .insert_header((header::ACCEPT_RANGES, "bytes"))
            .body(object.bytes);
    };
    match byte_range(range, total) {
        Some((first, last)) => HttpResponse::PartialContent()
            .content_type(object.content_type)
            .insert_header((header::ETAG, object.etag))
            .insert_header((
                header::CONTENT_RANGE,
                format!("bytes {first}-{last}/{total}"),
            ))
            .body(object.bytes.slice(first..=last)),
        None => cos_error(
            &req,
            StatusCode::RANGE_NOT_SATISFIABLE,
            "InvalidRange",
            "The requested range is not satisfiable",
        ),
    }
}

/// The first and last byte of one `bytes=a-b`, `bytes=a-` or `bytes=-n` range of a `total`-byte
/// object (RFC 9110 §14.1.2), clamped to it; `None` when unsatisfiable or not one byte range.
fn byte_range(header: &str, total: usize) -> Option<(usize, usize)> {
    let spec = header.trim().strip_prefix("bytes=")?;
    let (first, last) = spec.split_once('-')?;
    let (first, last) = match (first.trim(), last.trim()) {
        ("", suffix) => {
            let n: usize = suffix.parse().ok()?;
            (total.checked_sub(n.min(total))?, total.checked_sub(1)?)
        }
        (first, "") => (first.parse().ok()?, total.checked_sub(1)?),
        (first, last) => {
            let last: usize = last.parse().ok()?;
            (first.parse().ok()?, last.min(total.checked_sub(1)?))
        }
    };
    (first <= last && first < total).then_some((first, last))
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

#[cfg(test)]
mod tests {
    use super::byte_range;

    #[test]
    fn byte_ranges_are_clamped_to_the_object() {
        assert_eq!(byte_range("bytes=0-31", 100), Some((0, 31)));
        assert_eq!(byte_range("bytes=0-31", 10), Some((0, 9)));
        assert_eq!(byte_range("bytes=90-", 100), Some((90, 99)));
        assert_eq!(byte_range("bytes=-10", 100), Some((90, 99)));
        assert_eq!(byte_range("bytes=100-", 100), None);
        assert_eq!(byte_range("bytes=5-2", 100), None);
        assert_eq!(byte_range("bytes=0-1,4-5", 100), None);
        assert_eq!(byte_range("items=0-1", 100), None);
        assert_eq!(byte_range("bytes=0-0", 0), None);
    }
}
