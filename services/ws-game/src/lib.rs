//! weapp-cloud rock-paper-scissors over WebSocket (`spec/originals.md` §2).
//!
//! [`server`] accepts sockets and HTTP → [`server::connection`] owns one socket and its bounded
//! outbound queue → [`codec`] turns frames into [`protocol`] messages (socket.io/Engine.IO 3, or
//! plain JSON) → [`game`] (matchmaker, rooms, rounds, bots) never sees a frame.
//!
//! [`Application::build`] binds the listener (port 0 works in tests); [`Application::run`] serves
//! until its shutdown future resolves, then closes every socket with a close frame.

pub mod codec;
pub mod game;
pub mod protocol;
pub mod server;
pub mod settings;
pub mod websocket;

use std::{future::Future, sync::Arc, time::Duration};

use anyhow::Context;
use tokio::net::TcpListener;
use tokio_util::{sync::CancellationToken, task::TaskTracker};

use crate::{game::Game, server::ServerContext, settings::Settings};

/// The runtime for `workers` threads (the `workers` setting): 1 is tokio's current-thread
/// runtime — every socket, room and timer on one thread, so handing a message from one task to
/// another never wakes another thread; more is a work-stealing pool of that many threads, 0 one
/// per core.
///
/// # Errors
/// When the runtime cannot be built (out of threads or file descriptors).
pub fn runtime(workers: usize) -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = if workers == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        if workers > 1 {
            builder.worker_threads(workers);
        }
        builder
    };
    builder.enable_all().build()
}

/// ws-game, bound and ready to run.
pub struct Application {
    listener: TcpListener,
    settings: Settings,
    port: u16,
}

impl Application {
    /// Bind `settings.host:settings.port`.
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let listener = TcpListener::bind((settings.host, settings.port))
            .await
            .with_context(|| format!("binding {}:{}", settings.host, settings.port))?;
        let port = listener.local_addr()?.port();
        Ok(Self {
            listener,
            settings,
            port,
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serve until `shutdown` resolves; then stop accepting, close every socket with a close
    /// frame (1001) and wait up to `shutdown_timeout_secs` for the tasks to end.
    ///
    /// # Errors
    /// None today; the signature leaves room for start-up failures.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
        let token = CancellationToken::new();
        let tracker = TaskTracker::new();
        let options = game::Options {
            cluster: self.settings.cluster_config(),
            resume_grace: self.settings.resume_grace(),
        };
        let game = Game::start_with(
            self.settings.game_config(),
            options,
            token.child_token(),
            &tracker,
        );
        let grace = Duration::from_secs(self.settings.shutdown_timeout_secs);
        let context = Arc::new(ServerContext::new(
            self.settings,
            game,
            token.clone(),
            tracker.clone(),
        ));
        tracker.spawn(server::accept_loop(self.listener, Arc::clone(&context)));
        shutdown.await;
        log::info!("shutting down: closing every socket");
        context.shut_down();
        tracker.close();
        if tokio::time::timeout(grace, tracker.wait()).await.is_err() {
            log::warn!("some connections did not close within {grace:?}");
        }
        Ok(())
    }

    /// [`Application::run`] until SIGTERM or SIGINT.
    ///
    /// # Errors
    /// As [`Application::run`].
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run(weapp_common::shutdown::signal()).await
    }
}
