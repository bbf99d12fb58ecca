//! The rewrite map (`mapFile`, default `wecos.map.json`): every image wecos has uploaded, by
//! its path relative to `appDir`, with the URL written into the pages.
//!
//! It is what makes re-runs idempotent (an image whose SHA-256 matches its entry is not
//! uploaded again) and lets pages added later be pointed at images uploaded earlier, after the
//! originals have left the package. Shape (JSON, keys sorted):
//!
//! ```json
//! {"version":1,"files":{"images/a.png":{"url":"https://…/images/a.png","key":"images/a.png","sha256":"…","size":1234}}}
//! ```

use std::{
    collections::BTreeMap,
    io::Write,
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};

/// The map file's format version.
const VERSION: u32 = 1;

/// One uploaded image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The URL written into the pages (the object URL, host-swapped when `targetHost` is set).
    pub url: String,
    /// The object key.
    pub key: String,
    /// Lowercase hex SHA-256 of the file as it was in the package (before any compression).
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
}

/// File → URL of every uploaded image (see the module documentation).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewriteMap {
    version: u32,
    /// Entries by app-relative path (`/` separators).
    pub files: BTreeMap<String, Entry>,
}

/// The map file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum MapError {
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The map file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a rewrite map (hand-edited, another tool's file, another version).
    #[error("{path} is not a wecos rewrite map: {reason}")]
    Malformed {
        /// The map file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

impl RewriteMap {
    /// The map at `path`; an empty map when the file does not exist yet.
    ///
    /// # Errors
    /// [`MapError`] when it exists but cannot be read or is not a version-1 map.
    pub fn load(path: &Path) -> Result<Self, MapError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Self::default());
            }
            Err(source) => {
                return Err(MapError::Io {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        let malformed = |reason: String| MapError::Malformed {
            path: path.to_owned(),
            reason,
        };
        let map: Self = serde_json::from_str(&text).map_err(|e| malformed(e.to_string()))?;
        if map.version != VERSION {
            return Err(malformed(format!(
                "version {} (expected {VERSION})",
                map.version
            )));
        }
        Ok(map)
    }

    /// Write the map to `path` atomically (a temporary file in the same folder, then renamed
    /// over it), unless the file already holds exactly this content or the map is empty and no
    /// file exists yet (a run that uploaded nothing leaves no trace). Returns whether it wrote.
    ///
    /// # Errors
    /// [`MapError::Io`] when the folder is not writable.
    pub fn save(&self, path: &Path) -> Result<bool, MapError> {
        let io = |source| MapError::Io {
            path: path.to_owned(),
            source,
        };
        if self.files.is_empty() && !path.exists() {
            return Ok(false);
        }
        let snapshot = Self {
            version: VERSION,
            files: self.files.clone(),
        };
        let mut text =
            serde_json::to_string_pretty(&snapshot).map_err(|e| io(std::io::Error::other(e)))?;
        text.push('\n');
        if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
            return Ok(false);
        }
        write_atomically(path, text.as_bytes()).map_err(io)?;
        Ok(true)
    }

    /// The URL of the image at `relative`, if it was uploaded.
    pub fn url(&self, relative: &str) -> Option<&str> {
        self.files.get(relative).map(|entry| entry.url.as_str())
    }
}

/// Replace `path` with `contents` atomically: a temporary file next to it, flushed to disk,
/// then renamed over it. Readers see the old or the new file, never a part.
///
/// # Errors
/// The folder is missing or not writable, or the disk is full.
pub fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(folder)?;
    file.write_all(contents)?;
    file.as_file().sync_all()?;
    if let Ok(metadata) = std::fs::metadata(path) {
        // Keep the page's permissions.
        std::fs::set_permissions(file.path(), metadata.permissions())?;
    }
    file.persist(path).map_err(|error| error.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(url: &str) -> Entry {
        Entry {
            url: url.into(),
            key: "k".into(),
            sha256: "00".into(),
            size: 1,
        }
    }

    #[test]
    fn a_missing_map_is_empty_and_a_saved_one_reads_back() -> Result<(), MapError> {
        let dir = tempfile::tempdir().map_err(|source| MapError::Io {
            path: PathBuf::new(),
            source,
        })?;
        let path = dir.path().join("wecos.map.json");
        let mut map = RewriteMap::load(&path)?;
        assert!(map.files.is_empty());
        map.files
            .insert("images/图 1.png".into(), entry("https://x/1"));
        assert!(map.save(&path)?);
        assert!(!map.save(&path)?, "unchanged content is not rewritten");
        let again = RewriteMap::load(&path)?;
        assert_eq!(again.url("images/图 1.png"), Some("https://x/1"));
        assert_eq!(again.url("images/other.png"), None);
        Ok(())
    }

    #[test]
    fn a_foreign_file_is_refused_naming_it() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("map.json");
        std::fs::write(&path, r#"{"version":7,"files":{}}"#).unwrap_or_else(|e| panic!("{e}"));
        let error = RewriteMap::load(&path).err().map(|e| e.to_string());
        assert!(error.is_some_and(|e| e.contains("map.json") && e.contains("version 7")));
        std::fs::write(&path, "[1,2]").unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            RewriteMap::load(&path),
            Err(MapError::Malformed { .. })
        ));
    }
}
