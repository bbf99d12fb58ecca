//! The simulated WeChat login and token routes: `/sns/jscode2session`, `/cgi-bin/token` and
//! `/cgi-bin/stable_token`.
//!
//! Checks run in WeChat's order — parameters present, appid, secret, grant_type, then the
//! code — and failures use WeChat's exact `{"errcode","errmsg"}` bodies
//! (<https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-login/code2Session.html>,
//! <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-access-token/getAccessToken.html>,
//! <https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken>).
//! Errors about the call itself (tokens, bodies, methods) end with WeChat's ` rid: …` request
//! id, as `{"errcode":42001,"errmsg":"access_token expired rid: 68aeab12-21ea7934-3a442456"}`.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use rand::Rng;
use secrecy::ExposeSecret;
use serde::Serialize;
use serde_json::{Map, Value, json};
use subtle::ConstantTimeEq;

use crate::clock::Clock;

use super::{
    SimState,
    users::{CodeKind, Use},
};

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
pub(super) const REQUIRE_POST: WxFault = WxFault(43002, "require POST method");
pub(super) const EMPTY_BODY: WxFault = WxFault(44002, "empty post data");
pub(super) const BAD_BODY: WxFault = WxFault(47001, "data format error");

impl WxFault {
    /// `{"errcode":…,"errmsg":…}`.
    pub(super) fn body(self) -> Value {
        json!({ "errcode": self.0, "errmsg": self.1 })
    }
}

/// Register the WeChat routes.
pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/sns/jscode2session", web::get().to(jscode2session))
        .route("/cgi-bin/token", web::get().to(token))
        .service(post_only("/cgi-bin/stable_token", stable_token));
}

/// A route that takes POST only; other methods get `43002 require POST method`.
pub(super) fn post_only<F, Args>(path: &str, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    web::resource(path)
        .route(web::post().to(handler))
        .default_service(web::to(|| async { fault_rid(REQUIRE_POST) }))
}

/// Any other path: WeChat's unknown-API answer is not documented; a 404 in the same shape.
pub(super) async fn unknown_api() -> HttpResponse {
    wechat(
        StatusCode::NOT_FOUND,
        &json!({"errcode": -1, "errmsg": "no such API in wx-sim"}),
    )
}

/// A WeChat answer: JSON text labelled `text/plain`, as WeChat sends it.
pub(super) fn wechat(status: StatusCode, body: &impl Serialize) -> HttpResponse {
    // These bodies are plain strings and numbers: serialising them cannot fail.
    let text = serde_json::to_string(body).unwrap_or_default();
    HttpResponse::build(status)
        .content_type("text/plain")
        .body(text)
}

fn fault(fault: WxFault) -> HttpResponse {
    wechat(StatusCode::OK, &fault.body())
}

/// WeChat's error with a request id: `{"errcode":…,"errmsg":"… rid: 68aeab12-21ea7934-3a442456"}`.
pub(super) fn fault_rid(fault: WxFault) -> HttpResponse {
    let mut rng = rand::rng();
    let rid = format!(
        "{:08x}-{:08x}-{:08x}",
        rng.random::<u32>(),
        rng.random::<u32>(),
        rng.random::<u32>()
    );
    wechat(
        StatusCode::OK,
        &json!({ "errcode": fault.0, "errmsg": format!("{} rid: {rid}", fault.1) }),
    )
}

/// A POST body as a JSON object: `44002` when empty, `47001` when not a JSON object.
pub(super) fn json_body(body: &[u8]) -> Result<Map<String, Value>, WxFault> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(EMPTY_BODY);
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(object)) => Ok(object),
        _ => Err(BAD_BODY),
    }
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
    let (token, expires_in) = state.tokens.issue(&state.identities, state.clock.now_ms());
    wechat(
        StatusCode::OK,
        &TokenAnswer {
            access_token: &token,
            expires_in,
        },
    )
}

/// `{"access_token","expires_in"}`, WeChat's key order.
#[derive(Serialize)]
struct TokenAnswer<'a> {
    access_token: &'a str,
    expires_in: u64,
}

/// `POST /cgi-bin/stable_token` `{"grant_type","appid","secret","force_refresh"?}`.
async fn stable_token(body: web::Bytes, state: web::Data<SimState>) -> HttpResponse {
    let request = match json_body(&body) {
        Ok(request) => request,
        Err(error) => return fault_rid(error),
    };
    let params: HashMap<String, String> = ["grant_type", "appid", "secret"]
        .into_iter()
        .filter_map(|name| {
            let value = request.get(name)?.as_str()?;
            Some((name.to_owned(), value.to_owned()))
        })
        .collect();
    let force = match request.get("force_refresh") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(force)) => *force,
        Some(_) => return fault_rid(BAD_BODY),
    };
    let checked =
        check_grant_type(&params, "client_credential").and_then(|()| check_app(&state, &params));
    if let Err(error) = checked {
        log::info!("stable_token: {} {}", error.0, error.1);
        return fault(error);
    }
    match state
        .tokens
        .stable(&state.identities, state.clock.now_ms(), force)
    {
        Ok((token, expires_in)) => wechat(
            StatusCode::OK,
            &TokenAnswer {
                access_token: &token,
                expires_in,
            },
        ),
        Err(error) => fault_rid(error),
    }
}
