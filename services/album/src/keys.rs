//! Object keys: the upload folder, new unique keys, and the delete route's `filepath`.
//!
//! Keys are `{folder}{ms}-{id}.{ext}` — the original `{Date.now()}-{shortid}.{ext}` under
//! `cosUploadFolder` (`spec/originals.md` §1.2). The delete route receives the URL path of an
//! image, URI-encoded; [`Folder::key_from_filepath`] turns it back into a key or refuses it with
//! the original `operation forbidden`.

use std::time::{SystemTime, UNIX_EPOCH};

use rand::{Rng, distr::Alphanumeric};
use weapp_common::uri::{UriError, decode_uri_component};

use crate::image::ImageKind;

/// Length of the random part of a key: 10 alphanumerics, ~59 bits, so two uploads in the same
/// millisecond practically never collide (shortid gave 7–14 characters).
const ID_LEN: usize = 10;

/// The configured upload folder (`cosUploadFolder`), normalised: `""` for the bucket root, else
/// `photos/` (no leading slash, one trailing slash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folder(String);

/// Why a `filepath` does not name an object the album may delete.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilepathError {
    /// `decodeURIComponent` failed: `URIError: URI malformed`.
    #[error(transparent)]
    Malformed(#[from] UriError),
    /// Outside the folder, or not a plain key (`..`, empty segments): `Error: operation forbidden`.
    #[error("operation forbidden")]
    Forbidden,
}

impl FilepathError {
    /// The JavaScript error name the original reported (`URIError` or `Error`).
    pub fn js_name(&self) -> &'static str {
        match self {
            Self::Malformed(_) => UriError::NAME,
            Self::Forbidden => "Error",
        }
    }
}

impl Folder {
    /// Normalise a configured folder (`/`, `/photos/`, `photos`, …).
    pub fn new(configured: &str) -> Self {
        let trimmed = configured.trim_matches('/');
        if trimmed.is_empty() {
            Self(String::new())
        } else {
            Self(format!("{trimmed}/"))
        }
    }

    /// The key prefix: `""` or `photos/`.
    pub fn prefix(&self) -> &str {
        &self.0
    }

    /// A new unique key for an image uploaded at `now`: `{folder}{ms}-{id}.{ext}`.
    pub fn new_key(&self, kind: ImageKind, now: SystemTime) -> String {
        let ms = now
            .duration_since(UNIX_EPOCH)
            .map(|elapsed| elapsed.as_millis())
            .unwrap_or_default();
        let id: String = rand::rng()
            .sample_iter(&Alphanumeric)
            .take(ID_LEN)
            .map(char::from)
            .collect();
        format!("{}{ms}-{id}.{}", self.0, kind.extension())
    }

    /// Whether `key` is a plain key directly or deeper inside this folder: no empty, `.` or
    /// `..` segments, no control characters.
    pub fn contains(&self, key: &str) -> bool {
        key.starts_with(&self.0)
            && key.len() > self.0.len()
            && !key.chars().any(char::is_control)
            && key
                .split('/')
                .all(|segment| !segment.is_empty() && segment != "." && segment != "..")
    }

    /// The object key named by the delete route's `filepath`.
    ///
    /// `filepath` is what the original client computes from an image URL:
    /// `'/' + url.split('/').slice(3).join('/')`, i.e. the URL path with its leading slash
    /// (`spec/originals.md` §1.2). It is URI-decoded; `url_path_prefix` — the path part of the
    /// public URL prefix, e.g. `/album` for a path-style bucket URL — is removed when present;
    /// the rest must lie inside the folder (the original's guard) and be a plain key.
    ///
    /// # Errors
    /// [`FilepathError::Malformed`] for broken `%` escapes, [`FilepathError::Forbidden`] for a
    /// path outside the folder or with `..`/empty segments.
    pub fn key_from_filepath(
        &self,
        filepath: &str,
        url_path_prefix: &str,
    ) -> Result<String, FilepathError> {
        // A signed URL's query (private buckets) or a fragment is not part of the path.
        let filepath = filepath.split(['?', '#']).next().unwrap_or_default();
        let decoded = decode_uri_component(filepath)?;
        let prefix = url_path_prefix.trim_end_matches('/');
        let path = match decoded.strip_prefix(prefix) {
            Some(rest) if !prefix.is_empty() && rest.starts_with('/') => rest,
            _ => decoded.as_str(),
        };
        let key = path.strip_prefix('/').ok_or(FilepathError::Forbidden)?;
        if self.contains(key) {
            Ok(key.to_owned())
        } else {
            Err(FilepathError::Forbidden)
        }
    }
}

impl Folder {
    /// The object key named by `reference`: an image URL as `/list` gives it (public or
    /// signed), the URL path the original client sends to delete, or a bare key.
    ///
    /// # Errors
    /// As [`Folder::key_from_filepath`].
    pub fn key_from_reference(
        &self,
        reference: &str,
        url_path_prefix: &str,
    ) -> Result<String, FilepathError> {
        if let Some((_, rest)) = reference.split_once("://") {
            let path = rest.find('/').map_or("/", |at| &rest[at..]);
            return self.key_from_filepath(path, url_path_prefix);
        }
        if reference.starts_with('/') {
            return self.key_from_filepath(reference, url_path_prefix);
        }
        if self.contains(reference) {
            Ok(reference.to_owned())
        } else {
            Err(FilepathError::Forbidden)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_is_normalised() {
        assert_eq!(Folder::new("/").prefix(), "");
        assert_eq!(Folder::new("").prefix(), "");
        assert_eq!(Folder::new("/photos/").prefix(), "photos/");
        assert_eq!(Folder::new("photos").prefix(), "photos/");
        assert_eq!(Folder::new("/a/b").prefix(), "a/b/");
    }

    #[test]
    fn new_keys_follow_the_original_pattern() {
        let at = UNIX_EPOCH + std::time::Duration::from_millis(1_700_000_000_123);
        let key = Folder::new("/photos/").new_key(ImageKind::Png, at);
        let rest = key
            .strip_prefix("photos/1700000000123-")
            .unwrap_or_default();
        assert_eq!(rest.len(), ID_LEN + 4, "{key}");
        assert!(rest.ends_with(".png"), "{key}");
        assert!(rest[..ID_LEN].chars().all(|c| c.is_ascii_alphanumeric()));
    }

    #[test]
    fn new_keys_are_unique() {
        let folder = Folder::new("/");
        let now = SystemTime::now();
        let keys: std::collections::HashSet<_> = (0..1000)
            .map(|_| folder.new_key(ImageKind::Jpeg, now))
            .collect();
        assert_eq!(keys.len(), 1000);
    }

    #[test]
    fn filepath_of_a_root_folder_image() {
        let folder = Folder::new("/");
        assert_eq!(
            folder.key_from_filepath("/1700000000000-abc.jpg", ""),
            Ok("1700000000000-abc.jpg".to_owned())
        );
    }

    #[test]
    fn filepath_is_uri_decoded() {
        let folder = Folder::new("/");
        assert_eq!(
            folder.key_from_filepath("/%E7%8C%AB%20cat.jpg", ""),
            Ok("猫 cat.jpg".to_owned())
        );
        assert_eq!(
            folder.key_from_filepath("/%E0%A4%A.jpg", ""),
            Err(FilepathError::Malformed(UriError))
        );
    }

    #[test]
    fn public_url_path_prefix_is_removed() {
        let folder = Folder::new("/photos/");
        assert_eq!(
            folder.key_from_filepath("/album/photos/1-a.png", "/album/"),
            Ok("photos/1-a.png".to_owned())
        );
        assert_eq!(
            folder.key_from_filepath("/photos/1-a.png", "/album/"),
            Ok("photos/1-a.png".to_owned())
        );
        assert_eq!(
            folder.key_from_filepath("/albumx/photos/1-a.png", "/album"),
            Err(FilepathError::Forbidden)
        );
    }

    #[test]
    fn outside_the_folder_is_forbidden() {
        let folder = Folder::new("/photos/");
        for filepath in [
            "/other/1-a.png",
            "photos/1-a.png",
            "/photos/",
            "/photos/../secret.png",
            "/photos/%2E%2E/secret.png",
            "/photos//1-a.png",
            "/photos/./1-a.png",
            "/photos/a\u{0}.png",
            "",
        ] {
            assert_eq!(
                folder.key_from_filepath(filepath, ""),
                Err(FilepathError::Forbidden),
                "{filepath:?}"
            );
        }
    }

    #[test]
    fn a_signed_urls_query_is_not_part_of_the_filepath() {
        let folder = Folder::new("/");
        assert_eq!(
            folder.key_from_filepath("/album/1-a.jpg?X-Amz-Signature=ab%2F", "/album/"),
            Ok("1-a.jpg".to_owned())
        );
    }

    #[test]
    fn references_may_be_urls_paths_or_keys() {
        let folder = Folder::new("/photos/");
        for reference in [
            "http://127.0.0.1:8333/album/photos/1-a.jpg",
            "https://h/album/photos/1-a.jpg?q-signature=x",
            "/album/photos/1-a.jpg",
            "photos/1-a.jpg",
        ] {
            assert_eq!(
                folder.key_from_reference(reference, "/album/"),
                Ok("photos/1-a.jpg".to_owned()),
                "{reference}"
            );
        }
        assert_eq!(
            folder.key_from_reference("other/1-a.jpg", "/album/"),
            Err(FilepathError::Forbidden)
        );
        assert_eq!(
            folder.key_from_reference("http://h", "/album/"),
            Err(FilepathError::Forbidden)
        );
    }

    #[test]
    fn error_names_match_javascript() {
        assert_eq!(FilepathError::Forbidden.js_name(), "Error");
        assert_eq!(FilepathError::Forbidden.to_string(), "operation forbidden");
        assert_eq!(FilepathError::Malformed(UriError).js_name(), "URIError");
        assert_eq!(
            FilepathError::Malformed(UriError).to_string(),
            "URI malformed"
        );
    }
}
