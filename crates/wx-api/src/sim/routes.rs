//! The simulated WeChat routes: `/sns/jscode2session` and `/cgi-bin/token`.
//!
//! Checks run in WeChat's order — parameters present, appid, secret, grant_type, then the
//! code — and failures use WeChat's exact `{"errcode","errmsg"}` bodies
//! (<https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-login/code2Session.html>,
//! <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-access-token/getAccessToken.html>).

use std::{collections::HashMap, sync::atomic::Ordering};

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use secrecy::ExposeSecret;
use serde::Serialize;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use super::{
    SimState,
    users::{CodeKind, Use},
};

/// Lifetime WeChat gives an access token, in seconds.
const ACCESS_TOKEN_EXPIRES_IN: u64 = 7200;

/// A WeChat error: `errcode` and the exact `errmsg`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct WxFault(pub i64, pub &'static str);

pub(super) const SYSTEM_ERROR: WxFault = WxFault(-1, "system error");
pub(super) const INVALID_GRANT_TYPE: WxFault = WxFault(40002, "invalid grant_type");
pub(super) const INVALID_APPID: WxFault = WxFault(40013, "invalid appid");
pub(super) const INVALID_CODE: WxFault = WxFault(40029, "invalid code");
pub(super) const INVALID_APPSECRET: WxFault = WxFault(40125, "invalid appsecret");
pub(super) const CODE_BEEN_USED: WxFault = WxFault(40163, "code been used");
pub(super) const APPID_MISSING: WxFault = WxFault(41002, "appid missing");
pub(super) const APPSECRET_MISSING: WxFault = WxFault(41004, "appsecret missing");
pub(super) const MISSING_CODE: WxFault = WxFault(41008, "missing code");
pub(super) const RATE_LIMITED: WxFault = WxFault(
    45011,
    "api minute-quota reach limit mustslower retry next minute",
);

impl WxFault {
    /// `{"errcode":…,"errmsg":…}`.
    pub(super) fn body(self) -> Value {
        json!({ "errcode": self.0, "errmsg": self.1 })
    }
}

/// Register the WeChat routes.
pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/sns/jscode2session", web::get().to(jscode2session))
        .route("/cgi-bin/token", web::get().to(token));
}

/// Any other path: WeChat's unknown-API answer is not documented; a 404 in the same shape.
pub(super) async fn unknown_api() -> HttpResponse {
    wechat(
        StatusCode::NOT_FOUND,
        &json!({"errcode": -1, "errmsg": "no such API in wx-sim"}),
    )
}

/// A WeChat answer: JSON text labelled `text/plain`, as WeChat sends it.
fn wechat(status: StatusCode, body: &impl Serialize) -> HttpResponse {
    // These bodies are plain strings and numbers: serialising them cannot fail.
    let text = serde_json::to_string(body).unwrap_or_default();
    HttpResponse::build(status)
        .content_type("text/plain")
        .body(text)
}

fn fault(fault: WxFault) -> HttpResponse {
    wechat(StatusCode::OK, &fault.body())
}

/// The query parameters, first occurrence of each name; never fails (bad escapes are kept as
/// they are, like WeChat's lenient parsing).
pub(super) fn query(req: &HttpRequest) -> HashMap<String, String> {
    let mut params = HashMap::new();
    for (name, value) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        params
            .entry(name.into_owned())
            .or_insert_with(|| value.into_owned());
    }
    params
}

/// The app credentials in `params`, checked in WeChat's order.
fn check_app(state: &SimState, params: &HashMap<String, String>) -> Result<(), WxFault> {
    let appid = params.get("appid").filter(|v| !v.is_empty());
    let secret = params.get("secret").filter(|v| !v.is_empty());
    match appid {
        None => return Err(APPID_MISSING),
        Some(appid) if appid != &state.app_id => return Err(INVALID_APPID),
        Some(_) => {}
    }
    match secret {
        None => Err(APPSECRET_MISSING),
        Some(secret) => {
            let expected = state.app_secret.expose_secret().as_bytes();
            if bool::from(expected.ct_eq(secret.as_bytes())) {
                Ok(())
            } else {
                Err(INVALID_APPSECRET)
            }
        }
    }
}

fn check_grant_type(params: &HashMap<String, String>, expected: &str) -> Result<(), WxFault> {
    match params.get("grant_type") {
        Some(grant_type) if grant_type == expected => Ok(()),
        _ => Err(INVALID_GRANT_TYPE),
    }
}

/// What a code would get, without spending it (shared with `/sim/session`).
pub(super) fn check_code(code: &str) -> Result<(), WxFault> {
    match CodeKind::of(code) {
        CodeKind::Missing => Err(MISSING_CODE),
        CodeKind::Invalid => Err(INVALID_CODE),
        CodeKind::RateLimited => Err(RATE_LIMITED),
        CodeKind::Usable => Ok(()),
    }
}

async fn jscode2session(req: HttpRequest, state: web::Data<SimState>) -> HttpResponse {
    let params = query(&req);
    let code = params.get("js_code").map_or("", String::as_str);
    let checked = check_app(&state, &params)
        .and_then(|()| check_grant_type(&params, "authorization_code"))
        .and_then(|()| check_code(code))
        .and_then(|()| match state.ledger.spend(code) {
            Use::First => Ok(()),
            Use::Again => Err(CODE_BEEN_USED),
            Use::Full => Err(SYSTEM_ERROR),
        });
    if let Err(error) = checked {
        log::info!("jscode2session: {} {}", error.0, error.1);
        return fault(error);
    }
    let openid = state.identities.openid(code);
    log::info!("jscode2session: code exchanged for openid {openid}");
    let session_key = state.identities.session_key(code);
    // A struct keeps WeChat's key order (`session_key` first); `json!` would sort the keys.
    let answer = SessionAnswer {
        session_key: session_key.expose_secret(),
        openid: &openid,
    };
    wechat(StatusCode::OK, &answer)
}

/// A successful jscode2session answer, in WeChat's key order.
#[derive(Serialize)]
struct SessionAnswer<'a> {
    session_key: &'a str,
    openid: &'a str,
}

async fn token(req: HttpRequest, state: web::Data<SimState>) -> HttpResponse {
    let params = query(&req);
    let checked =
        check_grant_type(&params, "client_credential").and_then(|()| check_app(&state, &params));
    if let Err(error) = checked {
        log::info!("token: {} {}", error.0, error.1);
        return fault(error);
    }
    let n = state.tokens_issued.fetch_add(1, Ordering::Relaxed);
    wechat(
        StatusCode::OK,
        &json!({
            "access_token": state.identities.access_token(n),
            "expires_in": ACCESS_TOKEN_EXPIRES_IN,
        }),
    )
}
