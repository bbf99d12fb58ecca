//! `GET {base}/video/commentList?vid=`: a video's comments, newest first
//! (`spec/originals.md` §4).

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use weapp_common::envelope::Envelope;

use super::{AppState, failed, query_value};
use crate::params::VideoId;

/// `{"code":0,"msg":"ok","data":[…]}` — at most `comment.list_max` comments, newest first; an
/// unknown video has none. `{"code":-1,"msg":"failed","data":{}}` for a missing or malformed
/// `vid` or a database failure.
pub async fn comment_list(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let vid = match VideoId::parse(query_value(req.query_string(), "vid").as_deref()) {
        Ok(vid) => vid,
        Err(error) => {
            log::info!("commentList refused: {error}");
            return failed();
        }
    };
    match state.catalogue.comments(vid, state.comment.list_max).await {
        Ok(comments) => Envelope::ok("ok", comments).into_response(StatusCode::OK),
        Err(error) => {
            log::error!("listing comments of video {} failed: {error}", vid.get());
            failed()
        }
    }
}
