//! The weapp-cloud video service, 新片预告 (`spec/originals.md` §4): a paged list of trailers
//! and a comment thread per video, on MySQL through a `mysql_async` pool.
//!
//! [`Application::build`] applies pending migrations (when `migrate_on_start`), creates the
//! pool and binds the listener (port 0 works in tests); [`Application::run_until_stopped`]
//! serves until SIGTERM/SIGINT, lets in-flight requests finish and closes the pool.
//!
//! MySQL going away does not stop the service: requests fail with the original failure envelope
//! and `/readyz` answers 503 until the server is back; the pool reconnects on its own. A comment
//! is stored at most once per client attempt, and one reported failed is not stored
//! ([`db::posting`]).

pub mod attempt;
pub mod db;
pub mod params;
pub mod rate_limit;
pub mod routes;
pub mod settings;

use std::sync::atomic::Ordering;

use actix_web::{dev::Server, middleware, web};
use anyhow::Context;
use weapp_common::{
    health::{self, PoolStats},
    http,
};

use crate::{
    db::repository::Catalogue, rate_limit::CommentLimiter, routes::AppState, settings::Settings,
};

/// The video service, bound and ready to run.
pub struct Application {
    port: u16,
    server: Server,
    catalogue: Catalogue,
}

impl Application {
    /// Migrate (if configured), create the pool and bind `settings.host:settings.port`.
    ///
    /// # Errors
    /// A failed migration (MySQL unreachable at start-up included) or an address that cannot
    /// be bound.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        if settings.migrate_on_start {
            let applied = db::migrate::migrate(&settings.mysql)
                .await
                .context("applying migrations (migrate_on_start)")?;
            for name in applied {
                log::info!("applied migration {name}");
            }
        }
        let catalogue = Catalogue::connect(&settings.mysql);
        // `/readyz`: a pooled MySQL connection answers a ping; `/metrics` also shows the pool.
        let pool_max = settings.mysql.pool_max;
        let readiness = health::readiness_with_pool(
            "mysql",
            catalogue.clone(),
            |catalogue| async move { catalogue.ping().await.map_err(|error| error.to_string()) },
            move |catalogue| {
                let metrics = catalogue.pool().metrics();
                Some(PoolStats {
                    open: metrics.connection_count.load(Ordering::Relaxed),
                    in_use: metrics.connections_in_use.load(Ordering::Relaxed),
                    max: pool_max,
                })
            },
        );
        let state = web::Data::new(AppState {
            catalogue: catalogue.clone(),
            page_size: settings.page_size,
            comment: settings.comment,
            limiter: CommentLimiter::new(&settings.rate_limit),
            json_body_limit: settings.json_body_limit,
        });
        let base = settings.route_base_path.clone();
        // The access log keeps the request line, query string included (`pageNo`, `vid`:
        // nothing secret).
        let options = settings.server_options(|| middleware::Logger::new(r#"%a "%r" %s %b %Dms"#));
        let (port, server) = http::serve(&options, readiness, move |cfg| {
            cfg.app_data(state.clone());
            routes::configure(cfg, &base);
        })?;
        Ok(Self {
            port,
            server,
            catalogue,
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serve until SIGTERM/SIGINT, drain in-flight requests, then close the pool.
    ///
    /// # Errors
    /// An I/O error of the server.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        if let Err(error) = self.catalogue.pool().clone().disconnect().await {
            log::warn!("closing the MySQL pool: {error}");
        }
        served
    }
}
