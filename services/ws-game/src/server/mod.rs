//! Accepting connections: every TCP connection is served as HTTP/1.1 by hyper; requests on the
//! socket paths upgrade to WebSocket and become a [`connection`], everything else gets a plain
//! answer ([`http`]).
//!
//! Every task is spawned on one [`TaskTracker`] and stops on one [`CancellationToken`]: on
//! shutdown the listener stops, each socket gets a close frame, and [`crate::Application::run`]
//! waits for them.

pub mod connection;
pub mod http;
pub mod metrics;
pub mod notice;

use std::{
    net::SocketAddr,
    sync::{Arc, atomic::AtomicUsize},
    time::Duration,
};

use hyper::{server::conn::http1, service::service_fn};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::{net::TcpListener, sync::Semaphore};
use tokio_util::{sync::CancellationToken, task::TaskTracker};

use crate::{game::Game, settings::Settings};

/// What every request handler needs.
pub struct ServerContext {
    /// The configuration.
    pub settings: Settings,
    /// The game engine.
    pub game: Game,
    /// WebSocket connections open now.
    pub connections: AtomicUsize,
    /// Permits for WebSocket connections (`limits.max_connections`).
    pub permits: Arc<Semaphore>,
    /// Ends every task.
    pub shutdown: CancellationToken,
    /// The same as `shutdown`, for the connections' loops (cheaper to poll).
    pub notice: notice::ShutdownNotice,
    /// Owns every task.
    pub tracker: TaskTracker,
    /// `GET /metrics`, and the counters the connections increment.
    pub metrics: metrics::GameMetrics,
}

impl ServerContext {
    /// The context for `settings` and a started `game`.
    pub fn new(
        settings: Settings,
        game: Game,
        shutdown: CancellationToken,
        tracker: TaskTracker,
    ) -> Self {
        Self {
            metrics: metrics::GameMetrics::new(&game),
            permits: Arc::new(Semaphore::new(settings.limits.max_connections)),
            settings,
            game,
            connections: AtomicUsize::new(0),
            shutdown,
            notice: notice::ShutdownNotice::default(),
            tracker,
        }
    }

    /// Shut everything down: the token ends every task, the notice every connection's loop.
    pub fn shut_down(&self) {
        self.shutdown.cancel();
        self.notice.raise();
    }
}

/// Accept connections until `context.shutdown` is cancelled.
pub async fn accept_loop(listener: TcpListener, context: Arc<ServerContext>) {
    loop {
        let accepted = tokio::select! {
            () = context.shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                let _ = stream.set_nodelay(true);
                let context = Arc::clone(&context);
                context
                    .tracker
                    .clone()
                    .spawn(serve_http(stream, peer, context));
            }
            Err(error) => {
                // Typically EMFILE: back off briefly instead of spinning on the error.
                log::warn!("accept failed: {error}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    log::info!("listener closed");
}

async fn serve_http(stream: tokio::net::TcpStream, peer: SocketAddr, context: Arc<ServerContext>) {
    let handshake_timeout = Duration::from_secs(context.settings.limits.handshake_timeout_secs);
    let service_context = Arc::clone(&context);
    let service = service_fn(move |request| {
        let context = Arc::clone(&service_context);
        async move { Ok::<_, std::convert::Infallible>(http::handle(request, peer, &context)) }
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(handshake_timeout)
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    tokio::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(error) = result {
                log::debug!("http connection from {peer}: {error}");
            }
        }
        () = context.shutdown.cancelled() => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}
