//! The 2017 COS v4 direct-upload clients (`spec/originals.md` §6, and the 2017 "上传图片到腾讯云"
//! article):
//!
//! - `GET {base}/album/qc_cos/config?cos_path=/dir` → `{"sign":"<sign_more>"}`, that article's
//!   sign server: a multi-use signature for the folder `cos_path` (inside `cos.folder`, else the
//!   original `operation forbidden` envelope), valid `v4.sign_expires_secs`;
//! - `{base}/album/cos-auth` (any method) → the signature as the raw body, like
//!   `tencentyun/cos-auth`: the one-time signature of the folder, or of one file with
//!   `?path=/dir/name.jpg`;
//! - `POST {base}/album/v4/files/v2/{appid}/{bucket}/{dir}/{name}`: the local stand-in for the
//!   retired `https://{region}.file.myqcloud.com/files/v2/…` JSON API — multipart `op=upload`
//!   and the file in `filecontent`, header `Authorization: <sign>`; answered as COS v4 did,
//!   `{"code":0,"message":"SUCCESS","data":{"access_url","resource_path","source_url","url"}}`.
//!
//! Signing needs a session unless `auth.mode` is `off`; the uploads a signature makes are
//! owned by the user it was issued to. The stand-in checks the signature (key, APPID, bucket,
//! expiry, the file or folder it names, one use of a one-time signature), never overwrites
//! (`-177 ERROR_CMD_COS_FILE_EXIST`), and stores only JPEG/PNG within the size limit.

mod upload;

use std::time::{Duration, SystemTime};

use actix_web::{
    HttpRequest, HttpResponse,
    http::{StatusCode, header},
    web,
};
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use weapp_common::{
    cos::{
        Credentials,
        v4::{V4Signer, fileid, sign_plain},
    },
    envelope::json_response,
};

pub use upload::upload;

use super::AppState;
use crate::{
    auth::{Caller, login_required, query_pairs},
    keys::{FilepathError, Folder},
    settings::{AuthMode, Settings},
    storage::{MacKey, signer::unix},
};

/// The COS documents' example APPID, used when none is configured.
const EXAMPLE_APPID: u64 = 1_250_000_000;
/// The SecretId written into signatures the album makes with its own key.
const ALBUM_SECRET_ID: &str = "weapp-album";

/// The v4 signing identity and its limits.
#[derive(Clone)]
pub struct V4 {
    signer: V4Signer,
    secret: SecretString,
    secret_id: String,
    appid: u64,
    bucket: String,
    sign_expires_secs: u64,
    once_ttl: Duration,
}

impl std::fmt::Debug for V4 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "V4({}/{})", self.appid, self.bucket)
    }
}

impl V4 {
    /// The identity of `settings`: `v4.app_id` (else `cos.app_id`, else the example APPID),
    /// the bucket's short name, and the COS key pair — or the album's own key when no COS key
    /// is configured.
    ///
    /// # Errors
    /// When no APPID is a number.
    pub fn from_settings(settings: &Settings, mac: &MacKey) -> anyhow::Result<Self> {
        let appid_text = [&settings.v4.app_id, &settings.cos.app_id]
            .into_iter()
            .find(|text| !text.is_empty());
        let appid = match appid_text {
            Some(text) => text
                .parse::<u64>()
                .map_err(|_| anyhow::anyhow!("v4.app_id / cos.app_id {text:?} is not a number"))?,
            None => EXAMPLE_APPID,
        };
        let bucket = settings.cos.bucket.clone();
        let suffix = format!("-{}", settings.cos.app_id);
        let bucket = match bucket.strip_suffix(&suffix) {
            Some(short) if !settings.cos.app_id.is_empty() => short.to_owned(),
            _ if bucket.is_empty() => "album".to_owned(),
            _ => bucket,
        };
        let (secret_id, secret) = if settings.cos.secret_key.expose_secret().is_empty() {
            (ALBUM_SECRET_ID.to_owned(), mac.as_secret())
        } else {
            (
                settings.cos.secret_id.clone(),
                settings.cos.secret_key.clone(),
            )
        };
        let signer = V4Signer::new(
            Credentials::new(secret_id.clone(), secret.clone()),
            appid,
            bucket.clone(),
        );
        Ok(Self {
            signer,
            secret,
            secret_id,
            appid,
            bucket,
            sign_expires_secs: settings.v4.sign_expires_secs,
            once_ttl: Duration::from_secs(settings.v4.once_ttl_secs),
        })
    }

    /// The file id of `path` (`/{appid}/{bucket}/{path}`), percent-decoded, for comparisons.
    fn decoded_fileid(&self, path: &str) -> String {
        decode(&fileid(self.appid, &self.bucket, path))
    }
}

fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// `{"code":-1,"msg":"failed","data":{"name":"Error","message":"operation forbidden"}}`, the
/// original's refusal of a path outside the folder.
fn forbidden() -> HttpResponse {
    #[derive(Serialize)]
    struct JsError {
        name: &'static str,
        message: String,
    }
    let error = FilepathError::Forbidden;
    weapp_common::envelope::Envelope::failed(
        "failed",
        JsError {
            name: error.js_name(),
            message: error.to_string(),
        },
    )
    .into_response(StatusCode::OK)
}

/// The caller of a signing request: refused without a session unless `auth.mode` is `off`.
async fn signing_caller(req: &HttpRequest, state: &AppState) -> Result<Caller, HttpResponse> {
    let caller = state.gate.caller_of_query(req).await?;
    if state.gate.mode() != AuthMode::Off && caller.is_none() {
        return Err(login_required());
    }
    Ok(caller)
}

/// `cos_path` as a folder path inside the upload folder: `/dir` → `dir/`.
fn folder_path(folder: &Folder, cos_path: &str) -> Option<String> {
    let decoded = weapp_common::uri::decode_uri_component(cos_path).ok()?;
    let inner = decoded.strip_prefix('/')?.trim_end_matches('/');
    let dir = if inner.is_empty() {
        String::new()
    } else {
        format!("{inner}/")
    };
    let plain = dir.is_empty()
        || dir
            .trim_end_matches('/')
            .split('/')
            .all(|segment| !segment.is_empty() && segment != "." && segment != "..")
            && !dir.chars().any(char::is_control);
    (plain && dir.starts_with(folder.prefix())).then_some(dir)
}

/// Remember who a signature was issued to, so its uploads are theirs.
///
/// # Errors
/// The 503 failure envelope (`too many uploads in progress, try again later`) when the memory
/// index already remembers `index.max_remembered` owners: the signature must not be handed out
/// without its owner. An index that does not answer is logged and the signature handed out
/// (its uploads then have no owner, as before logins existed).
async fn remember_owner(
    state: &AppState,
    v4: &V4,
    sign: &str,
    caller: &Caller,
    ttl: Duration,
) -> Result<(), HttpResponse> {
    let Some(owner) = caller else { return Ok(()) };
    let Ok(opened) = weapp_common::cos::v4::open(&v4.secret, sign) else {
        return Ok(());
    };
    match state.index.remember(&opened.mac_hex, owner, ttl).await {
        Ok(true) => Ok(()),
        Ok(false) => {
            log::warn!("refusing a v4 signature: index.max_remembered owners are remembered");
            Err(super::too_many_uploads())
        }
        Err(error) => {
            log::warn!("remembering the owner of a v4 signature failed: {error}");
            Ok(())
        }
    }
}

/// `GET qc_cos/config?cos_path=/dir`: `{"sign": …}`.
pub async fn qc_cos_config(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let Some(v4) = &state.v4 else {
        return forbidden();
    };
    let caller = match signing_caller(&req, &state).await {
        Ok(caller) => caller,
        Err(refusal) => return refusal,
    };
    let pairs = query_pairs(req.query_string());
    let cos_path = pairs
        .iter()
        .find(|(name, _)| name == "cos_path")
        .map_or("/", |(_, value)| value.as_str());
    let Some(dir) = folder_path(state.storage.folder(), cos_path) else {
        return forbidden();
    };
    let now = unix(SystemTime::now());
    let sign = match v4.signer.sign_more(
        now,
        now + v4.sign_expires_secs,
        rand::rng().random(),
        Some(&dir),
    ) {
        Ok(sign) => sign,
        Err(error) => {
            log::error!("v4 signing failed: {error}");
            return forbidden();
        }
    };
    if let Err(refusal) = remember_owner(
        &state,
        v4,
        &sign,
        &caller,
        Duration::from_secs(v4.sign_expires_secs),
    )
    .await
    {
        return refusal;
    }
    let mut response = json_response(StatusCode::OK, &serde_json::json!({ "sign": sign }));
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

/// Any method on `cos-auth`: the raw signature — the one-time signature of `?path=` (a file
/// inside the folder), or cos-auth's own folder signature (`e=0`, `f` =
/// `encodeURIComponent('/'+appid+'/'+bucket+'/'+folder)`, fields in its order a,k,e,t,r,f,b).
pub async fn cos_auth(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let Some(v4) = &state.v4 else {
        return forbidden();
    };
    let caller = match signing_caller(&req, &state).await {
        Ok(caller) => caller,
        Err(refusal) => return refusal,
    };
    let pairs = query_pairs(req.query_string());
    let folder = state.storage.folder();
    let now = unix(SystemTime::now());
    let random: u32 = rand::rng().random();
    let sign = match pairs.iter().find(|(name, _)| name == "path") {
        Some((_, path)) => {
            let key = match folder.key_from_filepath(path, "") {
                Ok(key) => key,
                Err(_) => return forbidden(),
            };
            v4.signer.sign_once(now, random, &key)
        }
        None => {
            let id = format!("/{}/{}/{}", v4.appid, v4.bucket, folder.prefix());
            let encoded = percent_encoding::utf8_percent_encode(&id, URI_COMPONENT).to_string();
            let plain = format!(
                "a={}&k={}&e=0&t={now}&r={random}&f={encoded}&b={}",
                v4.appid, v4.secret_id, v4.bucket
            );
            sign_plain(&v4.secret, &plain)
        }
    };
    if let Err(refusal) = remember_owner(&state, v4, &sign, &caller, v4.once_ttl).await {
        return refusal;
    }
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(sign)
}

/// What JavaScript's `encodeURIComponent` leaves alone: `A-Z a-z 0-9 - _ . ! ~ * ' ( )`.
const URI_COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cos_paths_must_stay_inside_the_folder() {
        let folder = Folder::new("/photos/");
        assert_eq!(folder_path(&folder, "/photos"), Some("photos/".into()));
        assert_eq!(
            folder_path(&folder, "/photos/2017/"),
            Some("photos/2017/".into())
        );
        for outside in [
            "/",
            "/other",
            "photos",
            "/photos/../x",
            "/photos//x",
            "/%E0%A4%A",
        ] {
            assert_eq!(folder_path(&folder, outside), None, "{outside}");
        }
        assert_eq!(folder_path(&Folder::new("/"), "/"), Some(String::new()));
    }

    #[test]
    fn encode_uri_component_keeps_what_javascript_keeps() {
        let encoded =
            percent_encoding::utf8_percent_encode("/1250000000/album/a b!'()*~", URI_COMPONENT)
                .to_string();
        assert_eq!(encoded, "%2F1250000000%2Falbum%2Fa%20b!'()*~");
    }
}
