//! `wx-sim`: a WeChat server API simulator for the local stack and end-to-end tests.
//!
//! WeChat's side of a login and of WeChat Cloud Run storage, deterministic and offline:
//!
//! | route | answer |
//! |---|---|
//! | `GET /sns/jscode2session?appid&secret&js_code&grant_type=authorization_code` | `{"session_key","openid"}` once per code, or a WeChat error body |
//! | `GET /cgi-bin/token?grant_type=client_credential&appid&secret` | `{"access_token","expires_in"}`; ends the previous token (`sim/tokens.rs`) |
//! | `POST /cgi-bin/stable_token` `{"grant_type","appid","secret","force_refresh"?}` | the stable token, with `force_refresh` semantics (`sim/tokens.rs`) |
//! | `POST /tcb/uploadfile`, `/tcb/batchdownloadfile`, `/tcb/batchdeletefile` | Cloud Run storage (`sim/tcb.rs`) |
//! | `POST /cos/{bucket}/{path}`, `GET /tcb-dl/{bucket}/{path}?sign&t` | the object storage behind it (`sim/cos.rs`) |
//! | `GET /sim/session?code=` | `{"openid","session_key","used"}` that code gets, without spending it |
//! | `POST /sim/encrypt` `{"code","data":{…},"timestamp"?,"appid"?}` | `{"encryptedData","iv"}`: `data` + watermark, encrypted with the code's session_key |
//! | `GET /sim/tokens` | `{"token_calls","stable_token_calls","force_refresh_calls"}` |
//! | `POST /sim/tokens/expire`, `POST /sim/tokens/revoke` | the current tokens now answer `42001` / `40001` |
//! | `POST /sim/clock/advance` `{"secs"}` | moves the simulator's clock (token, ticket and URL expiry) forward |
//! | `GET /sim/object?path=` | `{"exists","size","downloadable","content_type"}` of a stored file |
//! | `GET /healthz`, `GET /readyz`, `GET /metrics` | the services' usual probes and metrics |
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

mod cloud;
mod cos;
mod helpers;
mod routes;
mod storage;
mod tcb;
mod tokens;
pub mod users;

use std::{
    net::{IpAddr, Ipv4Addr, TcpListener},
    sync::Arc,
};

use actix_web::{App, HttpServer, dev::Server, middleware::from_fn, web};
use anyhow::Context;
use serde::Deserialize;
use weapp_common::{
    config::Secret,
    health, http,
    logging::LogFormat,
    metrics::{self, Metrics},
    request_id,
};

use self::{
    cloud::Cloud,
    storage::Storage,
    tokens::Tokens,
    users::{Identities, Ledger},
};
use crate::clock::OffsetClock;

/// The simulator's port (next to the services' 9993–9995 and 5757; not a WeChat port).
pub const DEFAULT_PORT: u16 = 9797;
/// A made-up AppID of the usual shape (`wx` + 16 hex digits).
pub const DEFAULT_APP_ID: &str = "wx0000000000000000";
/// The development AppSecret the simulator accepts by default. Not a real app's secret; the
/// local stack points the services' `app_secret` at it.
pub const DEFAULT_APP_SECRET: &str = "wxsim-dev-app-secret-00000000000";
/// Default seed of the derived openids and session keys.
pub const DEFAULT_SEED: &str = "weapp-cloud-wx-sim";
/// The Cloud Run environment ID the simulator knows by default.
pub const DEFAULT_ENV: &str = "wxsim-env-0000000";
/// The cloud-call token (`cloudbase_access_token`) the simulator accepts by default; a
/// development value, not a real one.
pub const DEFAULT_CLOUDBASE_ACCESS_TOKEN: &str = "wxsim-cloudbase-access-token-0000";

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
    /// Lifetime of an access token in seconds (`expires_in`); default 7200, WeChat's.
    pub token_lifetime_secs: u64,
    /// Seconds a token replaced by a newer `/cgi-bin/token` keeps working; default 0 (WeChat:
    /// up to 300). 0 makes instances that refresh on their own fail at once.
    pub token_overlap_secs: u64,
    /// The accepted `cloudbase_access_token`; default [`DEFAULT_CLOUDBASE_ACCESS_TOKEN`].
    pub cloudbase_access_token: Secret,
    /// Play the open-API service inside Cloud Run: `tcb` calls without any token are
    /// accepted; default false.
    pub open_api_service: bool,
    /// The Cloud Run environment ID; default [`DEFAULT_ENV`].
    pub env_id: String,
    /// Scheme, host and port of the upload and download URLs handed out; empty (default) is
    /// `http://{bound address}`.
    pub public_url: String,
    /// Seconds an upload ticket is good for; default 900 (the `q-sign-time` span of WeChat's).
    pub ticket_lifetime_secs: u64,
    /// Largest file accepted, in bytes; default 20 MiB.
    pub max_object_bytes: u64,
    /// Most bytes stored at once (all files, in memory); default 256 MiB.
    pub max_stored_bytes: u64,
    /// How log lines are written: `text` (default) or `json`.
    pub log_format: LogFormat,
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
            token_lifetime_secs: 7200,
            token_overlap_secs: 0,
            cloudbase_access_token: Secret::from(DEFAULT_CLOUDBASE_ACCESS_TOKEN),
            open_api_service: false,
            env_id: DEFAULT_ENV.to_owned(),
            public_url: String::new(),
            ticket_lifetime_secs: 900,
            max_object_bytes: 20 * 1024 * 1024,
            max_stored_bytes: 256 * 1024 * 1024,
            log_format: LogFormat::Text,
        }
    }
}

/// What every handler shares: created once, outside actix's per-worker factory.
struct SimState {
    app_id: String,
    app_secret: Secret,
    identities: Identities,
    ledger: Ledger,
    clock: OffsetClock,
    tokens: Tokens,
    cloudbase_access_token: Secret,
    open_api_service: bool,
    cloud: Cloud,
    storage: Storage,
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
    let public_url = if config.public_url.is_empty() {
        format!("http://{}", listener.local_addr()?)
    } else {
        config.public_url.clone()
    };
    let state = web::Data::new(SimState {
        cloud: Cloud::new(
            &config.env_id,
            &public_url,
            &config.seed,
            config.ticket_lifetime_secs,
            config.max_object_bytes,
        ),
        identities: Identities::new(config.seed, config.app_id.clone()),
        app_id: config.app_id,
        app_secret: config.app_secret,
        ledger: Ledger::default(),
        clock: OffsetClock::new(),
        tokens: Tokens::new(config.token_lifetime_secs, config.token_overlap_secs),
        cloudbase_access_token: config.cloudbase_access_token,
        open_api_service: config.open_api_service,
        storage: Storage::new(config.max_stored_bytes),
    });
    // No backend: ready as soon as it answers.
    let readiness = health::no_backend("wx-sim");
    // `/metrics` and request ids as on the services (`weapp_common::http::serve`).
    let metrics = Metrics::new();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .configure(|cfg| health::configure(cfg, Arc::clone(&readiness)))
            .configure(|cfg| metrics::configure(cfg, metrics.clone(), Arc::clone(&readiness)))
            .configure(routes::configure)
            .configure(tcb::configure)
            .configure(cos::configure)
            .configure(helpers::configure)
            .default_service(web::to(routes::unknown_api))
            // Without query strings: they carry the app secret.
            .wrap(http::request_log())
            .wrap(from_fn(metrics::track))
            .wrap(from_fn(request_id::middleware))
    })
    .workers(config.workers.max(1))
    .listen(listener)?
    .run();
    Ok(server)
}
