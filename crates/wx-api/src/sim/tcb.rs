//! The simulated Cloud Run storage API: `/tcb/uploadfile`, `/tcb/batchdownloadfile`,
//! `/tcb/batchdeletefile`, with the documents' request and answer shapes
//! (<https://developers.weixin.qq.com/minigame/dev/wxcloud/reference-http-api/storage/uploadFile.html>,
//! `…/batchDownloadFile.html`, `…/batchDeleteFile.html`).
//!
//! Checks, in order: the credential (`access_token`, `cloudbase_access_token`, or none when
//! `open_api_service` plays the Cloud Run open-API service; refusals as in [`super::tokens`]),
//! POST (`43002`), a JSON object body (`44002` empty, `47001` not JSON), `env` present (`40101`)
//! and known (`-501000 Environment not found TcbCode: [INVALID_ENV]`), then the call's own
//! fields (`40101` missing, `40097 invalid args` malformed or more than 50 files). A file that
//! does not exist — or was uploaded without `x-cos-meta-fileid` — has
//! `"status":1,"errmsg":"STORAGE_FILE_NONEXIST"` in the batch answers.

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use secrecy::ExposeSecret;
use serde::Serialize;
use serde_json::{Map, Value};
use subtle::ConstantTimeEq;

use crate::clock::Clock;

use super::{
    SimState,
    routes::{WxFault, fault_rid, json_body, post_only, query, wechat},
    tokens::{TOKEN_INVALID, TOKEN_MISSING},
};

const MISSING_PARAMETER: WxFault = WxFault(40101, "missing parameter");
const INVALID_ARGS: WxFault = WxFault(40097, "invalid args");
const INVALID_ENV: WxFault = WxFault(-501000, "Environment not found TcbCode: [INVALID_ENV]");
/// Files per batch call (<https://developers.weixin.qq.com/community/develop/doc/0002ac37704948fc571ffd2bc56000>).
const MAX_BATCH: usize = 50;

/// Register the three `tcb` routes.
pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(post_only("/tcb/uploadfile", upload_file))
        .service(post_only("/tcb/batchdownloadfile", batch_download))
        .service(post_only("/tcb/batchdeletefile", batch_delete));
}

/// The credential of a call, checked.
fn check_credential(req: &HttpRequest, state: &SimState) -> Result<(), WxFault> {
    let params = query(req);
    if let Some(token) = params.get("access_token") {
        return state.tokens.check(token, state.clock.now_ms());
    }
    if let Some(token) = params.get("cloudbase_access_token") {
        let expected = state.cloudbase_access_token.expose_secret().as_bytes();
        return if !expected.is_empty() && bool::from(expected.ct_eq(token.as_bytes())) {
            Ok(())
        } else {
            Err(TOKEN_INVALID)
        };
    }
    if state.open_api_service {
        Ok(())
    } else {
        Err(TOKEN_MISSING)
    }
}

/// Credential, body and env of a call: its JSON object.
fn admit(req: &HttpRequest, body: &[u8], state: &SimState) -> Result<Map<String, Value>, WxFault> {
    check_credential(req, state)?;
    let request = json_body(body)?;
    match request.get("env").and_then(Value::as_str) {
        None | Some("") => Err(MISSING_PARAMETER),
        Some(env) if env != state.cloud.env => Err(INVALID_ENV),
        Some(_) => Ok(request),
    }
}

fn refused(call: &str, error: WxFault) -> HttpResponse {
    log::info!("{call}: {} {}", error.0, error.1);
    fault_rid(error)
}

/// `{"errcode":0,"errmsg":"ok","url","token","authorization","file_id","cos_file_id"}`.
#[derive(Serialize)]
struct UploadAnswer<'a> {
    errcode: i64,
    errmsg: &'static str,
    url: &'a str,
    token: &'a str,
    authorization: &'a str,
    file_id: &'a str,
    cos_file_id: &'a str,
}

async fn upload_file(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<SimState>,
) -> HttpResponse {
    let request = match admit(&req, &body, &state) {
        Ok(request) => request,
        Err(error) => return refused("uploadfile", error),
    };
    let path = match request.get("path") {
        None => return refused("uploadfile", MISSING_PARAMETER),
        Some(Value::String(path)) if !path.is_empty() => path,
        Some(_) => return refused("uploadfile", INVALID_ARGS),
    };
    let now = state.clock.now_ms();
    let ticket = state.storage.issue(
        path,
        now,
        now.saturating_add(state.cloud.ticket_lifetime_ms),
    );
    log::info!("uploadfile: ticket for {path}");
    wechat(
        StatusCode::OK,
        &UploadAnswer {
            errcode: 0,
            errmsg: "ok",
            url: &state.cloud.upload_url(path),
            token: &ticket.token,
            authorization: &ticket.authorization,
            file_id: &state.cloud.file_id(path),
            cos_file_id: &ticket.cos_file_id,
        },
    )
}

/// A per-file entry of `file_list` (`download_url` present) or `delete_list`.
#[derive(Serialize)]
struct Listed {
    fileid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    download_url: Option<String>,
    status: i64,
    errmsg: &'static str,
}

#[derive(Serialize)]
struct ListAnswer {
    errcode: i64,
    errmsg: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    file_list: Option<Vec<Listed>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    delete_list: Option<Vec<Listed>>,
}

/// The array `name` of 1 to [`MAX_BATCH`] entries.
fn batch<'a>(request: &'a Map<String, Value>, name: &str) -> Result<&'a [Value], WxFault> {
    match request.get(name) {
        None => Err(MISSING_PARAMETER),
        Some(Value::Array(items)) if !items.is_empty() && items.len() <= MAX_BATCH => Ok(items),
        Some(_) => Err(INVALID_ARGS),
    }
}

fn not_found(fileid: String, download_url: Option<String>) -> Listed {
    Listed {
        fileid,
        download_url,
        status: 1,
        errmsg: "STORAGE_FILE_NONEXIST",
    }
}

async fn batch_download(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<SimState>,
) -> HttpResponse {
    let listed = admit(&req, &body, &state).and_then(|request| {
        let mut wanted = Vec::new();
        for item in batch(&request, "file_list")? {
            let fileid = item.get("fileid").and_then(Value::as_str);
            let max_age = item.get("max_age").and_then(Value::as_u64);
            match (fileid, max_age) {
                (Some(fileid), Some(max_age)) if !fileid.is_empty() && max_age > 0 => {
                    wanted.push((fileid.to_owned(), max_age));
                }
                _ => return Err(INVALID_ARGS),
            }
        }
        Ok(wanted)
    });
    let wanted = match listed {
        Ok(wanted) => wanted,
        Err(error) => return refused("batchdownloadfile", error),
    };
    let now = state.clock.now_ms();
    let file_list = wanted
        .into_iter()
        .map(|(fileid, max_age)| {
            let readable = state
                .cloud
                .path_of(&fileid)
                .filter(|path| state.storage.get(path).is_some_and(|o| o.downloadable));
            match readable {
                Some(path) => Listed {
                    download_url: Some(state.cloud.download_url(&path, now / 1000 + max_age)),
                    fileid,
                    status: 0,
                    errmsg: "ok",
                },
                None => not_found(fileid, Some(String::new())),
            }
        })
        .collect();
    wechat(
        StatusCode::OK,
        &ListAnswer {
            errcode: 0,
            errmsg: "ok",
            file_list: Some(file_list),
            delete_list: None,
        },
    )
}

async fn batch_delete(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<SimState>,
) -> HttpResponse {
    let listed = admit(&req, &body, &state).and_then(|request| {
        batch(&request, "fileid_list")?
            .iter()
            .map(|item| match item.as_str() {
                Some(fileid) if !fileid.is_empty() => Ok(fileid.to_owned()),
                _ => Err(INVALID_ARGS),
            })
            .collect::<Result<Vec<_>, _>>()
    });
    let wanted = match listed {
        Ok(wanted) => wanted,
        Err(error) => return refused("batchdeletefile", error),
    };
    let delete_list = wanted
        .into_iter()
        .map(|fileid| {
            let deleted = state
                .cloud
                .path_of(&fileid)
                .is_some_and(|path| state.storage.delete(&path));
            if deleted {
                log::info!("batchdeletefile: deleted {fileid}");
                Listed {
                    fileid,
                    download_url: None,
                    status: 0,
                    errmsg: "ok",
                }
            } else {
                not_found(fileid, None)
            }
        })
        .collect();
    wechat(
        StatusCode::OK,
        &ListAnswer {
            errcode: 0,
            errmsg: "ok",
            file_list: None,
            delete_list: Some(delete_list),
        },
    )
}
