//! Step 5 of a pass: moving the uploaded originals out of the package into `backupDir`.

use std::path::Path;

use super::{Options, Outcome, Report};
use crate::{config::Config, map::write_atomically};

/// Move each uploaded (or unchanged) original to `backup_dir` (same relative path).
pub(super) fn move_originals(
    config: &Config,
    backup_dir: &Path,
    options: Options,
    report: &mut Report,
) {
    for image in &mut report.images {
        if matches!(image.outcome, Outcome::Failed(_)) {
            continue;
        }
        if options.dry_run {
            image.moved = true;
            continue;
        }
        let source = config.app_dir.join(&image.path);
        let target = backup_dir.join(&image.path);
        match move_to_backup(&source, &target) {
            Ok(()) => image.moved = true,
            Err(error) => report.problems.push(format!(
                "{}: kept in the package, moving it to {} failed: {error}",
                source.display(),
                target.display()
            )),
        }
    }
}

/// Move `source` to `target`, creating folders: a rename when both are on one file system (the
/// file is in one place or the other at every instant); otherwise a copy written atomically
/// and flushed to disk, checked, and only then the removal of `source`.
fn move_to_backup(source: &Path, target: &Path) -> std::io::Result<()> {
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)?;
    }
    match std::fs::rename(source, target) {
        Ok(()) => return Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::CrossesDevices => {}
        Err(error) => return Err(error),
    }
    let bytes = std::fs::read(source)?;
    write_atomically(target, &bytes)?;
    let copied = std::fs::metadata(target)?.len();
    if copied != u64::try_from(bytes.len()).unwrap_or(u64::MAX) {
        return Err(std::io::Error::other(format!(
            "the copy has {copied} bytes, the original {}",
            bytes.len()
        )));
    }
    std::fs::remove_file(source)
}
