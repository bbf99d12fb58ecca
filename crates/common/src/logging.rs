//! Logging setup shared by the services: `env_logger`, filtered by `RUST_LOG`.

/// Initialise `env_logger` once; `RUST_LOG` filters, `info` when unset.
///
/// Calling it twice is harmless (the second call does nothing), so tests may call it freely.
pub fn init() {
    let _ = env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .format_timestamp_millis()
        .try_init();
}
