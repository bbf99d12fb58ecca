//! Schema migrations (refinery, embedded from `migrations/V{n}__{name}.sql`) and the seed
//! catalogue (`seed/catalogue.sql`).
//!
//! refinery records applied versions with their checksums in `refinery_schema_history` and
//! refuses to run when an applied migration was edited or removed (divergent/missing), so a
//! released `V{n}` file is never changed: the next change is `V{n+1}`.
//!
//! Several instances may start at once (`migrate_on_start`): a MySQL named lock per database
//! (`GET_LOCK`, held on a connection of its own) lets one of them migrate while the others
//! wait, then find nothing left to do.

use anyhow::{Context, bail};
use mysql_async::{Conn, Pool, TxOpts, prelude::Queryable};

use super::opts;
use crate::settings::MysqlSettings;

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// The seed catalogue: 24 trailers with fixed ids (upserted) and a few comments (inserted once).
pub const SEED_SQL: &str = include_str!("../../seed/catalogue.sql");

/// Seconds an instance waits for another one's migration to finish.
const LOCK_WAIT_SECS: u32 = 120;

/// Apply every pending migration to `settings.database`; returns the names of those applied
/// (empty when the schema was up to date).
///
/// # Errors
/// MySQL unreachable, the lock not granted in time, a migration failing, or the recorded
/// history diverging from the embedded migrations.
pub async fn migrate(settings: &MysqlSettings) -> anyhow::Result<Vec<String>> {
    let mut lock = Conn::new(opts(settings, 1, 1))
        .await
        .with_context(|| format!("connecting to MySQL at {}:{}", settings.host, settings.port))?;
    let granted: Option<Option<i64>> = lock
        .exec_first(
            "SELECT GET_LOCK(CONCAT('weapp_video_migrate.', DATABASE()), ?)",
            (LOCK_WAIT_SECS,),
        )
        .await
        .context("taking the migration lock")?;
    if granted.flatten() != Some(1) {
        bail!("another instance held the migration lock for {LOCK_WAIT_SECS} s");
    }
    let mut pool = Pool::new(opts(settings, 1, 1));
    let report = embedded::migrations::runner().run_async(&mut pool).await;
    if let Err(error) = pool.disconnect().await {
        log::warn!("closing the migration connection: {error}");
    }
    // Closing the session releases the lock too; releasing first lets a waiter go on at once.
    if let Err(error) = lock
        .exec_drop(
            "SELECT RELEASE_LOCK(CONCAT('weapp_video_migrate.', DATABASE()))",
            (),
        )
        .await
    {
        log::warn!("releasing the migration lock: {error}");
    }
    if let Err(error) = lock.disconnect().await {
        log::warn!("closing the lock connection: {error}");
    }
    let report = report.context("running migrations")?;
    Ok(report
        .applied_migrations()
        .iter()
        .map(|migration| format!("V{}__{}", migration.version(), migration.name()))
        .collect())
}

/// What the database holds after seeding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedCounts {
    /// Rows in `video`.
    pub videos: u64,
    /// Rows in `comment`.
    pub comments: u64,
}

/// Apply pending migrations, then load [`SEED_SQL`] in one transaction. Idempotent.
///
/// # Errors
/// As [`migrate`], or the seed statements failing (then nothing of the seed is stored).
pub async fn seed(settings: &MysqlSettings) -> anyhow::Result<SeedCounts> {
    migrate(settings).await?;
    let mut conn = Conn::new(opts(settings, 1, 1))
        .await
        .context("connecting to MySQL")?;
    let mut tx = conn
        .start_transaction(TxOpts::default())
        .await
        .context("starting the seed transaction")?;
    tx.query_drop(SEED_SQL)
        .await
        .context("loading seed/catalogue.sql")?;
    tx.commit().await.context("committing the seed")?;
    let videos: Option<u64> = conn.query_first("SELECT COUNT(*) FROM video").await?;
    let comments: Option<u64> = conn.query_first("SELECT COUNT(*) FROM comment").await?;
    conn.disconnect().await?;
    Ok(SeedCounts {
        videos: videos.unwrap_or(0),
        comments: comments.unwrap_or(0),
    })
}
