//! The modern login (`spec/originals.md` §7.2, Wafer 2 improved): `x-wx-code` and optionally
//! `x-wx-encrypted-data` + `x-wx-iv` → `jscode2session` → AES-128-CBC decryption of the user's
//! profile with the watermark app id checked → a fresh random [`Skey`] in the store.
//!
//! Unlike Wafer 2 the skey is random (not `sha1(session_key)`), the session_key is neither
//! stored nor sent anywhere, and a decryption failure is a "log in again" answer, never a 500.

use actix_web::{HttpResponse, ResponseError, http::StatusCode, http::header::HeaderMap};
use serde::Serialize;
use serde_json::{Map, Value};
use wx_api::Jscode2SessionError;

use crate::{
    OpenId, Skey, WeappAuth, WxUserInfo,
    error::{ERR_SERVICE_UNAVAILABLE, Failure},
    protocol::{Code, HEADER_CODE, HEADER_ENCRYPTED_DATA, HEADER_IV, header_bytes},
};

/// A login request, parsed from its headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginRequest {
    /// The `wx.login()` code.
    pub code: Code,
    /// `encryptedData` and `iv` of `wx.getUserInfo()`, when sent.
    pub encrypted: Option<EncryptedUserInfo>,
}

/// `x-wx-encrypted-data` and `x-wx-iv` (standard base64 text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedUserInfo {
    /// `encryptedData`.
    pub data: String,
    /// `iv`.
    pub iv: String,
}

impl LoginRequest {
    /// Read the login headers (names case-insensitive, empty values count as absent).
    ///
    /// # Errors
    /// [`LoginError::HeaderMissed`] without a code, or with only one of encrypted data and iv;
    /// [`LoginError::InvalidHeader`] when a value is not a plausible code / base64 text.
    pub fn from_headers(headers: &HeaderMap) -> Result<Self, LoginError> {
        let code = header_bytes(headers, HEADER_CODE)
            .ok_or(LoginError::HeaderMissed("`X-WX-Code` is missing"))?;
        let code = std::str::from_utf8(code)
            .ok()
            .and_then(|text| Code::parse(text).ok())
            .ok_or(LoginError::InvalidHeader("`X-WX-Code`"))?;
        let encrypted = match (
            header_bytes(headers, HEADER_ENCRYPTED_DATA),
            header_bytes(headers, HEADER_IV),
        ) {
            (None, None) => None,
            (Some(data), Some(iv)) => Some(EncryptedUserInfo {
                data: ascii(data).ok_or(LoginError::InvalidHeader("`X-WX-Encrypted-Data`"))?,
                iv: ascii(iv).ok_or(LoginError::InvalidHeader("`X-WX-IV`"))?,
            }),
            _ => {
                return Err(LoginError::HeaderMissed(
                    "`X-WX-Encrypted-Data` and `X-WX-IV` go together",
                ));
            }
        };
        Ok(Self { code, encrypted })
    }
}

fn ascii(bytes: &[u8]) -> Option<String> {
    bytes
        .iter()
        .all(u8::is_ascii_graphic)
        .then(|| String::from_utf8_lossy(bytes).into_owned())
}

/// A successful login: `data` of the reply, `{"skey":…,"userinfo":{…},"expires_in":7200}`.
#[derive(Debug, Clone, Serialize)]
pub struct SkeyLogin {
    /// The new session's token, for `X-WX-Skey`.
    #[serde(serialize_with = "expose_skey")]
    pub skey: Skey,
    /// The user's profile (decrypted now, or kept from an earlier login) with `openId`.
    pub userinfo: WxUserInfo,
    /// Seconds until the skey expires.
    pub expires_in: u64,
}

fn expose_skey<S: serde::Serializer>(skey: &Skey, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(skey.expose())
}

/// Why a modern login failed; each variant answers in the drawing app's envelope.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// A required header is absent: 400 `ERR_HEADER_MISSED`.
    #[error("{0}")]
    HeaderMissed(&'static str),
    /// A header is not usable: 400 `ERR_HEADER_INVALID`.
    #[error("invalid {0} header")]
    InvalidHeader(&'static str),
    /// WeChat refused the code (used, expired, invalid, rate limited): 401
    /// `ERR_GET_SESSION_KEY` with WeChat's answer as `detail`.
    #[error("WeChat refused the code")]
    CodeRejected(Value),
    /// WeChat did not answer: 502 `ERR_GET_SESSION_KEY`.
    #[error("WeChat API unreachable: {0}")]
    WxUnreachable(String),
    /// The encrypted profile did not decrypt, had a foreign watermark or another user's openid:
    /// 401 `ERR_IN_DECRYPT_DATA` (log in again).
    #[error("open data rejected: {0}")]
    Decrypt(String),
    /// The session store did not answer: 503.
    #[error("session store unavailable: {0}")]
    Unavailable(String),
    /// No randomness for the skey: 500.
    #[error("internal: {0}")]
    Internal(String),
}

impl LoginError {
    /// The envelope of this error (one place for every status and reason).
    pub fn failure(&self) -> Failure {
        match self {
            Self::HeaderMissed(message) => {
                Failure::coded(StatusCode::BAD_REQUEST, "ERR_HEADER_MISSED", *message)
            }
            Self::InvalidHeader(_) => Failure::coded(
                StatusCode::BAD_REQUEST,
                "ERR_HEADER_INVALID",
                self.to_string(),
            ),
            Self::CodeRejected(body) => Failure::coded(
                StatusCode::UNAUTHORIZED,
                "ERR_GET_SESSION_KEY",
                "WeChat refused the code, call wx.login() and log in again",
            )
            .with_detail(Some(body.clone())),
            Self::WxUnreachable(_) => Failure::coded(
                StatusCode::BAD_GATEWAY,
                "ERR_GET_SESSION_KEY",
                "WeChat API unreachable, please retry",
            ),
            Self::Decrypt(_) => Failure::coded(
                StatusCode::UNAUTHORIZED,
                "ERR_IN_DECRYPT_DATA",
                "user data could not be verified, log in again",
            ),
            Self::Unavailable(_) => Failure::coded(
                StatusCode::SERVICE_UNAVAILABLE,
                ERR_SERVICE_UNAVAILABLE,
                "session store unavailable, please retry",
            ),
            Self::Internal(_) => Failure::coded(
                StatusCode::INTERNAL_SERVER_ERROR,
                "ERR_INTERNAL",
                "internal error, please retry",
            ),
        }
    }
}

impl ResponseError for LoginError {
    fn status_code(&self) -> StatusCode {
        self.failure().status
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::WxUnreachable(_) | Self::Unavailable(_) | Self::Internal(_) => {
                log::error!("login failed: {self}");
            }
            _ => log::info!("login refused: {self}"),
        }
        self.failure().error_response()
    }
}

impl WeappAuth {
    /// Log a user in with the modern flow and return the new skey session.
    ///
    /// Without encrypted data the profile of the user's previous login is reused, or only
    /// `openId` when there was none (Wafer 2's code-only login).
    ///
    /// # Errors
    /// A [`LoginError`]; nothing is stored unless every check passed.
    pub async fn login(&self, request: &LoginRequest) -> Result<SkeyLogin, LoginError> {
        let session = match self.wx().jscode2session(request.code.as_str()).await {
            Ok(session) => session,
            Err(Jscode2SessionError::Rejected { body }) => {
                return Err(LoginError::CodeRejected(body));
            }
            Err(Jscode2SessionError::Unreachable(cause)) => {
                return Err(LoginError::WxUnreachable(cause));
            }
        };
        let open_id = OpenId::parse(&session.openid).map_err(|_| {
            LoginError::WxUnreachable("jscode2session gave an unusable openid".into())
        })?;
        let userinfo = match &request.encrypted {
            Some(encrypted) => {
                let plain = wx_api::decrypt_open_data(
                    &encrypted.data,
                    &encrypted.iv,
                    &session.session_key,
                    self.wx().app_id(),
                )
                .map_err(|error| LoginError::Decrypt(error.to_string()))?;
                profile_of(plain, &open_id)?
            }
            None => match self.store().last_user(&open_id).await {
                Ok(Some(user)) => user,
                Ok(None) => WxUserInfo::new(open_id, Map::new()),
                Err(error) => return Err(LoginError::Unavailable(error.to_string())),
            },
        };
        let skey = Skey::generate().map_err(|error| LoginError::Internal(error.to_string()))?;
        self.store()
            .save_skey_session(&skey, &userinfo)
            .await
            .map_err(|error| LoginError::Unavailable(error.to_string()))?;
        Ok(SkeyLogin {
            skey,
            userinfo,
            expires_in: self.skey_ttl(),
        })
    }
}

/// The profile inside decrypted open data: an object, without its `watermark`, whose `openId`
/// (when present) is the one WeChat just vouched for.
fn profile_of(plain: Value, open_id: &OpenId) -> Result<WxUserInfo, LoginError> {
    let Value::Object(mut profile) = plain else {
        return Err(LoginError::Decrypt("open data is not a JSON object".into()));
    };
    profile.shift_remove("watermark");
    if let Some(claimed) = profile.get("openId")
        && claimed.as_str() != Some(open_id.as_str())
    {
        return Err(LoginError::Decrypt(
            "open data belongs to another openid".into(),
        ));
    }
    Ok(WxUserInfo::new(open_id.clone(), profile))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                map.insert(name, value);
            }
        }
        map
    }

    #[test]
    fn code_alone_or_with_both_encrypted_headers_parses() {
        let request = LoginRequest::from_headers(&headers(&[("x-wx-code", "c1")]));
        assert_eq!(request.map(|r| r.encrypted.is_none()).ok(), Some(true));
        let request = LoginRequest::from_headers(&headers(&[
            ("X-WX-Code", "c1"),
            ("X-WX-Encrypted-Data", "abc="),
            ("X-WX-IV", "r7BXXKkLb8qrSNn05n0qiA=="),
        ]));
        assert_eq!(
            request.ok().and_then(|r| r.encrypted).map(|e| e.data),
            Some("abc=".to_owned())
        );
    }

    #[test]
    fn missing_code_or_half_the_encrypted_pair_is_header_missed() {
        for pairs in [
            &[][..],
            &[("X-WX-Code", "c1"), ("X-WX-IV", "aXY=")][..],
            &[("X-WX-Code", "c1"), ("X-WX-Encrypted-Data", "ZGF0YQ==")][..],
        ] {
            let error = LoginRequest::from_headers(&headers(pairs)).err();
            assert!(
                matches!(error, Some(LoginError::HeaderMissed(_))),
                "{pairs:?}"
            );
        }
    }

    #[test]
    fn failures_map_to_statuses_and_reasons() {
        let rejected = LoginError::CodeRejected(serde_json::json!({"errcode": 40163})).failure();
        assert_eq!(rejected.status, StatusCode::UNAUTHORIZED);
        assert_eq!(rejected.error.reason, "ERR_GET_SESSION_KEY");
        assert_eq!(
            LoginError::Decrypt("bad padding".into()).failure().status,
            StatusCode::UNAUTHORIZED
        );
        let unavailable = LoginError::Unavailable("refused".into()).failure();
        assert_eq!(unavailable.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(!format!("{:?}", unavailable.error).contains("refused"));
    }

    #[test]
    fn decrypted_profile_drops_the_watermark_and_checks_the_openid() {
        let open_id = OpenId::parse("oA").expect("valid");
        let plain =
            serde_json::json!({"openId": "oA", "nickName": "n", "watermark": {"appid": "wx1"}});
        let user = profile_of(plain, &open_id).expect("same openid");
        assert_eq!(user.to_json(), r#"{"nickName":"n","openId":"oA"}"#);
        let foreign = serde_json::json!({"openId": "oB"});
        assert!(matches!(
            profile_of(foreign, &open_id),
            Err(LoginError::Decrypt(_))
        ));
    }
}
