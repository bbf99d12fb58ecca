//! Logging setup shared by the services: `env_logger`, filtered by `RUST_LOG`.
//!
//! Services log every request (actix's access log) and stderr is unbuffered: one `write(2)` per
//! line on the request path cost about 15 % of the album's throughput on two cores. Services
//! therefore log through [`init_service`], which hands the formatted lines to a background
//! thread (`tracing-appender`'s non-blocking writer); the returned [`LogGuard`] flushes what is
//! left when `main` returns. Should the queue ever be full, lines are dropped rather than
//! blocking a request (tracing-appender's lossy mode).

/// Keeps the background log writer alive; dropping it (at the end of `main`) flushes the lines
/// still queued.
#[must_use = "logs are flushed when the guard is dropped: keep it until main returns"]
pub struct LogGuard {
    _worker: Option<tracing_appender::non_blocking::WorkerGuard>,
}

fn builder() -> env_logger::Builder {
    let mut builder =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"));
    builder.format_timestamp_millis();
    builder
}

/// Initialise `env_logger` writing synchronously to stderr; `RUST_LOG` filters, `info` when
/// unset. For tests and tools: calling it twice is harmless (the second call does nothing).
pub fn init() {
    let _ = builder().try_init();
}

/// Initialise `env_logger` for a long-running service: the same format and filter as [`init`],
/// written to stderr by a background thread. Keep the guard until `main` returns.
pub fn init_service() -> LogGuard {
    let (writer, worker) = tracing_appender::non_blocking(std::io::stderr());
    let installed = builder()
        // Plain text: with the default (`Auto`) every line was styled and then stripped of its
        // escape codes again on the way into the pipe — about 2 µs of the ~21 µs of CPU a
        // cached session request took (measured around wrk on two cores).
        .write_style(env_logger::WriteStyle::Never)
        .target(env_logger::Target::Pipe(Box::new(writer)))
        .try_init()
        .is_ok();
    LogGuard {
        _worker: installed.then_some(worker),
    }
}
