//! Benchmarks of the weapp-cloud services against their real backends.
//!
//! `album-bench` (src/main.rs) measures, in one run and on one S3 server, uploads through the
//! album service against direct S3 PUTs of the same photos, the first list page at 1,000 and
//! 20,000 images, the list route's latency, and — through `wrk` — the list route and the
//! signing routes (`upload-form`, `upload-url`, `qc_cos/config`) against `/healthz`. Benchmarks print figures;
//! nothing here asserts a speed (`shared/STYLE.md`, Tests).

pub mod album;
pub mod direct;
pub mod load;
pub mod phases;
pub mod photos;
pub mod report;
pub mod scale;
pub mod signing;
pub mod wrk;
