//! The session check as actix extractors. Each needs a [`WeappAuth`] in the app data
//! (`App::new().app_data(auth.clone())`).
//!
//! | extractor | headers | without credentials | failure body |
//! |---|---|---|---|
//! | [`WxSession`] | `weapp-session` (§3.1) | `None` (the original's pass-through) | magic key |
//! | [`WxUser`] | `weapp-session` | `ERR_SESSION_EXPIRED` | magic key |
//! | [`SkeyUser`] | `X-WX-Skey` (§7.2) | 401 `ERR_SKEY_INVALID` | envelope |
//! | [`AnySession`] | `X-WX-Skey` if present, else `weapp-session` | `None` | that protocol's |
//!
//! Extraction reads headers only; the body stays untouched for the handler.

use std::{future::Future, pin::Pin};

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::StatusCode};

use crate::{
    Skey, WeappAuth, WxUserInfo,
    error::{Failure, SessionError, SkeyError},
    protocol::{HEADER_SKEY, SessionHeaders, header_bytes},
};

type Extraction<T> = Pin<Box<dyn Future<Output = Result<T, actix_web::Error>>>>;

/// The [`WeappAuth`] registered in the app data.
fn auth_of(req: &HttpRequest) -> Result<WeappAuth, actix_web::Error> {
    req.app_data::<WeappAuth>().cloned().ok_or_else(|| {
        log::error!("weapp-auth: no WeappAuth in the app data (App::app_data(auth))");
        Failure::coded(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ERR_INTERNAL",
            "internal error",
        )
        .into()
    })
}

/// The `weapp-session` check with anonymous pass-through: `None` without `X-WX-Code`.
#[derive(Debug, Clone)]
pub struct WxSession(pub Option<WxUserInfo>);

impl FromRequest for WxSession {
    type Error = actix_web::Error;
    type Future = Extraction<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let checked = weapp_session(req);
        Box::pin(async move { Ok(Self(checked.await?)) })
    }
}

fn weapp_session(
    req: &HttpRequest,
) -> impl Future<Output = Result<Option<WxUserInfo>, actix_web::Error>> + use<> {
    let auth = auth_of(req);
    let headers = SessionHeaders::parse(req.headers());
    async move {
        let auth = auth?;
        Ok(auth.check(headers?).await?)
    }
}

/// A required `weapp-session` user: no `X-WX-Code` answers `ERR_SESSION_EXPIRED`, so the
/// original client logs in and retries.
#[derive(Debug, Clone)]
pub struct WxUser(pub WxUserInfo);

impl FromRequest for WxUser {
    type Error = actix_web::Error;
    type Future = Extraction<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let checked = weapp_session(req);
        Box::pin(async move {
            match checked.await? {
                Some(user) => Ok(Self(user)),
                None => Err(SessionError::code_required().into()),
            }
        })
    }
}

/// A required skey session (`X-WX-Skey`).
#[derive(Debug, Clone)]
pub struct SkeyUser {
    /// The skey the request carried.
    pub skey: Skey,
    /// Its user.
    pub user: WxUserInfo,
}

impl FromRequest for SkeyUser {
    type Error = actix_web::Error;
    type Future = Extraction<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let auth = auth_of(req);
        let skey = skey_header(req).and_then(|skey| skey.ok_or(SkeyError::Missing));
        Box::pin(async move {
            let (auth, skey) = (auth?, skey?);
            let user = auth.skey_user(&skey).await?;
            Ok(Self { skey, user })
        })
    }
}

/// `X-WX-Skey`, parsed: `Ok(None)` when absent or empty.
///
/// # Errors
/// [`SkeyError::Invalid`] when present but malformed.
pub fn skey_header(req: &HttpRequest) -> Result<Option<Skey>, SkeyError> {
    let Some(bytes) = header_bytes(req.headers(), HEADER_SKEY) else {
        return Ok(None);
    };
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|text| Skey::parse(text).ok())
        .map(Some)
        .ok_or(SkeyError::Invalid)
}

/// Either protocol: the skey session when `X-WX-Skey` is present, else the `weapp-session`
/// check; `None` when the request carries neither.
#[derive(Debug, Clone)]
pub struct AnySession(pub Option<WxUserInfo>);

impl FromRequest for AnySession {
    type Error = actix_web::Error;
    type Future = Extraction<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        match skey_header(req) {
            Ok(None) => {
                let checked = WxSession::from_request(req, payload);
                Box::pin(async move { Ok(Self(checked.await?.0)) })
            }
            Ok(Some(_)) | Err(_) => {
                let user = SkeyUser::from_request(req, payload);
                Box::pin(async move { Ok(Self(Some(user.await?.user))) })
            }
        }
    }
}
