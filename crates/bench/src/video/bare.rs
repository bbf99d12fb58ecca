//! The database side of `video-bench`: a seeded database to run against (created and dropped
//! by the run unless `--database` names one), and the bare loop — the list route's two queries
//! straight on a `mysql_async` pool, with nothing of the service around them.

use anyhow::Context;
use mysql_async::{Conn, Opts, OptsBuilder, Value, prelude::Queryable};
use secrecy::SecretString;
use video::{
    db::{self, migrate, repository},
    settings::MysqlSettings,
};

use weapp_bench::load::{self, Budget, Outcome};

/// The database a run uses.
pub struct BenchDb {
    /// How to reach it; `pool_min` = `pool_max` = the bench's pool size.
    pub settings: MysqlSettings,
    created: bool,
}

impl BenchDb {
    /// Use `database`, or create and seed `video_bench_<pid>` when `None`.
    ///
    /// # Errors
    /// Bad URL, MySQL unreachable, no right to create the database, or the seed failing.
    pub async fn prepare(url: &str, database: Option<String>, pool: usize) -> anyhow::Result<Self> {
        let opts = Opts::from_url(url).with_context(|| format!("--mysql-url {url:?}"))?;
        let created = database.is_none();
        let name = database.unwrap_or_else(|| format!("video_bench_{}", std::process::id()));
        let settings = MysqlSettings {
            host: opts.ip_or_hostname().to_owned(),
            port: opts.tcp_port(),
            user: opts.user().unwrap_or_default().to_owned(),
            password: SecretString::from(opts.pass().unwrap_or_default().to_owned()),
            database: name.clone(),
            pool_min: pool,
            pool_max: pool,
            ..MysqlSettings::default()
        };
        if created {
            let mut conn = admin(&opts).await?;
            conn.query_drop(format!(
                "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            ))
            .await
            .with_context(|| format!("creating database {name}"))?;
            conn.disconnect().await?;
        }
        let db = Self { settings, created };
        if created {
            let seeded = migrate::seed(&db.settings).await;
            if let Err(error) = seeded {
                db.drop_if_created(url).await;
                return Err(error.context("seeding the bench database"));
            }
        }
        Ok(db)
    }

    /// Drop the database if this run created it (errors are printed, not returned).
    pub async fn drop_if_created(&self, url: &str) {
        if !self.created {
            return;
        }
        let dropped = async {
            let mut conn = admin(&Opts::from_url(url)?).await?;
            conn.query_drop(format!(
                "DROP DATABASE IF EXISTS `{}`",
                self.settings.database
            ))
            .await?;
            conn.disconnect().await?;
            anyhow::Ok(())
        };
        if let Err(error) = dropped.await {
            eprintln!("dropping {} failed: {error:#}", self.settings.database);
        }
    }
}

async fn admin(opts: &Opts) -> anyhow::Result<Conn> {
    let opts = OptsBuilder::from_opts(opts.clone())
        .db_name(None::<String>)
        .prefer_socket(false);
    Conn::new(opts).await.context("connecting to MySQL")
}

/// `video`'s list row, decoded the same way the service decodes it.
type VideoRow = (u32, String, String, String, String, Value);

/// Run the list route's queries — `COUNT_SQL` then `PAGE_SQL` on one pooled connection, the
/// service's order — from `concurrency` tasks for `budget`, on a pool built exactly like the
/// service's (`video::db::connect`).
///
/// # Errors
/// Only when the load driver cannot run; failed queries are counted in the outcome.
pub async fn run(
    settings: &MysqlSettings,
    page_size: u32,
    offset: u64,
    concurrency: usize,
    budget: Budget,
) -> anyhow::Result<Outcome> {
    let pool = db::connect(settings);
    let op_pool = pool.clone();
    let outcome = load::run(concurrency, budget, move |_| {
        let pool = op_pool.clone();
        async move {
            let mut conn = pool.get_conn().await?;
            let count: Option<u64> = conn.exec_first(repository::COUNT_SQL, ()).await?;
            let rows: Vec<VideoRow> = conn.exec(repository::PAGE_SQL, (page_size, offset)).await?;
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
