//! The weapp-cloud photo album (`spec/originals.md` §1): list, upload, delete and direct upload
//! of JPEG/PNG photos on object storage — Tencent COS or any S3 store through `object_store`,
//! or a local directory by default.
//!
//! [`Application::build`] binds the listener (port 0 works in tests) and
//! [`Application::run_until_stopped`] serves until SIGTERM/SIGINT, letting in-flight requests
//! finish (`settings.shutdown_timeout_secs`).

pub mod image;
pub mod keys;
pub mod routes;
pub mod settings;
pub mod storage;

use std::{net::TcpListener, sync::Arc, time::Duration};

use actix_web::{App, HttpServer, dev::Server, middleware, web};
use anyhow::Context;
use weapp_common::{
    envelope::{bad_request, extractor_error_handlers, not_found},
    health::{self, ProbeFuture, Readiness},
};

use crate::{routes::AppState, settings::Settings, storage::Storage};

/// The album, bound and ready to run.
pub struct Application {
    port: u16,
    server: Server,
}

/// `/readyz`: the object store answers.
struct StorageReadiness(Storage);

impl Readiness for StorageReadiness {
    fn backend(&self) -> &'static str {
        "storage"
    }

    fn probe(&self) -> ProbeFuture {
        let storage = self.0.clone();
        Box::pin(async move { storage.probe().await })
    }
}

impl Application {
    /// Build the storage backend and bind `settings.host:settings.port`.
    ///
    /// # Errors
    /// When the backend cannot be configured or the address cannot be bound.
    pub fn build(settings: &Settings) -> anyhow::Result<Self> {
        let (storage, signer) = Storage::from_settings(settings)?;
        let listener = TcpListener::bind((settings.host, settings.port))
            .with_context(|| format!("binding {}:{}", settings.host, settings.port))?;
        let port = listener.local_addr()?.port();
        let serves_files = storage.serves_files();
        let readiness: Arc<dyn Readiness> = Arc::new(StorageReadiness(storage.clone()));
        let state = web::Data::new(AppState {
            storage,
            signer,
            list_max_keys: settings.list.max_keys,
            direct_expires_secs: settings.upload.direct_expires_secs,
            json_body_limit: settings.json_body_limit,
        });
        let base = settings.route_base_path.clone();
        let json_body_limit = settings.json_body_limit;
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .configure(|cfg| extractor_error_handlers(cfg, json_body_limit, bad_request))
                .configure(|cfg| health::configure(cfg, Arc::clone(&readiness)))
                .configure(|cfg| routes::configure(cfg, &base, serves_files))
                .default_service(web::to(not_found))
                .wrap(request_log())
        })
        .listen(listener)?
        .shutdown_timeout(settings.shutdown_timeout_secs);
        if settings.workers > 0 {
            server = server.workers(settings.workers);
        }
        Ok(Self {
            port,
            server: server.run(),
        })
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

/// Access log without query strings: direct-upload URLs carry signatures there.
fn request_log() -> middleware::Logger {
    middleware::Logger::new(r#"%a "%{method}xi %U" %s %b %Dms"#)
        .custom_request_replace("method", |req| req.method().to_string())
}

/// How long a graceful shutdown may take, as configured.
pub fn shutdown_timeout(settings: &Settings) -> Duration {
    Duration::from_secs(settings.shutdown_timeout_secs)
}
