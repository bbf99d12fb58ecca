//! Logging setup shared by the services: `env_logger`, filtered by `RUST_LOG`.
//!
//! Services log every request (actix's access log) and stderr is unbuffered: one `write(2)` per
//! line on the request path cost about 15 % of the album's throughput on two cores. Services
//! therefore log through [`init_service`], which hands the formatted lines to a background
//! thread (`tracing-appender`'s non-blocking writer); the returned [`LogGuard`] flushes what is
//! left when `main` returns. Should the queue ever be full, lines are dropped rather than
//! blocking a request (tracing-appender's lossy mode).
//!
//! That thread writes through a buffer it flushes whenever the queue is empty: when idle, each
//! line goes out at once; under load, one `write(2)` carries every line queued meanwhile. With
//! the access log on, a cached session took a median 17.0 → 16.4 µs of CPU (9 runs of 5 s of
//! wrk, alternating).

use std::io::{BufWriter, Write};

use tracing_appender::non_blocking::{NonBlocking, WorkerGuard};

/// Keeps the background log writer alive; dropping it (at the end of `main`) flushes the lines
/// still queued.
#[must_use = "logs are flushed when the guard is dropped: keep it until main returns"]
pub struct LogGuard {
    _worker: Option<WorkerGuard>,
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
    let (writer, worker) = background(std::io::stderr());
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

/// A non-blocking writer onto `out`: lines are queued for a background thread, which writes
/// them into a buffer and flushes it each time the queue runs empty (tracing-appender's worker
/// flushes after draining), so a batch of lines costs one write to `out`.
fn background<W: Write + Send + 'static>(out: W) -> (NonBlocking, WorkerGuard) {
    tracing_appender::non_blocking(BufWriter::new(out))
}

#[cfg(test)]
mod tests {
    use std::{
        sync::{Arc, Mutex, PoisonError},
        time::{Duration, Instant},
    };

    use super::*;

    /// A `Write` into shared memory.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Sink {
        fn text(&self) -> String {
            let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            String::from_utf8_lossy(&bytes).into_owned()
        }
    }

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let mut bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            bytes.extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_line_goes_out_while_the_writer_is_idle_not_at_shutdown() {
        let sink = Sink::default();
        let (mut writer, guard) = background(sink.clone());
        writer
            .write_all(b"one line\n")
            .unwrap_or_else(|e| panic!("{e}"));
        // The background thread's pace is not ours to set: wait for it, boundedly.
        let deadline = Instant::now() + Duration::from_secs(10);
        while sink.text().is_empty() && Instant::now() < deadline {
            std::thread::yield_now();
        }
        assert_eq!(
            sink.text(),
            "one line\n",
            "the buffer held an idle line back"
        );
        drop(guard);
    }

    #[test]
    fn every_line_arrives_in_order_by_shutdown() {
        let sink = Sink::default();
        let (mut writer, guard) = background(sink.clone());
        let lines: String = (0..2000).map(|i| format!("line {i}\n")).collect();
        for line in lines.split_inclusive('\n') {
            writer
                .write_all(line.as_bytes())
                .unwrap_or_else(|e| panic!("{e}"));
        }
        drop(guard);
        assert_eq!(sink.text(), lines);
    }
}
