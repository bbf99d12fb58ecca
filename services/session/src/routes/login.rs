//! The modern login routes (`spec/originals.md` §7.2, Wafer 2's `/weapp/login` and `/weapp/user`
//! under this service's path), in the drawing app's envelope:
//!
//! - `GET {base}/session/login` (`x-wx-code`, optional `x-wx-encrypted-data` + `x-wx-iv`) →
//!   `{"code":0,"msg":"success","data":{"skey","userinfo","expires_in"}}`;
//! - `GET {base}/session/user` (`X-WX-Skey`, or the `weapp-session` headers) → `data` = the
//!   user's profile with `openId`;
//! - `POST {base}/session/logout` (`X-WX-Skey`) → `data: {}`; the skey is revoked.
//!
//! Failures are `{"code":-1,"msg":"fail","error":{"reason","message","detail"?}}` with 400, 401
//! (log in again), 502 or 503.

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use weapp_auth::{AnySession, LoginError, LoginRequest, SkeyError, extract::skey_header};
use weapp_common::envelope::{Empty, Envelope};

use super::AppState;

/// Log in and answer the new skey session.
///
/// # Errors
/// A [`LoginError`] envelope.
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, LoginError> {
    let request = LoginRequest::from_headers(req.headers())?;
    let login = state.auth.login(&request).await?;
    log::info!("skey login of {}", login.userinfo.open_id());
    Ok(Envelope::ok("success", login).into_response(StatusCode::OK))
}

/// The caller's profile.
///
/// # Errors
/// 401 `ERR_SKEY_INVALID` without credentials; the protocol's failure otherwise.
pub async fn user(AnySession(user): AnySession) -> Result<HttpResponse, actix_web::Error> {
    let user = user.ok_or(SkeyError::Missing)?;
    Ok(Envelope::ok("success", user).into_response(StatusCode::OK))
}

/// Revoke the caller's skey. Idempotent: an unknown or expired skey is already logged out.
///
/// # Errors
/// 401 `ERR_SKEY_INVALID` without a well-formed `X-WX-Skey`; 503 when Redis is down.
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, SkeyError> {
    let skey = skey_header(&req)?.ok_or(SkeyError::Missing)?;
    state.auth.logout(&skey).await?;
    Ok(Envelope::ok("success", Empty {}).into_response(StatusCode::OK))
}
