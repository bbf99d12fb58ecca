//! Who is calling: the WeChat mini-program session checks as reusable actix extractors, over a
//! Redis session store.
//!
//! - The original `weapp-session` protocol (`spec/originals.md` §3.1): `X-WX-Code` on every
//!   request, `X-WX-RawData` + `X-WX-Signature` on the first one after `wx.login()`; sessions in
//!   Redis under `weapp-session:{code}` / `weapp-session:{openId}` with a fixed TTL; failures
//!   answered with the magic-key body the original client understands ([`SessionError`]).
//! - The modern login (§7.2, Wafer 2 improved): `x-wx-code` (+ encrypted profile) → an opaque
//!   random [`Skey`] ([`WeappAuth::login`]), then `X-WX-Skey` on every request.
//!
//! Use: build a [`WeappAuth`] from a [`RedisStore`] (or [`MemoryStore`] in unit tests) and a
//! [`wx_api::WxClient`], register it with `App::app_data(auth.clone())`, and take
//! [`WxSession`], [`WxUser`], [`SkeyUser`] or [`AnySession`] as handler arguments:
//!
//! ```ignore
//! async fn paints(AnySession(user): AnySession) -> impl Responder { /* user: Option<WxUserInfo> */ }
//! ```
//!
//! The session_key WeChat returns is used for the signature check and the decryption, then
//! dropped: it is never stored, logged or sent.

mod auth;
pub mod config;
pub mod error;
pub mod extract;
pub mod identify;
pub mod login;
pub mod protocol;
mod skey;
pub mod store;
pub mod user;

pub use auth::WeappAuth;
pub use config::{RedisConfig, SkeyConfig};
pub use error::{Failure, SessionError, SkeyError};
pub use extract::{AnySession, SkeyUser, WxSession, WxUser};
pub use identify::{AuthError, Credentials};
pub use login::{LoginError, LoginRequest, SkeyLogin};
pub use protocol::{Code, Reason, SESSION_MAGIC_ID, SessionHeaders};
pub use skey::{InvalidSkey, SKEY_LEN, Skey};
pub use store::{MemoryStore, RedisStore, SessionStore, StoreError};
pub use user::{OpenId, WxUserInfo};

#[cfg(test)]
mod tests;
