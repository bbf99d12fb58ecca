//! One pass over the package (`spec/originals.md` §5.2): upload, rewrite, back up, remove.
//!
//! The order keeps the package consistent whatever fails, and each step is taken only when
//! the one before it succeeded:
//!
//! 1. **Host replacement** (when `replaceHost` and `targetHost` are set): page values starting
//!    with `replaceHost` now start with `targetHost`.
//! 2. **Scan** the tree ([`crate::scan`]); an unreadable folder stops the run before anything
//!    changed.
//! 3. **Upload** each image whose SHA-256 differs from its rewrite-map entry (an unchanged one
//!    is not uploaded again), `concurrency` at a time, recompressed first when `compress` is
//!    set. The rewrite map is saved.
//! 4. **Rewrite** every page: a `src` that resolves to an uploaded image (this run or an
//!    earlier one) becomes its URL. Pages are replaced atomically.
//! 5. **Back up and remove**: with a `backupDir`, each uploaded original moves there (same
//!    relative path) — only when every page was rewritten. A rename where possible, so the file
//!    is always in one place or the other; across file systems a copy flushed to disk first,
//!    and the original removed only after its backup exists. Without a `backupDir`, originals
//!    stay and nothing is copied.
//!
//! A failed upload leaves that image's references and file untouched; the run goes on with the
//! others and reports the failure (a non-zero exit in the CLI).

mod backup;
mod upload;

use std::sync::Arc;

use futures_util::{StreamExt, stream};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::{
    config::Config,
    map::{RewriteMap, write_atomically},
    rewrite, scan,
    store::Store,
};
use backup::move_originals;
use upload::{Uploaded, plan_uploads, upload};

/// How a pass runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Plan only: upload, write, copy and remove nothing (`--dry-run`).
    pub dry_run: bool,
    /// Draw a progress bar on stderr (only when it is a terminal).
    pub progress: bool,
}

/// What happened to one image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Uploaded now (or, in a dry run, would be): `bytes` were sent (after compression).
    Uploaded {
        /// Bytes sent.
        bytes: u64,
    },
    /// Already uploaded with the same contents: not uploaded again.
    Unchanged,
    /// The upload (or reading the file) failed: its references and file were left alone.
    Failed(String),
}

/// One image of the pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageReport {
    /// App-relative path.
    pub path: String,
    /// The URL the pages now use.
    pub url: String,
    /// What happened.
    pub outcome: Outcome,
    /// Whether the original was copied to `backupDir` and removed from the package.
    pub moved: bool,
}

/// What a pass did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Every image found, in path order.
    pub images: Vec<ImageReport>,
    /// Pages changed, with the number of values changed in each (host replacement included).
    pub pages: Vec<(String, usize)>,
    /// Problems that did not stop the pass: pages or backups that could not be written, files
    /// skipped for their names.
    pub problems: Vec<String>,
    /// Whether the rewrite map was written.
    pub map_written: bool,
}

impl Report {
    /// Images uploaded in this pass.
    pub fn uploaded(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Uploaded { .. }))
    }

    /// Images skipped as already uploaded and unchanged.
    pub fn unchanged(&self) -> usize {
        self.count(|o| *o == Outcome::Unchanged)
    }

    /// Images whose upload failed.
    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Failed(_)))
    }

    /// Whether everything succeeded.
    pub fn is_clean(&self) -> bool {
        self.failed() == 0 && self.problems.is_empty()
    }

    fn count(&self, which: impl Fn(&Outcome) -> bool) -> usize {
        self.images.iter().filter(|i| which(&i.outcome)).count()
    }
}

/// Why a pass could not run at all (nothing has been changed).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The tree could not be read.
    #[error(transparent)]
    Scan(#[from] scan::ScanError),
    /// The rewrite map could not be read or written.
    #[error(transparent)]
    Map(#[from] crate::map::MapError),
}

/// One pass over the package (see the module documentation).
///
/// # Errors
/// [`RunError`] when the tree or the rewrite map cannot be read, or the map cannot be saved
/// after uploading (pages and originals are then left as they were). Failed uploads and
/// unwritable pages are not errors: they are in the [`Report`].
pub async fn run_once(
    config: &Config,
    store: &Store,
    options: Options,
) -> Result<Report, RunError> {
    let mut report = Report::default();
    let mut map = RewriteMap::load(&config.map_file)?;
    let tree = scan::scan(config)?;
    for path in &tree.unnamed {
        report.problems.push(format!(
            "{}: the name is not UTF-8, skipped",
            path.display()
        ));
    }

    // 1. Host replacement (a start-up step in the original; idempotent, so every pass).
    let mut page_changes: Vec<(String, usize)> = Vec::new();
    if !config.replace_host.is_empty() && !config.target_host.is_empty() {
        for page in &tree.pages {
            let file = config.app_dir.join(page);
            match std::fs::read_to_string(&file) {
                Ok(text) => {
                    let replaced =
                        rewrite::replace_host(&text, &config.replace_host, &config.target_host);
                    if replaced.replaced > 0 {
                        if !options.dry_run
                            && let Err(error) = write_atomically(&file, replaced.text.as_bytes())
                        {
                            report.problems.push(format!("{}: {error}", file.display()));
                            continue;
                        }
                        page_changes.push((page.clone(), replaced.replaced));
                    }
                }
                Err(error) => report.problems.push(format!("{}: {error}", file.display())),
            }
        }
    }

    // 3. Upload what is new or changed.
    let jobs = plan_uploads(config, &map, &tree.images, &mut report);
    let progress = progress_bar(options.progress, jobs.len());
    let store = Arc::new(store.clone());
    let results: Vec<(usize, Uploaded)> = stream::iter(jobs)
        .map(|job| {
            let (store, progress) = (Arc::clone(&store), progress.clone());
            async move {
                let result = upload(config, &store, &job, options.dry_run).await;
                progress.inc(1);
                (job.index, result)
            }
        })
        .buffer_unordered(config.concurrency.max(1))
        .collect()
        .await;
    progress.finish_and_clear();
    for (index, result) in results {
        let Some(image) = report.images.get_mut(index) else {
            continue;
        };
        match result {
            Ok((entry, sent)) => {
                image.url.clone_from(&entry.url);
                image.outcome = Outcome::Uploaded { bytes: sent };
                map.files.insert(image.path.clone(), entry);
            }
            Err(error) => image.outcome = Outcome::Failed(error),
        }
    }
    if !options.dry_run {
        report.map_written = map.save(&config.map_file)?;
    }

    // 4. Point the pages at the uploaded images (only those whose upload succeeded are in the
    //    map), then 5. move the originals out.
    let pages_ok = rewrite_pages(
        config,
        &map,
        &tree.pages,
        options,
        &mut page_changes,
        &mut report,
    );
    merge_page_changes(&mut report, page_changes);
    if let Some(backup_dir) = &config.backup_dir {
        if pages_ok {
            move_originals(config, backup_dir, options, &mut report);
        } else {
            report
                .problems
                .push("originals kept in the package: not every page could be rewritten".into());
        }
    }
    Ok(report)
}

/// Rewrite every page against `map`; false when a page could not be read or written.
fn rewrite_pages(
    config: &Config,
    map: &RewriteMap,
    pages: &[String],
    options: Options,
    changes: &mut Vec<(String, usize)>,
    report: &mut Report,
) -> bool {
    let url_for = |relative: &str| map.url(relative).map(str::to_owned);
    let mut all_ok = true;
    for page in pages {
        let file = config.app_dir.join(page);
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(error) => {
                report.problems.push(format!("{}: {error}", file.display()));
                all_ok = false;
                continue;
            }
        };
        let rewritten = rewrite::rewrite_image_sources(&text, page, &url_for);
        if rewritten.replaced == 0 {
            continue;
        }
        if !options.dry_run
            && let Err(error) = write_atomically(&file, rewritten.text.as_bytes())
        {
            report.problems.push(format!("{}: {error}", file.display()));
            all_ok = false;
            continue;
        }
        changes.push((page.clone(), rewritten.replaced));
    }
    all_ok
}

/// Sum the changes per page (host replacement and image rewriting) into the report.
fn merge_page_changes(report: &mut Report, changes: Vec<(String, usize)>) {
    let mut merged: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for (page, count) in changes {
        *merged.entry(page).or_default() += count;
    }
    report.pages = merged.into_iter().collect();
}

fn progress_bar(enabled: bool, len: usize) -> ProgressBar {
    if !enabled || len == 0 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(
        Some(u64::try_from(len).unwrap_or(u64::MAX)),
        ProgressDrawTarget::stderr(),
    );
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} uploading {pos}/{len} [{bar:30}] {per_sec} {eta}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// The app-relative paths of `report`'s images whose upload failed, with the reason.
pub fn failures(report: &Report) -> Vec<(&str, &str)> {
    report
        .images
        .iter()
        .filter_map(|image| match &image.outcome {
            Outcome::Failed(reason) => Some((image.path.as_str(), reason.as_str())),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests;
