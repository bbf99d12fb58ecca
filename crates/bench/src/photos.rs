//! The real photographs the bench uploads (`services/album/tests/fixtures/photos/`).
//!
//! The bench sends the same bytes through album and straight to S3, so the two figures
//! compare transports, not payloads.

use std::path::Path;

use anyhow::{Context, bail};
use bytes::Bytes;

/// Fixture photos used by the bench: JPEG and PNG, 23 KB to 270 KB (see the fixtures' README).
/// The negative fixtures (`fake.jpg`, `truncated.jpg`, `not-an-image.txt`) are left out.
pub const PHOTO_FILES: [&str; 6] = [
    "rocket.jpg",
    "retina.jpg",
    "chelsea-small.jpg",
    "chelsea.png",
    "astronaut-256.png",
    "coffee-alpha.png",
];

/// A valid 1×1 RGBA PNG (68 bytes): the photo the list-scale phase stores thousands of times,
/// so that filling an album to 20,000 images costs requests rather than disk. Album checks an
/// image by its first bytes only, the same for 68 bytes as for 5 MB.
const ONE_PIXEL_PNG: [u8; 68] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0b, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x60, 0x00, 0x02, 0x00,
    0x00, 0x05, 0x00, 0x01, 0xe9, 0xfa, 0xdc, 0xd8, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44,
    0xae, 0x42, 0x60, 0x82,
];

/// [`ONE_PIXEL_PNG`] as a photo named `pixel.png`.
pub fn one_pixel_png() -> Photo {
    Photo {
        name: "pixel.png".to_owned(),
        kind: ImageType::Png,
        bytes: Bytes::from_static(&ONE_PIXEL_PNG),
    }
}

/// Image types album accepts, with the extension album gives their keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageType {
    /// `image/jpeg`, key extension `jpg`.
    Jpeg,
    /// `image/png`, key extension `png`.
    Png,
}

impl ImageType {
    /// Detects the type from the leading magic bytes, as album does (never from the name).
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(PNG_MAGIC) {
            Some(Self::Png)
        } else {
            None
        }
    }

    /// The MIME type, e.g. `image/jpeg`.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
        }
    }

    /// The key extension album uses, without the dot.
    pub fn ext(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
        }
    }
}

/// One photo held in memory; cloning shares the bytes.
#[derive(Debug, Clone)]
pub struct Photo {
    /// File name in the fixtures folder.
    pub name: String,
    /// Type detected from the bytes.
    pub kind: ImageType,
    /// The file's bytes.
    pub bytes: Bytes,
}

/// Reads [`PHOTO_FILES`] from `dir`.
///
/// # Errors
/// A file is missing or unreadable, or its bytes are neither JPEG nor PNG.
pub fn load(dir: &Path) -> anyhow::Result<Vec<Photo>> {
    PHOTO_FILES
        .iter()
        .map(|name| {
            let path = dir.join(name);
            let bytes = std::fs::read(&path)
                .with_context(|| format!("reading fixture photo {}", path.display()))?;
            let Some(kind) = ImageType::sniff(&bytes) else {
                bail!("{} is neither JPEG nor PNG", path.display());
            };
            Ok(Photo {
                name: (*name).to_owned(),
                kind,
                bytes: Bytes::from(bytes),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixtures() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../services/album/tests/fixtures/photos")
    }

    #[test]
    fn sniff_tells_jpeg_png_and_others_apart() {
        assert_eq!(
            ImageType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(ImageType::Jpeg)
        );
        assert_eq!(
            ImageType::sniff(b"\x89PNG\r\n\x1a\n\0\0"),
            Some(ImageType::Png)
        );
        assert_eq!(ImageType::sniff(b"GIF87a"), None);
        assert_eq!(ImageType::sniff(b"\xFF\xD8"), None);
        assert_eq!(ImageType::sniff(b""), None);
    }

    #[test]
    fn the_one_pixel_png_is_a_png() {
        let photo = one_pixel_png();
        assert_eq!(ImageType::sniff(&photo.bytes), Some(ImageType::Png));
        assert!(photo.bytes.ends_with(b"IEND\xaeB`\x82"));
    }

    #[test]
    fn load_reads_every_bench_photo_with_its_type() {
        let photos = load(&fixtures()).expect("fixtures load");
        assert_eq!(photos.len(), PHOTO_FILES.len());
        for p in &photos {
            assert_eq!(p.name.rsplit('.').next(), Some(p.kind.ext()), "{}", p.name);
            assert!(
                p.bytes.len() > 20_000,
                "{} is a real photo, not a stub",
                p.name
            );
        }
    }

    #[test]
    fn negative_fixtures_do_not_sniff_as_images_except_truncated_jpeg() {
        let dir = fixtures();
        let read = |n: &str| std::fs::read(dir.join(n)).expect("fixture exists");
        assert_eq!(ImageType::sniff(&read("fake.jpg")), None);
        assert_eq!(ImageType::sniff(&read("not-an-image.txt")), None);
        assert_eq!(
            ImageType::sniff(&read("truncated.jpg")),
            Some(ImageType::Jpeg)
        );
    }
}
