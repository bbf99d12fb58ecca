//! One login for all services: the album accepts the sessions the session service issues —
//! `X-WX-Skey` (modern) and the `weapp-session` headers — through `weapp-auth` on the same
//! Redis, also as query parameters or form fields where a client cannot set headers
//! (`wx.uploadFile` in old SDKs; [`weapp_auth::identify`]).
//!
//! `auth.mode` ([`AuthMode`]): `off` never reads credentials (the original, anonymous);
//! `optional` identifies whoever sends credentials and refuses bad ones; `required` refuses
//! every call without a session. A refusal is the protocol's own body, so the client's
//! library logs in again: the magic-key body of `weapp-session`, the 401 `ERR_SKEY_INVALID`
//! envelope of the skey login.

use actix_web::{HttpRequest, HttpResponse, ResponseError};
use weapp_auth::{Credentials, SkeyError, WeappAuth};

use crate::settings::AuthMode;

/// Who may call, and how the caller is told apart.
#[derive(Clone)]
pub struct Gate {
    mode: AuthMode,
    auth: Option<WeappAuth>,
}

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Gate({:?})", self.mode)
    }
}

/// The caller: an openid, or `None` for an anonymous call.
pub type Caller = Option<String>;

impl Gate {
    /// A gate in `mode`, checking sessions with `auth` (needed unless `mode` is `off`).
    pub fn new(mode: AuthMode, auth: Option<WeappAuth>) -> Self {
        let mode = if auth.is_none() { AuthMode::Off } else { mode };
        Self { mode, auth }
    }

    /// The mode in force.
    pub fn mode(&self) -> AuthMode {
        self.mode
    }

    /// The caller of `req`, from its headers, else from `params` (its query pairs or form
    /// fields).
    ///
    /// # Errors
    /// The response refusing the call: bad credentials (any mode but `off`), or none in
    /// `required` mode.
    pub async fn caller<'a>(
        &self,
        req: &HttpRequest,
        params: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Caller, HttpResponse> {
        let Some(auth) = &self.auth else {
            return Ok(None);
        };
        if self.mode == AuthMode::Off {
            return Ok(None);
        }
        let credentials = Credentials::gather(req.headers(), params);
        match auth.identify(&credentials).await {
            Ok(Some(user)) => Ok(Some(user.open_id().to_string())),
            Ok(None) if self.mode == AuthMode::Required => Err(login_required()),
            Ok(None) => Ok(None),
            Err(error) => Err(error.error_response()),
        }
    }

    /// The caller of `req` from its query string (see [`caller`](Self::caller)).
    ///
    /// # Errors
    /// As [`caller`](Self::caller).
    pub async fn caller_of_query(&self, req: &HttpRequest) -> Result<Caller, HttpResponse> {
        let pairs = query_pairs(req.query_string());
        self.caller(req, pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .await
    }
}

/// The answer to a call that needs a session and has none: the skey login's 401 envelope
/// (`{"code":-1,"msg":"fail","error":{"reason":"ERR_SKEY_INVALID",…}}`), on which Wafer 2's
/// client logs in again.
pub fn login_required() -> HttpResponse {
    SkeyError::Missing.error_response()
}

/// The `name=value` pairs of a query string or urlencoded body, decoded.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect()
}
