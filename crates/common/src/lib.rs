//! Shared pieces of the weapp-cloud services.
//!
//! - [`config`]: one loader for every service (typed defaults → optional file → environment).
//! - [`envelope`]: the original `{"code","msg","data"}` JSON envelope and its actix plumbing.
//! - [`cos`]: Tencent COS request signing (XML API v5 `Authorization`, presigned URLs, legacy v4).
//! - [`uri`]: JavaScript-compatible `decodeURIComponent`.
//! - `s3` (feature `s3`): one S3 bucket's addressing and its `object_store` client.
//! - [`http`]: the actix-web server of the HTTP services (envelope errors, health, access log).
//! - [`health`], [`shutdown`], [`logging`]: operational plumbing shared by the services.

pub mod config;
pub mod cos;
pub mod envelope;
pub mod health;
pub mod http;
pub mod logging;
#[cfg(feature = "s3")]
pub mod s3;
pub mod shutdown;
pub mod uri;
