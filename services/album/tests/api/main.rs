//! Integration tests of the album against a real S3 server (SeaweedFS started by
//! `scripts/up` / `scripts/test`) and the local filesystem backend.
//!
//! One test binary (`../shared/STYLE.md`): each test spawns the album on port 0 with its own
//! folder (key prefix) in the test bucket and removes that prefix when it ends.

mod auth;
mod delete;
mod direct;
mod form;
mod health;
mod helpers;
mod list;
mod listing;
mod local;
mod metrics;
mod openapi;
mod private;
mod sweep;
mod tcb;
mod upload;
mod v4;
