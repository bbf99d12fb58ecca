//! The database side of `video-bench`: the bare loop — the list route's two queries straight on
//! a `mysql_async` pool, with nothing of the service around them — against the very database
//! the running service reads (the stack's seeded catalogue by default; read-only).
//!
//! The statements and the pool's options are the service's (`services/video/src/db/`), written
//! out here: the bench drives the service over the network and links none of its code.

use std::time::Duration;

use anyhow::Context;
use mysql_async::{Opts, OptsBuilder, Pool, PoolConstraints, PoolOpts, Value, prelude::Queryable};

use weapp_bench::load::{self, Budget, Outcome};

/// One page of the catalogue in id order (video's `repository::PAGE_SQL`).
const PAGE_SQL: &str = "SELECT id, video_url, video_title, video_image, video_desc, \
     created_at FROM video ORDER BY id LIMIT ? OFFSET ?";
/// The catalogue's size (video's `repository::COUNT_SQL`).
const COUNT_SQL: &str = "SELECT COUNT(*) FROM video";

/// `video`'s list row, decoded the same way the service decodes it.
type VideoRow = (u32, String, String, String, String, Value);

/// The bare loop's pool options: the server at `url`, database `database`, exactly `pool`
/// connections, kept idle and never reset between uses — as the service's pool does.
///
/// # Errors
/// A URL that does not parse.
pub fn opts(url: &str, database: &str, pool: usize) -> anyhow::Result<Opts> {
    let opts = Opts::from_url(url).with_context(|| format!("--mysql-url {url:?}"))?;
    let pool = pool.max(1);
    let constraints = PoolConstraints::new(pool, pool).unwrap_or_default();
    let pool_opts = PoolOpts::default()
        .with_constraints(constraints)
        .with_inactive_connection_ttl(Duration::from_secs(60))
        .with_reset_connection(false);
    Ok(OptsBuilder::from_opts(opts)
        .db_name(Some(database))
        .prefer_socket(false)
        .tcp_nodelay(true)
        .pool_opts(pool_opts)
        .into())
}

/// Run the list route's queries — `COUNT_SQL` then `PAGE_SQL` on one pooled connection, the
/// service's order — from `concurrency` tasks for `budget`.
///
/// # Errors
/// Only when the load driver cannot run; failed queries are counted in the outcome.
pub async fn run(
    opts: &Opts,
    page_size: u32,
    offset: u64,
    concurrency: usize,
    budget: Budget,
) -> anyhow::Result<Outcome> {
    let pool = Pool::new(opts.clone());
    let op_pool = pool.clone();
    let outcome = load::run(concurrency, budget, move |_| {
        let pool = op_pool.clone();
        async move {
            let mut conn = pool.get_conn().await?;
            let count: Option<u64> = conn.exec_first(COUNT_SQL, ()).await?;
            let rows: Vec<VideoRow> = conn.exec(PAGE_SQL, (page_size, offset)).await?;
            anyhow::ensure!(count.is_some() && !rows.is_empty(), "an empty page");
            Ok(0)
        }
    })
    .await;
    if let Err(error) = pool.disconnect().await {
        eprintln!("closing the bare pool: {error}");
    }
    outcome
}
