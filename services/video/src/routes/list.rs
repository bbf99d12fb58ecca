//! `GET {base}/video/list?pageNo=`: one page of the catalogue (`spec/originals.md` §4).

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use weapp_common::envelope::Envelope;

use super::{AppState, failed, query_value};
use crate::params::PageNo;

/// `{"code":0,"msg":"ok","data":{"list":[…],"totalPage":n}}` with `page_size` videos in id
/// order (an empty `list` past the last page); `{"code":-1,"msg":"failed","data":{}}` for a
/// `pageNo` outside `1..=4294967295` or a database failure (the cause goes to the log).
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let page_no = match PageNo::parse(query_value(req.query_string(), "pageNo").as_deref()) {
        Ok(page_no) => page_no,
        Err(error) => {
            log::info!("list refused: {error}");
            return failed();
        }
    };
    match state.catalogue.page(page_no, state.page_size).await {
        Ok(page) => Envelope::ok("ok", page).into_response(StatusCode::OK),
        Err(error) => {
            log::error!("listing page {} failed: {error}", page_no.get());
            failed()
        }
    }
}
