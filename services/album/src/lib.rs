//! The weapp-cloud photo album (`spec/originals.md` §1): list, upload, delete and direct upload
//! of JPEG/PNG photos on object storage — Tencent COS or any S3 store through `object_store`,
//! or a local directory by default.
//!
//! [`Application::build`] binds the listener (port 0 works in tests) and
//! [`Application::run_until_stopped`] serves until SIGTERM/SIGINT, letting in-flight requests
//! finish (`settings.shutdown_timeout_secs`).

pub mod image;
pub mod index;
pub mod keys;
pub mod routes;
pub mod settings;
pub mod storage;

use actix_web::{dev::Server, web};
use weapp_common::{health, http};

use crate::{routes::AppState, settings::Settings, storage::Storage};

/// The album, bound and ready to run.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Build the storage backend and bind `settings.host:settings.port`.
    ///
    /// # Errors
    /// When the backend cannot be configured or the address cannot be bound.
    pub fn build(settings: &Settings) -> anyhow::Result<Self> {
        let (storage, signer) = Storage::from_settings(settings)?;
        let serves_files = storage.serves_files();
        // `/readyz`: the object store answers.
        let readiness = health::readiness("storage", storage.clone(), |storage| async move {
            storage.probe().await
        });
        let state = web::Data::new(AppState {
            storage,
            signer,
            list_max_keys: settings.list.max_keys,
            direct_expires_secs: settings.upload.direct_expires_secs,
            json_body_limit: settings.json_body_limit,
        });
        let base = settings.route_base_path.clone();
        // The access log leaves out query strings, where direct-upload URLs carry their
        // signatures.
        let options = settings.server_options(http::request_log);
        let (port, server) = http::serve(&options, readiness, move |cfg| {
            cfg.app_data(state.clone());
            routes::configure(cfg, &base, serves_files);
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
