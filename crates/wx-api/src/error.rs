//! [`WxError`]: how a WeChat server API call (other than jscode2session) fails.

/// The `errcode`s that mean "this access token is no good": refresh it once and retry.
///
/// - `40001` invalid credential, access_token is invalid or not latest (a newer token replaced
///   it, or it never existed);
/// - `40014` invalid access_token (malformed);
/// - `42001` access_token expired.
///
/// (<https://developers.weixin.qq.com/doc/oplatform/developers/dev/AccessToken.md>,
/// <https://developers.weixin.qq.com/minigame/dev/wxcloud/reference-http-api/storage/uploadFile.html>.)
pub const TOKEN_ERRCODES: [i64; 3] = [40001, 40014, 42001];

/// A WeChat API call that failed, other than jscode2session (see
/// [`crate::Jscode2SessionError`]). No variant ever holds a secret or a URL carrying one.
#[derive(Debug, thiserror::Error)]
pub enum WxError {
    /// The configuration cannot work (`base_url` is not an http(s) URL, TLS set-up failed, a
    /// token mode without what it needs).
    #[error("invalid WeChat API configuration: {0}")]
    Config(String),
    /// An argument this crate refuses before calling anyone: an empty or `/`-led upload path,
    /// a file ID that is not `cloud://…`, a batch over WeChat's limit.
    #[error("invalid argument: {0}")]
    Invalid(String),
    /// No usable answer: connection failure, timeout, non-2xx status or a body that is not JSON.
    #[error("WeChat API unreachable: {0}")]
    Unreachable(String),
    /// WeChat answered with an error, e.g. `{"errcode":40125,"errmsg":"invalid appsecret"}`.
    #[error("WeChat API error {errcode}: {errmsg}")]
    Api {
        /// WeChat's `errcode`.
        errcode: i64,
        /// WeChat's `errmsg`.
        errmsg: String,
    },
    /// A JSON answer with neither the expected fields nor an `errcode`.
    #[error("unexpected WeChat API answer: {0}")]
    Malformed(String),
    /// The object storage (COS) refused the upload form: its XML `<Error>` answer, e.g. HTTP 400
    /// `MalformedPOSTRequest` "The body of your POST request is not well-formed
    /// multipart/form-data." when the file is not the last field
    /// (<https://cloud.tencent.com/document/product/436/56215>).
    #[error("object storage refused the upload (HTTP {status} {code}): {message}")]
    Cos {
        /// The HTTP status.
        status: u16,
        /// COS's `<Code>` (empty when the body was not an XML error).
        code: String,
        /// COS's `<Message>`.
        message: String,
    },
    /// No access token could be had from the shared token store: Redis unreachable, or another
    /// instance held the refresh lock past the configured wait.
    #[error("access token unavailable: {0}")]
    TokenUnavailable(String),
}

impl WxError {
    /// Whether WeChat refused the access token itself ([`TOKEN_ERRCODES`]).
    pub fn is_token_error(&self) -> bool {
        matches!(self, Self::Api { errcode, .. } if TOKEN_ERRCODES.contains(errcode))
    }
}
