//! Shared pieces of the weapp-cloud services.
//!
//! - [`config`]: one loader for every service (typed defaults → optional file → environment).
//! - [`envelope`]: the original `{"code","msg","data"}` JSON envelope and its actix plumbing.
//! - [`cos`]: Tencent COS request signing (XML API v5 `Authorization`, presigned URLs, legacy v4).
//! - [`uri`]: JavaScript-compatible `decodeURIComponent`.
//! - [`http`]: the actix-web server of the HTTP services (envelope errors, health, access log).
//! - [`health`], [`shutdown`], [`logging`]: operational plumbing shared by the services.

pub mod config;
pub mod cos;
pub mod envelope;
pub mod health;
pub mod http;
pub mod logging;
pub mod shutdown;
pub mod uri;
