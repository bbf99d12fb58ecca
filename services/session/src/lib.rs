//! The weapp-cloud session service (`spec/originals.md` §3, §7.2): the `weapp-session` login
//! protocol and the modern skey login (both from `weapp-auth`, sessions in Redis), and the
//! 一笔到底 drawing app's paints on MongoDB, scoped to their owner.
//!
//! [`Application::build`] connects nothing yet (Redis and MongoDB are reached lazily, so the
//! service starts while they are down and `/readyz` says so), binds the listener (port 0 works
//! in tests); [`Application::run_until_stopped`] serves until SIGTERM/SIGINT.

pub mod mongo_pool;
pub mod paints;
pub mod readiness;
pub mod routes;
pub mod settings;

use std::sync::Arc;

use actix_web::{dev::Server, web};
use anyhow::Context;
use weapp_auth::{RedisStore, WeappAuth};
use weapp_common::{health::Readiness, http};
use wx_api::WxClient;

use crate::{
    mongo_pool::MongoPool, paints::Paints, readiness::Backends, routes::AppState,
    settings::Settings,
};

/// The session service, bound and ready to run.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Build the WeChat client, the Redis pool and the MongoDB client, and bind
    /// `settings.host:settings.port`.
    ///
    /// # Errors
    /// When a backend cannot be configured (malformed URL) or the address cannot be bound.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let wx = WxClient::new(settings.wx.clone()).context("configuring the WeChat API client")?;
        let store = RedisStore::new(&settings.redis, &settings.skey)?;
        let auth = WeappAuth::new(Arc::new(store), wx, settings.skey.ttl);
        let mongo_pool = MongoPool::new(settings.mongo.max_pool_size);
        let mut mongo_options = paints::client_options(&settings.mongo)
            .await
            .context("configuring the MongoDB client (mongo.url)")?;
        mongo_options.cmap_event_handler = Some(mongo_pool.handler());
        let mongo = mongodb::Client::with_options(mongo_options)
            .context("configuring the MongoDB client (mongo.url)")?;
        let paints = Arc::new(Paints::new(
            &mongo,
            &settings.mongo,
            settings.paints.list_limit,
        ));
        let readiness: Arc<dyn Readiness> =
            Arc::new(Backends::new(auth.clone(), Arc::clone(&paints), mongo_pool));
        let state = web::Data::new(AppState {
            auth: auth.clone(),
            paints,
            json_body_limit: settings.json_body_limit,
            max_actions_bytes: settings.paints.max_actions_bytes,
        });
        let base = settings.route_base_path.clone();
        // The access log leaves out query strings and headers (skeys and codes are credentials).
        let options = settings.server_options(http::request_log);
        let (port, server) = http::serve(&options, readiness, move |cfg| {
            cfg.app_data(auth.clone()).app_data(state.clone());
            routes::configure(cfg, &base);
        })?;
        Ok(Self { port, server })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serve until SIGTERM/SIGINT, then drain in-flight requests.
    ///
    /// # Errors
    /// An I/O error of the server.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
