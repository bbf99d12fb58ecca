//! Integration tests of the video service against a real MariaDB/MySQL server (started by
//! `scripts/up` / `scripts/test`; `WEAPP_TEST_MYSQL_URL` names it).
//!
//! One test binary (`../shared/STYLE.md`): each test creates its own database
//! `video_test_<random>`, migrates it, spawns the service on port 0 against it and drops the
//! database when it ends.

mod attempts;
mod comments;
mod concurrency;
mod faults;
mod health;
mod helpers;
mod list;
mod migrations;
mod openapi;
mod operations;
mod rate_limit;
