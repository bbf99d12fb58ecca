//! `POST {base}/album/delete`: remove the image whose URL path is `filepath`
//! (`spec/originals.md` §1.2), or the images of `filepaths` (a batch, at most
//! `delete.max_batch`).
//!
//! The body is JSON (`{"filepath":"/…"}`, what `wx.request` sends) or urlencoded
//! ([`weapp_common::body`]). Replies (HTTP 200): `{"code":0,"msg":"ok","data":{}}`, or
//! `{"code":-1,"msg":"failed","data":{"name":…,"message":…}}` with the original's JavaScript
//! error names: `URIError`/`URI malformed`, `Error`/`operation forbidden` (outside the folder,
//! or another user's photo), `SyntaxError` for a JSON body that does not parse.
//!
//! A batch is checked whole before anything is deleted: one forbidden path refuses it all.
//! A photo with an owner may be deleted only by that owner (unless `auth.mode` is `off`).

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use serde::Serialize;
use serde_json::Value;
use weapp_common::{
    body::{self, BodyError, Fields},
    envelope::{Empty, Envelope},
    uri::UriError,
};

use super::AppState;
use crate::{auth::query_pairs, keys::FilepathError, settings::AuthMode};

/// `data` of a failed delete: a JavaScript error's `name` and `message`.
#[derive(Debug, Serialize)]
pub struct JsError {
    /// `URIError`, `Error`, `SyntaxError`, `PayloadTooLargeError`.
    pub name: &'static str,
    /// Its message.
    pub message: String,
}

fn js_failed(name: &'static str, message: impl Into<String>) -> HttpResponse {
    Envelope::failed(
        "failed",
        JsError {
            name,
            message: message.into(),
        },
    )
    .into_response(StatusCode::OK)
}

fn forbidden() -> HttpResponse {
    let error = FilepathError::Forbidden;
    js_failed(error.js_name(), error.to_string())
}

/// A field as JavaScript's `decodeURIComponent` would coerce it: strings, numbers and
/// booleans as text; anything else absent.
fn coerce(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// Handle a delete.
pub async fn delete(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let fields = match body::read(&req, payload, state.limits.json_body_limit).await {
        Ok(fields) => fields,
        // Like `req.body.filepath` of a JSON array: undefined.
        Err(BodyError::NotObject) => Fields::new(),
        Err(BodyError::TooLarge { .. }) => {
            return js_failed("PayloadTooLargeError", "request entity too large");
        }
        Err(BodyError::Aborted) => return js_failed("Error", "request aborted"),
        Err(BodyError::Json(message)) => return js_failed("SyntaxError", message),
        Err(BodyError::NotUtf8) => return js_failed(UriError::NAME, UriError.to_string()),
    };
    let mut params = query_pairs(req.query_string());
    params.extend(
        fields
            .iter()
            .filter_map(|(name, value)| value.as_str().map(|text| (name.clone(), text.to_owned()))),
    );
    let caller = match state
        .gate
        .caller(&req, params.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .await
    {
        Ok(caller) => caller,
        Err(refusal) => return refusal,
    };
    let filepaths: Vec<String> = match fields.get("filepaths") {
        Some(Value::Array(items)) => {
            if items.is_empty() || items.len() > state.limits.delete_max_batch {
                return js_failed(
                    "RangeError",
                    format!(
                        "filepaths must name 1 to {} images",
                        state.limits.delete_max_batch
                    ),
                );
            }
            // Like `decodeURIComponent(undefined)` for an unusable item: no folder has it.
            items
                .iter()
                .map(|item| coerce(item).unwrap_or_else(|| "undefined".to_owned()))
                .collect()
        }
        Some(_) => return js_failed("TypeError", "filepaths must be an array"),
        // Like `decodeURIComponent(undefined)`: a missing filepath is the string "undefined",
        // which no folder contains.
        None => vec![
            fields
                .get("filepath")
                .and_then(coerce)
                .unwrap_or_else(|| "undefined".to_owned()),
        ],
    };
    let storage = &state.storage;
    let prefix = storage.url_path_prefix();
    let mut keys = Vec::with_capacity(filepaths.len());
    for filepath in &filepaths {
        let key = match storage.folder().key_from_filepath(filepath, &prefix) {
            Ok(key) => key,
            Err(error) => return js_failed(error.js_name(), error.to_string()),
        };
        match may_delete(&state, &key, caller.as_deref()).await {
            Ok(true) => keys.push(key),
            Ok(false) => {
                log::info!("refused deleting {key}: another user's photo");
                return forbidden();
            }
            Err(response) => return response,
        }
    }
    for key in &keys {
        if let Err(error) = storage.delete(key).await {
            log::error!("deleting {key} failed: {error}");
            return js_failed("Error", "delete failed, please retry");
        }
        if let Err(error) = state.index.remove(key).await {
            // Deleted but still listed: the next reconciliation unlists it.
            log::error!("unlisting {key} failed: {error}");
        }
        log::info!("deleted {key}");
    }
    Envelope::ok("ok", Empty {}).into_response(StatusCode::OK)
}

/// Whether `caller` may delete `key`: anyone when `auth.mode` is `off` or the photo has no
/// owner, else only its owner.
async fn may_delete(
    state: &AppState,
    key: &str,
    caller: Option<&str>,
) -> Result<bool, HttpResponse> {
    if state.gate.mode() == AuthMode::Off {
        return Ok(true);
    }
    let retry = |error: &dyn std::fmt::Display| {
        log::error!("reading the owner of {key} failed: {error}");
        js_failed("Error", "delete failed, please retry")
    };
    let owner = match state.index.get(key).await {
        Ok(Some(entry)) => entry.owner,
        // Not listed: a direct upload still being checked belongs to its ticket's user (the
        // only record of it on Cloud Run storage), anything else to its recorded owner.
        Ok(None) => match state.index.ticket(key).await {
            Ok(Some(ticket)) => ticket.owner,
            Ok(None) => state
                .storage
                .owner_of(key)
                .await
                .map_err(|error| retry(&error))?,
            Err(error) => return Err(retry(&error)),
        },
        Err(error) => return Err(retry(&error)),
    };
    Ok(owner.is_none_or(|owner| caller == Some(owner.as_str())))
}
