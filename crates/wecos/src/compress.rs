//! `compress: true` (`spec/originals.md` §5.2): recompress JPEG and PNG before upload.
//!
//! The original uploaded the image, downloaded `?imageView2/q/70` from the retired 万象优图
//! image service and uploaded that over it. Here the `image` crate does it locally, once:
//! JPEG is re-encoded at quality 70 (the original's `q/70`), PNG losslessly with the best
//! deflate level and adaptive filters. The smaller of the original and the recompressed bytes
//! is uploaded, so compression never makes an image bigger. Other formats (GIF, WebP, …) and
//! files the decoder refuses are uploaded unchanged. The backup keeps the original bytes.
//!
//! Re-encoding a JPEG drops its metadata (EXIF, orientation included), as the image service
//! did.

use std::io::Cursor;

use image::{
    ImageFormat,
    codecs::{
        jpeg::JpegEncoder,
        png::{CompressionType, FilterType, PngEncoder},
    },
};

/// JPEG quality of recompressed images (the original's `imageView2/q/70`).
pub const JPEG_QUALITY: u8 = 70;

/// The bytes to upload for an image whose file contents are `original`: recompressed when
/// that is smaller, else `None` (upload the original).
pub fn compress(original: &[u8]) -> Option<Vec<u8>> {
    let format = image::guess_format(original).ok()?;
    let mut out = Vec::with_capacity(original.len());
    match format {
        ImageFormat::Jpeg => {
            let image = image::load_from_memory_with_format(original, format).ok()?;
            // JPEG has no alpha channel: encode RGB (or luma) as stored.
            let image = if image.color().has_alpha() {
                image::DynamicImage::ImageRgb8(image.to_rgb8())
            } else {
                image
            };
            image
                .write_with_encoder(JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY))
                .ok()?;
        }
        ImageFormat::Png => {
            let image = image::load_from_memory_with_format(original, format).ok()?;
            let encoder = PngEncoder::new_with_quality(
                Cursor::new(&mut out),
                CompressionType::Best,
                FilterType::Adaptive,
            );
            image.write_with_encoder(encoder).ok()?;
        }
        _ => return None,
    }
    (out.len() < original.len()).then_some(out)
}

#[cfg(test)]
mod tests {
    use image::{DynamicImage, Rgb, RgbImage};

    use super::*;

    /// A noisy-ish gradient, encoded as `format` with the crate's defaults.
    fn sample(format: ImageFormat) -> Vec<u8> {
        let image = RgbImage::from_fn(96, 64, |x, y| {
            let v = u8::try_from((x * 7 + y * 13) % 256).unwrap_or(0);
            Rgb([v, v.wrapping_mul(3), 255 - v])
        });
        let mut out = Cursor::new(Vec::new());
        match format {
            ImageFormat::Jpeg => DynamicImage::ImageRgb8(image)
                .write_with_encoder(JpegEncoder::new_with_quality(&mut out, 100))
                .unwrap_or_else(|e| panic!("{e}")),
            _ => DynamicImage::ImageRgb8(image)
                .write_with_encoder(PngEncoder::new_with_quality(
                    &mut out,
                    CompressionType::Fast,
                    FilterType::NoFilter,
                ))
                .unwrap_or_else(|e| panic!("{e}")),
        }
        out.into_inner()
    }

    #[test]
    fn jpeg_at_full_quality_gets_smaller_and_stays_a_jpeg() {
        let original = sample(ImageFormat::Jpeg);
        let smaller = compress(&original).unwrap_or_default();
        assert!(!smaller.is_empty() && smaller.len() < original.len());
        assert_eq!(image::guess_format(&smaller).ok(), Some(ImageFormat::Jpeg));
    }

    #[test]
    fn png_is_recompressed_losslessly() {
        let original = sample(ImageFormat::Png);
        let smaller = compress(&original).unwrap_or_default();
        assert!(!smaller.is_empty() && smaller.len() < original.len());
        let before = image::load_from_memory(&original).map(|i| i.to_rgb8());
        let after = image::load_from_memory(&smaller).map(|i| i.to_rgb8());
        assert_eq!(before.ok(), after.ok(), "same pixels");
    }

    #[test]
    fn other_or_broken_files_are_left_alone() {
        assert_eq!(compress(b"GIF89a\x01\x00\x01\x00"), None);
        assert_eq!(compress(b"not an image"), None);
        let mut truncated = sample(ImageFormat::Png);
        truncated.truncate(40);
        assert_eq!(compress(&truncated), None);
    }
}
