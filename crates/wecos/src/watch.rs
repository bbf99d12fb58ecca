//! `watch: true` (the default, `spec/originals.md` §5.2): keep watching `appDir` and process
//! new or changed images.
//!
//! The original polled the tree with the `watch` module. Here `notify` receives the operating
//! system's events (inotify, FSEvents, ReadDirectoryChangesW) and `notify-debouncer-mini`
//! gathers a burst of them — a file being copied in, an editor's save — into one batch, sent
//! [`DEBOUNCE`] after the last event. A batch naming an image (by suffix), a page or a folder
//! under `appDir` (outside `backupDir`) triggers one [`run_once`] pass. Passes are idempotent,
//! so the events of wecos's own writes (pages rewritten, originals removed) trigger at most
//! one more pass, which changes nothing.
//!
//! A page saved later that references an image uploaded earlier is rewritten too (the original
//! only rewrote pages right after an upload).

use std::{future::Future, path::Path, time::Duration};

use anyhow::Context;
use notify::RecursiveMode;
use notify_debouncer_mini::{DebounceEventResult, new_debouncer};

use crate::{
    config::Config,
    run::{Options, Report, run_once},
    scan,
    store::Store,
};

/// How long the tree must be quiet before a batch of events is handled.
pub const DEBOUNCE: Duration = Duration::from_millis(300);

/// Run one pass now, then one after every relevant batch of events, until `stop` completes.
/// `on_pass` sees each pass's report (the CLI prints it).
///
/// The watch starts before the first pass, so a file created while it runs is not missed.
///
/// # Errors
/// The watch cannot be set up (no inotify instances left, `appDir` gone), or a pass fails as a
/// whole ([`RunError`]: the tree or the rewrite map became unreadable).
pub async fn watch(
    config: &Config,
    store: &Store,
    options: Options,
    stop: impl Future<Output = ()>,
    mut on_pass: impl FnMut(&Report),
) -> anyhow::Result<()> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<DebounceEventResult>();
    let mut debouncer = new_debouncer(DEBOUNCE, move |batch: DebounceEventResult| {
        // The receiver is gone only when the watch is over.
        let _ = tx.send(batch);
    })
    .context("starting the file watcher")?;
    debouncer
        .watcher()
        .watch(&config.app_dir, RecursiveMode::Recursive)
        .with_context(|| format!("watching {}", config.app_dir.display()))?;
    log::info!(
        "watching {} for new or changed images",
        config.app_dir.display()
    );

    on_pass(&run_once(config, store, options).await?);
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            batch = rx.recv() => match batch {
                None => break,
                Some(Err(error)) => log::warn!("file watcher: {error}"),
                Some(Ok(events)) => {
                    if events.iter().any(|event| is_relevant(config, &event.path)) {
                        on_pass(&run_once(config, store, options).await?);
                    }
                }
            },
        }
    }
    Ok(())
}

/// Whether an event on `path` can change what a pass does: an image (by suffix), a page, or a
/// folder (moved in whole), under `appDir` and outside `backupDir` and the blacklist.
pub fn is_relevant(config: &Config, path: &Path) -> bool {
    if !path.starts_with(&config.app_dir) || scan::is_excluded(path, config) {
        return false;
    }
    let Some(relative) = scan::relative(&config.app_dir, path) else {
        return false;
    };
    scan::is_page(&relative)
        || scan::has_suffix(&relative, &config.upload_file_suffix)
        || path.is_dir()
}
