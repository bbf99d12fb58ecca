//! Test helpers that are not WeChat's: what a code will get, WeChat's side of
//! `wx.getUserInfo()` (the encrypted open data), so tests and scripted clients can sign rawData
//! and build `encryptedData` like a real mini-program; the token exchange counts, forced token
//! expiry and revocation, the simulator's clock, and a look at a stored file.

use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    SimState,
    routes::{WxFault, check_code, query},
};
use crate::{clock::Clock, encrypt_open_data};

/// Register the `/sim/*` helpers.
pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/sim/session", web::get().to(session))
        .route("/sim/encrypt", web::post().to(encrypt))
        .route("/sim/tokens", web::get().to(token_counts))
        .route("/sim/tokens/expire", web::post().to(expire_tokens))
        .route("/sim/tokens/revoke", web::post().to(revoke_tokens))
        .route("/sim/clock/advance", web::post().to(advance_clock))
        .route("/sim/object", web::get().to(object));
}

/// `GET /sim/tokens` → `{"token_calls","stable_token_calls","force_refresh_calls"}`: how many
/// exchanges the simulator answered since it started.
async fn token_counts(state: web::Data<SimState>) -> HttpResponse {
    HttpResponse::Ok().json(state.tokens.counts())
}

/// `POST /sim/tokens/expire` → `{"tokens":n}`: the current access token and stable token
/// expire now; calls with them get `42001 access_token expired`.
async fn expire_tokens(state: web::Data<SimState>) -> HttpResponse {
    let n = state.tokens.expire_current(state.clock.now_ms());
    HttpResponse::Ok().json(json!({ "tokens": n }))
}

/// `POST /sim/tokens/revoke` → `{"tokens":n}`: the current tokens end now, as if replaced
/// elsewhere; calls with them get `40001 invalid credential…`.
async fn revoke_tokens(state: web::Data<SimState>) -> HttpResponse {
    let n = state.tokens.revoke_current(state.clock.now_ms());
    HttpResponse::Ok().json(json!({ "tokens": n }))
}

/// `POST /sim/clock/advance` body.
#[derive(Debug, Deserialize)]
struct Advance {
    /// Seconds to move the clock forward.
    secs: u64,
}

/// `POST /sim/clock/advance` `{"secs":n}` → `{"offset_secs"}`: the simulator's clock (token,
/// ticket and download URL expiry) moves forward; it never moves back.
async fn advance_clock(body: web::Bytes, state: web::Data<SimState>) -> HttpResponse {
    match serde_json::from_slice::<Advance>(&body) {
        Ok(advance) => {
            state
                .clock
                .advance(std::time::Duration::from_secs(advance.secs));
            HttpResponse::Ok().json(json!({ "offset_secs": state.clock.offset().as_secs() }))
        }
        Err(error) => refused(json!({
            "errcode": -1,
            "errmsg": format!("body must be {{\"secs\":n}}: {error}"),
        })),
    }
}

/// `GET /sim/object?path=` → `{"exists","size","downloadable","content_type"}` of the file
/// stored at `path` (`size` and the rest absent when it does not exist).
async fn object(req: HttpRequest, state: web::Data<SimState>) -> HttpResponse {
    let path = query(&req).remove("path").unwrap_or_default();
    match state.storage.get(&path) {
        Some(object) => HttpResponse::Ok().json(json!({
            "exists": true,
            "size": object.bytes.len(),
            "downloadable": object.downloadable,
            "content_type": object.content_type,
        })),
        None => HttpResponse::Ok().json(json!({ "exists": false })),
    }
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
