//! Finding the images to upload and the pages to rewrite under `appDir`
//! (`spec/originals.md` §5.2, "Candidates").
//!
//! - Images: files whose name ends with one of `uploadFileSuffix` (ASCII case-insensitive, so
//!   `A.PNG` counts as `.png`; the original's glob was case-sensitive and left such files in the
//!   package), except blacklisted files and everything under a blacklisted folder.
//! - Pages: every `.wxml` and `.wxss` file (the original rewrote every one of them, blacklist
//!   or not).
//! - `backupDir` is skipped when it lies inside `appDir`, and symbolic links are not followed.
//!
//! Paths are returned relative to `appDir` with `/` separators, sorted. A name that is not
//! valid UTF-8 cannot be an object key or a page reference: it is reported and skipped.

use std::path::{Path, PathBuf};

use crate::config::Config;

/// What [`scan`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tree {
    /// Images to upload, app-relative.
    pub images: Vec<String>,
    /// `.wxml` / `.wxss` pages, app-relative.
    pub pages: Vec<String>,
    /// Files skipped because their names are not UTF-8.
    pub unnamed: Vec<PathBuf>,
}

/// The scan could not read the tree.
#[derive(Debug, thiserror::Error)]
#[error("cannot read {path}: {source}")]
pub struct ScanError {
    /// The file or folder that could not be read.
    pub path: PathBuf,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

/// Whether `relative` is a page wecos rewrites.
pub fn is_page(relative: &str) -> bool {
    relative.ends_with(".wxml") || relative.ends_with(".wxss")
}

/// Whether the file name `relative` ends with one of `suffixes` (ASCII case-insensitive).
pub fn has_suffix(relative: &str, suffixes: &[String]) -> bool {
    let name = relative.as_bytes();
    suffixes.iter().any(|suffix| {
        let suffix = suffix.as_bytes();
        name.len() > suffix.len()
            && name
                .get(name.len() - suffix.len()..)
                .is_some_and(|end| end.eq_ignore_ascii_case(suffix))
    })
}

/// Whether `path` (absolute, under `appDir`) is a blacklisted file or lies in a blacklisted
/// folder, or is the backup folder or inside it.
pub fn is_excluded(path: &Path, config: &Config) -> bool {
    config
        .upload_file_black_list
        .iter()
        .chain(config.backup_dir.iter())
        .any(|entry| path.starts_with(entry))
}

/// `path` relative to `app_dir` with `/` separators; `None` outside it or not UTF-8.
pub fn relative(app_dir: &Path, path: &Path) -> Option<String> {
    let rest = path.strip_prefix(app_dir).ok()?;
    let parts: Option<Vec<&str>> = rest.components().map(|c| c.as_os_str().to_str()).collect();
    let joined = parts?.join("/");
    (!joined.is_empty()).then_some(joined)
}

/// Walk `config.app_dir` (see the module documentation).
///
/// # Errors
/// [`ScanError`] naming the first file or folder that cannot be read; nothing has been changed.
pub fn scan(config: &Config) -> Result<Tree, ScanError> {
    let app_dir = &config.app_dir;
    let mut tree = Tree::default();
    let backup = config.backup_dir.as_deref();
    let walker = walkdir::WalkDir::new(app_dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| backup.is_none_or(|backup| !entry.path().starts_with(backup)));
    for entry in walker {
        let entry = entry.map_err(|error| ScanError {
            path: error.path().unwrap_or(app_dir).to_owned(),
            source: error.into(),
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let Some(relative) = relative(app_dir, entry.path()) else {
            tree.unnamed.push(entry.path().to_owned());
            continue;
        };
        if is_page(&relative) {
            tree.pages.push(relative);
        } else if has_suffix(&relative, &config.upload_file_suffix)
            && !is_excluded(entry.path(), config)
        {
            tree.images.push(relative);
        }
    }
    tree.images.sort();
    tree.pages.sort();
    Ok(tree)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_match_case_insensitively_and_need_a_name() {
        let suffixes = vec![".png".to_owned(), ".jpg".to_owned()];
        assert!(has_suffix("images/a.png", &suffixes));
        assert!(has_suffix("images/B.PNG", &suffixes));
        assert!(has_suffix("图 片.jpg", &suffixes));
        assert!(!has_suffix(".png", &suffixes));
        assert!(!has_suffix("a.pngx", &suffixes));
        assert!(!has_suffix("a.gif", &suffixes));
    }

    #[test]
    fn relative_paths_use_slashes_and_stay_inside() {
        let app = Path::new("/x/app");
        assert_eq!(
            relative(app, Path::new("/x/app/pages/a b/图.png")).as_deref(),
            Some("pages/a b/图.png")
        );
        assert_eq!(relative(app, Path::new("/x/other/a.png")), None);
        assert_eq!(relative(app, app), None);
    }

    #[test]
    fn pages_are_wxml_and_wxss() {
        assert!(is_page("pages/index/index.wxml"));
        assert!(is_page("app.wxss"));
        assert!(!is_page("app.js"));
        assert!(!is_page("app.json"));
    }
}
