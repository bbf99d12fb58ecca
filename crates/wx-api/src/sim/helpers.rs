//! Test helpers that are not WeChat's: what a code will get, and WeChat's side of
//! `wx.getUserInfo()` (the encrypted open data), so tests and scripted clients can sign rawData
//! and build `encryptedData` like a real mini-program.

use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    SimState,
    routes::{WxFault, check_code, query},
};
use crate::encrypt_open_data;

/// Register `/sim/session` and `/sim/encrypt`.
pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/sim/session", web::get().to(session))
        .route("/sim/encrypt", web::post().to(encrypt));
}

/// `POST /sim/encrypt` body.
#[derive(Debug, Deserialize)]
struct EncryptRequest {
    /// Whose session_key encrypts (the code the mini-program logs in with).
    code: String,
    /// The open data, a JSON object (e.g. userInfo fields, `openId`…).
    data: Value,
    /// Watermark timestamp, Unix seconds; default now.
    timestamp: Option<u64>,
    /// Watermark app id; default the simulator's (another one builds a mismatch).
    appid: Option<String>,
}

fn refused(body: Value) -> HttpResponse {
    HttpResponse::BadRequest().json(body)
}

fn wx_refused(fault: WxFault) -> HttpResponse {
    refused(fault.body())
}

/// `GET /sim/session?code=` → `{"openid","session_key","used"}`; never spends the code.
/// Codes that WeChat would refuse get its error body with HTTP 400.
async fn session(req: HttpRequest, state: web::Data<SimState>) -> HttpResponse {
    let code = query(&req).remove("code").unwrap_or_default();
    if let Err(fault) = check_code(&code) {
        return wx_refused(fault);
    }
    HttpResponse::Ok().json(json!({
        "openid": state.identities.openid(&code),
        "session_key": state.identities.session_key(&code).expose_secret(),
        "used": state.ledger.is_spent(&code),
    }))
}

/// `POST /sim/encrypt` → `{"encryptedData","iv"}` like `wx.getUserInfo()` returns them.
async fn encrypt(body: web::Bytes, state: web::Data<SimState>) -> HttpResponse {
    let request: EncryptRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => {
            return refused(json!({
                "errcode": -1,
                "errmsg": format!("body must be {{\"code\",\"data\":{{…}}}}: {error}"),
            }));
        }
    };
    if let Err(fault) = check_code(&request.code) {
        return wx_refused(fault);
    }
    let timestamp = request.timestamp.unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs())
    });
    let app_id = request.appid.as_deref().unwrap_or(&state.app_id);
    let session_key = state.identities.session_key(&request.code);
    match encrypt_open_data(&request.data, &session_key, app_id, timestamp) {
        Ok(sealed) => HttpResponse::Ok().json(sealed),
        Err(error) => refused(json!({ "errcode": -1, "errmsg": error.to_string() })),
    }
}
