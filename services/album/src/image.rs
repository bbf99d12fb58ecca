//! The two image kinds the album accepts, recognised from their bytes.
//!
//! The original checked the first 262 bytes with `file-type` and accepted only `image/jpeg` and
//! `image/png`, whatever the file name or declared type (`spec/originals.md` §1.2). We sniff with
//! the `infer` crate over the same window.

/// How many leading bytes the sniffer needs (file-type's `minimumBytes`).
pub const SNIFF_LEN: usize = 262;

/// JPEG or PNG.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    /// `image/jpeg`, stored as `.jpg`.
    Jpeg,
    /// `image/png`, stored as `.png`.
    Png,
}

impl ImageKind {
    /// Recognise JPEG or PNG from the first bytes of a file (at most [`SNIFF_LEN`] are looked
    /// at); `None` for anything else, including too few bytes to tell.
    pub fn sniff(head: &[u8]) -> Option<Self> {
        let head = &head[..head.len().min(SNIFF_LEN)];
        match infer::get(head)?.mime_type() {
            "image/jpeg" => Some(Self::Jpeg),
            "image/png" => Some(Self::Png),
            _ => None,
        }
    }

    /// The kind a MIME type names (`image/jpeg`, `image/png`, parameters ignored).
    pub fn from_mime(mime: &str) -> Option<Self> {
        let essence = mime.split(';').next().unwrap_or_default().trim();
        if essence.eq_ignore_ascii_case("image/jpeg") {
            Some(Self::Jpeg)
        } else if essence.eq_ignore_ascii_case("image/png") {
            Some(Self::Png)
        } else {
            None
        }
    }

    /// The kind an object key's extension names: `.jpg` or `.png`, case-insensitive — the
    /// original list filter (`spec/originals.md` §1.2).
    pub fn from_key(key: &str) -> Option<Self> {
        let (_, extension) = key.rsplit_once('.')?;
        if extension.eq_ignore_ascii_case("jpg") {
            Some(Self::Jpeg)
        } else if extension.eq_ignore_ascii_case("png") {
            Some(Self::Png)
        } else {
            None
        }
    }

    /// The MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
        }
    }

    /// The file extension of new keys, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_jpeg_and_png_magic_bytes() {
        assert_eq!(
            ImageKind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F']),
            Some(ImageKind::Jpeg)
        );
        assert_eq!(
            ImageKind::sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some(ImageKind::Png)
        );
    }

    #[test]
    fn refuses_other_formats_and_text() {
        assert_eq!(ImageKind::sniff(b"GIF89a\x01\0\x01\0"), None);
        assert_eq!(ImageKind::sniff(b"hello, this is not an image"), None);
        assert_eq!(ImageKind::sniff(b""), None);
        assert_eq!(ImageKind::sniff(&[0xFF]), None);
    }

    #[test]
    fn key_extension_is_case_insensitive() {
        assert_eq!(ImageKind::from_key("a/b.JPG"), Some(ImageKind::Jpeg));
        assert_eq!(ImageKind::from_key("1-x.png"), Some(ImageKind::Png));
        assert_eq!(ImageKind::from_key("1-x.jpeg"), None);
        assert_eq!(ImageKind::from_key("png"), None);
    }

    #[test]
    fn mime_parameters_are_ignored() {
        assert_eq!(
            ImageKind::from_mime("image/PNG; charset=binary"),
            Some(ImageKind::Png)
        );
        assert_eq!(ImageKind::from_mime("image/gif"), None);
    }
}
