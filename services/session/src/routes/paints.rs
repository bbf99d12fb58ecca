//! `{base}/session/paints/list|save|delete` (`spec/originals.md` §3.2), each scoped to the
//! caller's openid.
//!
//! The caller is identified by the `weapp-session` headers (the original client) or
//! `X-WX-Skey` (the modern login); their failures answer in their own protocol before the body
//! is read. Replies (HTTP 200, like the original): `{"code":0,"msg":"success","data":…}` or
//! `{"code":-1,"msg":"fail","error":{"reason":…}}` with the original's reasons; MongoDB down is
//! HTTP 503 with reason `database unavailable, please retry`.

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use weapp_auth::{AnySession, Failure, OpenId, WxUserInfo};
use weapp_common::envelope::{Empty, Envelope};

use super::{AppState, body};
use crate::paints::PaintsError;

/// Longest paint id in bytes. The client's ids are short base-36 strings; the bound keeps index
/// keys small.
const MAX_ID_BYTES: usize = 256;

fn success<T: serde::Serialize>(data: T) -> HttpResponse {
    Envelope::ok("success", data).into_response(StatusCode::OK)
}

/// The original's reason when no user is known (anonymous request).
fn openid_of(user: Option<WxUserInfo>) -> Result<OpenId, Failure> {
    user.map(|user| user.open_id().clone())
        .ok_or_else(|| Failure::reason(StatusCode::OK, "openId does not exists"))
}

fn database_down(error: &PaintsError) -> Failure {
    log::error!("{error}");
    Failure::reason(
        StatusCode::SERVICE_UNAVAILABLE,
        "database unavailable, please retry",
    )
}

/// `GET /paints/list` → `data: [{"id","actions"},…]`, oldest first.
///
/// # Errors
/// The failure envelope: anonymous caller, or the database down.
pub async fn list(
    AnySession(user): AnySession,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Failure> {
    let open_id = openid_of(user)?;
    let paints = state
        .paints
        .list(&open_id)
        .await
        .map_err(|error| database_down(&error))?;
    Ok(success(paints))
}

/// `POST /paints/save` `{"id","actions"}` → `data: {}`.
///
/// # Errors
/// The failure envelope: anonymous caller, a missing field, an oversized `actions` or body,
/// or the database down — and then nothing is stored.
pub async fn save(
    AnySession(user): AnySession,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Failure> {
    let open_id = openid_of(user)?;
    let fields = body::fields(&req, payload, state.json_body_limit).await?;
    let (Some(id), Some(actions)) = (body::text(&fields, "id"), body::text(&fields, "actions"))
    else {
        return Err(Failure::reason(
            StatusCode::OK,
            "id or actions does not exists",
        ));
    };
    check_id(&id)?;
    if actions.len() > state.max_actions_bytes {
        return Err(Failure::reason(
            StatusCode::OK,
            format!("actions exceeds {} bytes", state.max_actions_bytes),
        ));
    }
    state
        .paints
        .save(&open_id, &id, &actions)
        .await
        .map_err(|error| database_down(&error))?;
    Ok(success(Empty {}))
}

/// `POST /paints/delete` `{"id"}` → `data: {}`, also when the caller had no such paint.
///
/// # Errors
/// The failure envelope: anonymous caller, no id, or the database down.
pub async fn delete(
    AnySession(user): AnySession,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Failure> {
    let open_id = openid_of(user)?;
    let fields = body::fields(&req, payload, state.json_body_limit).await?;
    let Some(id) = body::text(&fields, "id") else {
        return Err(Failure::reason(StatusCode::OK, "id does not exists"));
    };
    check_id(&id)?;
    state
        .paints
        .delete(&open_id, &id)
        .await
        .map_err(|error| database_down(&error))?;
    Ok(success(Empty {}))
}

fn check_id(id: &str) -> Result<(), Failure> {
    if id.len() > MAX_ID_BYTES {
        return Err(Failure::reason(
            StatusCode::OK,
            format!("id exceeds {MAX_ID_BYTES} bytes"),
        ));
    }
    Ok(())
}
