//! The weapp-cloud photo album (`spec/originals.md` §1): list, upload, delete and direct upload
//! of JPEG/PNG photos on object storage — Tencent COS or any S3 store through `object_store`,
//! WeChat Cloud Run storage (`tcb`), or a local directory by default — with the login of the session service, owners, an index
//! for fast lists, and the 2017 v4 clients.
//!
//! [`Application::build`] binds the listener (port 0 works in tests) and starts the checker of
//! direct uploads; [`Application::run_until_stopped`] serves until SIGTERM/SIGINT, letting
//! in-flight requests finish (`settings.shutdown_timeout_secs`), then stops the checker.

pub mod auth;
pub mod image;
pub mod index;
pub mod keys;
pub mod messages;
pub mod routes;
pub mod settings;
pub mod storage;
pub mod verify;

use std::{sync::Arc, time::Duration};

use actix_web::{dev::Server, web};
use anyhow::Context;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use weapp_auth::{RedisStore, WeappAuth};
use weapp_common::{health, http};
use wx_api::WxClient;

use crate::{
    auth::Gate,
    index::{Index, MemoryIndex, RedisIndex},
    routes::{AppState, Limits, V4},
    settings::{AuthMode, Backend, IndexStore, Settings, bucket_name},
    storage::Storage,
    verify::{Checker, Timing},
};

/// How long `/list` waits for the first build of the index (a few seconds at start-up; past
/// it the album answers `failed`, and `/readyz` says why).
const INDEX_WAIT: Duration = Duration::from_secs(3);

/// The album, bound and ready to run.
pub struct Application {
    port: u16,
    server: Server,
    checker: Checker,
    shutdown: CancellationToken,
    background: JoinHandle<()>,
}

/// The index the settings ask for.
///
/// # Errors
/// A Redis URL that does not parse.
fn build_index(settings: &Settings) -> anyhow::Result<Index> {
    Ok(match settings.index.store {
        IndexStore::Memory => Index::Memory(MemoryIndex::with_bounds(
            settings.index.max_open_tickets,
            settings.index.max_remembered,
        )),
        IndexStore::Redis => {
            // Cloud Run has no bucket name in the settings: its environment stands for it.
            let bucket = if settings.storage.backend == Backend::Tcb {
                format!("tcb-{}", settings.storage.tcb.env)
            } else {
                bucket_name(&settings.cos)
            };
            let ns = format!(
                "{}{bucket}/{}",
                settings.index.prefix,
                keys::Folder::new(&settings.cos.folder).prefix()
            );
            Index::Redis(
                RedisIndex::new(
                    &settings.redis.connection_url(),
                    ns,
                    settings.redis.timeout(),
                )
                .context("index.store = redis: redis.url")?
                .with_max_open_tickets(settings.index.max_open_tickets),
            )
        }
    })
}

/// The session check, when `auth.mode` asks for one.
///
/// # Errors
/// A Redis or WeChat configuration that cannot be used.
fn build_auth(settings: &Settings) -> anyhow::Result<Option<WeappAuth>> {
    if settings.auth.mode == AuthMode::Off {
        return Ok(None);
    }
    let wx = WxClient::new(settings.wx.clone()).context("configuring the WeChat API client")?;
    let store = RedisStore::new(&settings.redis, &settings.skey)?;
    Ok(Some(WeappAuth::new(Arc::new(store), wx, settings.skey.ttl)))
}

impl Application {
    /// Build the storage backend, the index and the login check, start the checker of direct
    /// uploads, and bind `settings.host:settings.port`. Must run inside a tokio runtime.
    ///
    /// # Errors
    /// When a backend cannot be configured or the address cannot be bound.
    pub fn build(settings: &Settings) -> anyhow::Result<Self> {
        // The access log leaves out query strings, where direct-upload URLs carry their
        // signatures.
        let options = settings.server_options(http::request_log);
        let stored = storage::Stored::registered(options.metrics.registry())
            .context("registering the album's metrics")?;
        let index = build_index(settings)?;
        let storage = Storage::from_settings(settings, &index, stored)?;
        let gate = Gate::new(settings.auth.mode, build_auth(settings)?);
        let v4 = if settings.v4.enabled {
            Some(V4::from_settings(settings, storage.signer().mac())?)
        } else {
            None
        };
        let upload = &settings.upload;
        let timing = Timing {
            interval: Duration::from_secs(upload.verify_interval_secs),
            grace: Duration::from_secs(upload.verify_grace_secs),
            reconcile_every: (settings.index.rebuild_interval_secs > 0)
                .then(|| Duration::from_secs(settings.index.rebuild_interval_secs)),
            abandoned_after: Duration::from_secs(upload.abandoned_after_secs),
            sweep_every: Duration::from_secs(upload.sweep_interval_secs),
        };
        let checker = Checker::new(storage.clone(), index.clone(), timing);
        let shutdown = CancellationToken::new();
        let background = tokio::spawn(checker.clone().run(shutdown.clone()));
        let serves_files = storage.serves_files();
        // `/readyz`: the object store and the index answer, and the index was built.
        let readiness = health::readiness(
            "storage",
            (storage.clone(), index.clone(), checker.clone()),
            |(storage, index, checker)| async move {
                storage.probe().await?;
                index.probe().await?;
                if checker.is_built() {
                    Ok(())
                } else {
                    Err("the album index is still being built".to_owned())
                }
            },
        );
        let state = web::Data::new(AppState {
            storage,
            index,
            gate,
            checker: checker.clone(),
            v4,
            limits: Limits {
                list_max_keys: settings.list.max_keys,
                direct_expires_secs: settings.upload.direct_expires_secs,
                json_body_limit: settings.json_body_limit,
                delete_max_batch: settings.delete.max_batch,
                index_wait: INDEX_WAIT,
            },
        });
        let base = settings.route_base_path.clone();
        let v4_routes = settings.v4.enabled;
        let (port, server) = http::serve(&options, readiness, move |cfg| {
            cfg.app_data(state.clone());
            routes::configure(cfg, &base, serves_files, v4_routes);
        })?;
        Ok(Self {
            port,
            server,
            checker,
            shutdown,
            background,
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The checker of direct uploads (tests run its passes with their own clock).
    pub fn checker(&self) -> Checker {
        self.checker.clone()
    }

    /// Serve until SIGTERM/SIGINT, then drain in-flight requests and stop the checker.
    ///
    /// # Errors
    /// An I/O error of the server.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        self.shutdown.cancel();
        if let Err(error) = self.background.await {
            log::error!("the checker of direct uploads ended abnormally: {error}");
        }
        served
    }
}
