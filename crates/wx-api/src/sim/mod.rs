//! `wx-sim`: a WeChat server API simulator for the local stack and end-to-end tests.
//!
//! WeChat's side of a login, deterministic and offline:
//!
//! | route | answer |
//! |---|---|
//! | `GET /sns/jscode2session?appid&secret&js_code&grant_type=authorization_code` | `{"session_key","openid"}` once per code, or a WeChat error body |
//! | `GET /cgi-bin/token?grant_type=client_credential&appid&secret` | `{"access_token","expires_in":7200}` or an error body |
//! | `GET /sim/session?code=` | `{"openid","session_key","used"}` that code gets, without spending it |
//! | `POST /sim/encrypt` `{"code","data":{…},"timestamp"?,"appid"?}` | `{"encryptedData","iv"}`: `data` + watermark, encrypted with the code's session_key |
//! | `GET /healthz`, `GET /readyz` | the services' usual probes |
//!
//! Codes: `invalid…` → `40029 invalid code`, `ratelimit…` → `45011`, any other code works once
//! (then `40163 code been used`); the openid depends on the code's user (the part before the
//! first `-`), the session_key on the whole code ([`users`]). Wrong `appid` → `40013`, wrong
//! `secret` → `40125`. The WeChat routes answer like WeChat: HTTP 200, JSON labelled
//! `Content-Type: text/plain` (observed on the real API for years, e.g.
//! node-webot/wechat-api#138, binarywang/WxJava#444; clients must parse whatever the label), and
//! the errcode/errmsg pairs of
//! <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-login/code2Session.html>.
//! The `/sim/*` helpers are not WeChat's: they answer `application/json`, errors with HTTP 400.

mod helpers;
mod routes;
pub mod users;

use std::{
    net::{IpAddr, Ipv4Addr, TcpListener},
    sync::{Arc, atomic::AtomicU64},
};

use actix_web::{App, HttpServer, dev::Server, web};
use anyhow::Context;
use serde::Deserialize;
use weapp_common::{config::Secret, health, http};

use self::users::{Identities, Ledger};

/// The simulator's port (next to the services' 9993–9995 and 5757; not a WeChat port).
pub const DEFAULT_PORT: u16 = 9797;
/// A made-up AppID of the usual shape (`wx` + 16 hex digits).
pub const DEFAULT_APP_ID: &str = "wx0000000000000000";
/// The development AppSecret the simulator accepts by default. Not a real app's secret; the
/// local stack points the services' `app_secret` at it.
pub const DEFAULT_APP_SECRET: &str = "wxsim-dev-app-secret-00000000000";
/// Default seed of the derived openids and session keys.
pub const DEFAULT_SEED: &str = "weapp-cloud-wx-sim";

/// Simulator settings: `WX_SIM_*` environment variables or a file (`weapp_common::config`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct SimConfig {
    /// Address to bind; default 127.0.0.1.
    pub host: IpAddr,
    /// Port to bind; default [`DEFAULT_PORT`] (0 picks a free one).
    pub port: u16,
    /// The only AppID accepted; default [`DEFAULT_APP_ID`].
    pub app_id: String,
    /// The only AppSecret accepted; default [`DEFAULT_APP_SECRET`].
    pub app_secret: Secret,
    /// Seed of the derived identities; default [`DEFAULT_SEED`].
    pub seed: String,
    /// actix worker threads; default 1 (the simulator is tiny).
    pub workers: usize,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: DEFAULT_PORT,
            app_id: DEFAULT_APP_ID.to_owned(),
            app_secret: Secret::from(DEFAULT_APP_SECRET),
            seed: DEFAULT_SEED.to_owned(),
            workers: 1,
        }
    }
}

/// What every handler shares: created once, outside actix's per-worker factory.
struct SimState {
    app_id: String,
    app_secret: Secret,
    identities: Identities,
    ledger: Ledger,
    tokens_issued: AtomicU64,
}

/// The simulator, bound and ready to run.
pub struct Simulator {
    port: u16,
    server: Server,
}

impl Simulator {
    /// Bind `config.host:config.port` and build the server.
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub fn build(config: SimConfig) -> anyhow::Result<Self> {
        let listener = TcpListener::bind((config.host, config.port))
            .with_context(|| format!("binding {}:{}", config.host, config.port))?;
        let port = listener.local_addr()?.port();
        let server = serve(listener, config)?;
        Ok(Self { port, server })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serve until SIGTERM/SIGINT (actix handles both).
    ///
    /// # Errors
    /// An I/O error of the server.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Serve the simulator on `listener` (port 0 works in tests). The returned [`Server`] runs when
/// awaited or spawned; `Server::handle().stop(true)` ends it.
///
/// # Errors
/// When actix cannot take over the listener.
pub fn serve(listener: TcpListener, config: SimConfig) -> std::io::Result<Server> {
    let state = web::Data::new(SimState {
        identities: Identities::new(config.seed, config.app_id.clone()),
        app_id: config.app_id,
        app_secret: config.app_secret,
        ledger: Ledger::default(),
        tokens_issued: AtomicU64::new(0),
    });
    // No backend: ready as soon as it answers.
    let readiness = health::readiness("wx-sim", (), |()| async { Ok(()) });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .configure(|cfg| health::configure(cfg, Arc::clone(&readiness)))
            .configure(routes::configure)
            .configure(helpers::configure)
            .default_service(web::to(routes::unknown_api))
            // Without query strings: they carry the app secret.
            .wrap(http::request_log())
    })
    .workers(config.workers.max(1))
    .listen(listener)?
    .run();
    Ok(server)
}
