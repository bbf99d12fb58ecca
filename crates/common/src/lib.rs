//! Shared pieces of the weapp-cloud services.
//!
//! - [`body`]: the one reader of JSON and urlencoded request bodies.
//! - [`cli`]: `--config` and `--check-config` of every service binary.
//! - [`config`]: one loader for every service (typed defaults → optional file → environment).
//! - [`envelope`]: the original `{"code","msg","data"}` JSON envelope and its actix plumbing.
//! - [`cos`]: Tencent COS request signing (XML API v5 `Authorization`, presigned URLs, PostObject
//!   form policies, legacy v4).
//! - [`post_policy`]: form uploads straight to the store: one policy, signed for COS or as an S3
//!   SigV4 POST policy.
//! - [`uri`]: JavaScript-compatible `decodeURIComponent`.
//! - `s3` (feature `s3`): one S3 bucket's addressing and its `object_store` client.
//! - [`http`]: the actix-web server of the HTTP services (envelope errors, health, access log).
//! - [`metrics`]: Prometheus metrics (`/metrics`); [`request_id`]: `X-Request-Id` and the id on
//!   every log line of a request.
//! - [`health`], [`shutdown`], [`logging`]: operational plumbing shared by the services.

pub mod body;
pub mod cli;
pub mod config;
pub mod cos;
mod crypto;
pub mod envelope;
pub mod health;
pub mod http;
pub mod logging;
pub mod metrics;
pub mod post_policy;
pub mod request_id;
#[cfg(feature = "s3")]
pub mod s3;
pub mod shutdown;
pub mod uri;
