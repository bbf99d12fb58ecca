//! Integration tests of the session service against the real Redis and MongoDB-wire server
//! (`WEAPP_TEST_REDIS_URL`, default `redis://127.0.0.1:6379`; `WEAPP_TEST_MONGO_URL`, default
//! `mongodb://127.0.0.1:27017`) with the in-process WeChat simulator of `wx-api`.
//!
//! One test binary (`../shared/STYLE.md`): each test spawns the service on port 0 with its own
//! key prefix and database, removed when it ends.

mod faults;
mod health;
mod helpers;
mod idle;
mod modern;
mod openapi;
mod operations;
mod paints;
mod store;
mod weapp_session;
