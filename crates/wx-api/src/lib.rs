//! The WeChat server API as the mini-program backends use it, and a simulator of it.
//!
//! - [`WxClient`]: `jscode2session` (a `wx.login()` code → openid + session_key),
//!   `cgi-bin/token` and `cgi-bin/stable_token`, over one pooled `reqwest` client with timeouts
//!   (`spec/originals.md` §3.1, §7.2; <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-login/code2Session.html>).
//! - [`TokenKeeper`]: the credential of every other call — the app's one access token shared by
//!   all instances through Redis and refreshed by one at a time, a stable token, a cloud-call
//!   token or none (the Cloud Run open-API service) — renewed once and retried on a refused
//!   token.
//! - [`CloudStorage`]: WeChat Cloud Run object storage — upload tickets, the upload form (file
//!   last), batch download URLs and deletes.
//! - [`verify_raw_data`]: the `wx.getUserInfo()` rawData signature,
//!   lowercase hex SHA-1(rawData ‖ session_key) (§3.1).
//! - [`decrypt_open_data`]: `encryptedData` → JSON, AES-128-CBC with the session_key, watermark
//!   app id checked (§7.2), and its inverse [`encrypt_open_data`] for the simulator and tests.
//! - [`sim`]: the WeChat API simulator behind the `wx-sim` binary (local stack, end-to-end
//!   tests).
//!
//! Secrets (the app secret, session keys, access tokens, upload signatures) are wrapped so
//! `Debug` prints `[REDACTED]`, and nothing here logs them or a request URL carrying them.

mod client;
pub mod clock;
mod config;
mod error;
pub mod open_data;
mod session_key;
mod signature;
pub mod sim;
mod tcb;
mod token;
mod transport;

pub use client::{AccessToken, CodeSession, Jscode2SessionError, WxClient};
pub use config::{DEFAULT_BASE_URL, DEFAULT_TIMEOUT, WxConfig};
pub use error::{TOKEN_ERRCODES, WxError};
pub use open_data::{
    DecryptError, EncryptError, EncryptedOpenData, decrypt_open_data, encrypt_open_data,
};
pub use session_key::SessionKey;
pub use signature::{raw_data_signature, verify_raw_data};
pub use tcb::{
    CloudRunConfig, CloudStorage, FILE_FIELD, FILE_NOT_FOUND, FileDeletion, FileDownload, FilePart,
    FileStatus, MAX_BATCH, UploadTicket,
};
pub use token::{TokenConfig, TokenKeeper, TokenMode};
pub use weapp_common::config::Secret;
