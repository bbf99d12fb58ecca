//! wecos, the mini-program "slimming" tool (`spec/originals.md` §5), in Rust.
//!
//! A mini-program package must stay under its size limit. wecos uploads the package's images
//! to COS (or any S3 store), points the `<image>`/`<cover-image>` `src` attributes of the pages
//! at the uploaded URLs and moves the originals to a backup folder.
//!
//! - [`config`]: `wecos.config.json`, every key of both original generations.
//! - [`rewrite`]: the page rewriting rules (pure functions on text).
//! - [`scan`]: which files are images to upload and which are pages.
//! - [`store`]: the object store, keys and public URLs.
//! - [`compress`]: `compress: true`, recompression before upload.
//! - [`map`]: the rewrite map (file → URL), which makes re-runs idempotent.
//! - [`run`]: one pass — upload, rewrite, back up, remove — in the order that keeps the
//!   package consistent.
//! - [`watch`]: `watch: true`, a pass after every change.

pub mod compress;
pub mod config;
pub mod map;
pub mod rewrite;
pub mod run;
pub mod scan;
pub mod store;
pub mod watch;
