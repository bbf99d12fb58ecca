//! `GET {base}/album/list`: the image URLs, newest first (`spec/originals.md` §1.2), from the
//! album's index ([`crate::index`]).
//!
//! Options the original client never sends (`proto/album.openapi.yaml`):
//! - `after=<an image URL or key of the previous page>`: the next page (the cursor);
//! - `mine=1`: only the caller's own photos (needs a session).
//!
//! `{"code":0,"msg":"ok","data":["<url>",…]}` — at most `list.max_keys` URLs, signed ones for
//! a private bucket, temporary download URLs on WeChat Cloud Run storage (one
//! `batchdownloadfile` per 50 keys); an empty array past the last page. A store or index failure is
//! `{"code":-1,"msg":"failed","data":{}}` (the cause goes to the log); an `after` naming no
//! photo of the folder is `参数错误`.

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use weapp_common::envelope::Envelope;

use super::{AppState, failed, origin};
use crate::{
    auth::{login_required, query_pairs},
    index::{Cursor, key_time},
    messages::MSG_BAD_PARAMS,
    verify::millis,
};

/// Handle a list request.
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let pairs = query_pairs(req.query_string());
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let caller = match state
        .gate
        .caller(&req, pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .await
    {
        Ok(caller) => caller,
        Err(refusal) => return refusal,
    };
    let mine = matches!(param("mine"), Some("1" | "true"));
    if mine && caller.is_none() {
        return login_required();
    }
    if tokio::time::timeout(state.limits.index_wait, state.checker.built())
        .await
        .is_err()
    {
        log::error!("listing before the album index was built");
        return failed("failed");
    }
    let cursor = match param("after").filter(|after| !after.is_empty()) {
        None => None,
        Some(after) => match cursor(&state, after).await {
            Ok(cursor) => Some(cursor),
            Err(response) => return response,
        },
    };
    // Direct uploads due for a check get one before the next list (lazily, off this request).
    match state
        .index
        .has_due(millis(std::time::SystemTime::now()))
        .await
    {
        Ok(true) => state.checker.wake(),
        Ok(false) => {}
        Err(error) => log::warn!("looking for due direct uploads failed: {error}"),
    }
    let owner = if mine { caller.as_deref() } else { None };
    let keys = match state
        .index
        .page(owner, cursor.as_ref(), state.limits.list_max_keys)
        .await
    {
        Ok(keys) => keys,
        Err(error) => {
            log::error!("listing the album failed: {error}");
            return failed("failed");
        }
    };
    let urls = match state.storage.image_urls(&keys, &origin(&req)).await {
        Ok(urls) => urls,
        Err(error) => {
            log::error!("the image URLs of a page failed: {error:#}");
            return failed("failed");
        }
    };
    // A key the store no longer knows (Cloud Run: deleted behind the album's back) is left
    // out; the next reconciliation unlists it.
    let urls: Vec<String> = keys
        .iter()
        .zip(urls)
        .filter_map(|(key, url)| {
            if url.is_none() {
                log::warn!("listed {key} is not in the store");
            }
            url
        })
        .collect();
    Envelope::ok("ok", urls).into_response(StatusCode::OK)
}

/// The cursor of `after`: the photo it names, by its indexed time, or by the time in its key
/// when it was deleted since.
async fn cursor(state: &AppState, after: &str) -> Result<Cursor, HttpResponse> {
    let storage = &state.storage;
    let Ok(key) = storage
        .folder()
        .key_from_reference(after, &storage.url_path_prefix())
    else {
        return Err(failed(MSG_BAD_PARAMS));
    };
    let ms = match state.index.get(&key).await {
        Ok(Some(entry)) => Some(entry.ms),
        Ok(None) => key_time(&key),
        Err(error) => {
            log::error!("reading the list cursor failed: {error}");
            return Err(failed("failed"));
        }
    };
    ms.map(|ms| Cursor { ms, key })
        .ok_or_else(|| failed(MSG_BAD_PARAMS))
}
