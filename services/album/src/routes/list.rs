//! `GET {base}/album/list`: the image URLs, newest first (`spec/originals.md` §1.2).

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use weapp_common::envelope::{Empty, Envelope};

use super::{AppState, origin};

/// `{"code":0,"msg":"ok","data":["<url>",…]}`; a store failure is
/// `{"code":-1,"msg":"failed","data":{}}` (the cause goes to the log).
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    match state.storage.list_newest(state.list_max_keys).await {
        Ok(keys) => {
            let origin = origin(&req);
            let urls: Vec<String> = keys
                .iter()
                .map(|key| state.storage.image_url(key, &origin))
                .collect();
            Envelope::ok("ok", urls).into_response(StatusCode::OK)
        }
        Err(error) => {
            log::error!("listing the album failed: {error}");
            Envelope::failed("failed", Empty {}).into_response(StatusCode::OK)
        }
    }
}
