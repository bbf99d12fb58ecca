//! Graceful shutdown on SIGTERM (orchestrators, `scripts/down`) or SIGINT (Ctrl-C).

/// Resolves when the process receives SIGTERM or SIGINT.
///
/// actix-web's `HttpServer` already listens for these itself; this future is for servers that
/// take a shutdown future (`run(listener, shutdown)`, `../shared/STYLE.md`).
pub async fn signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = interrupt => log::info!("SIGINT received, shutting down"),
                    _ = terminate.recv() => log::info!("SIGTERM received, shutting down"),
                }
            }
            Err(error) => {
                log::warn!("cannot listen for SIGTERM ({error}); only SIGINT stops the server");
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
