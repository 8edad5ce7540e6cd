//! Images that work but cost the reader: wider than the mail's column (it is
//! scaled down, but every reader downloads the pixels nobody sees) or
//! heavier than about 200 KB (slow on a phone's connection). The width is
//! read from the image's own header (`imagesize`), the weight from
//! `Content-Length` or the bytes received.

use crate::domain::language::Language;
use crate::domain::texts::tr;
use crate::render::markdown::COLUMN_PX;

/// Heavier than this is slow to load on a phone.
pub const HEAVY_BYTES: u64 = 200 * 1024;
/// Enough of the start of any common image format to find its size.
pub const HEADER_BYTES: usize = 64 * 1024;
/// An image is read no further than this: its weight is known to be too much.
pub const READ_AT_MOST: u64 = 4 * 1024 * 1024;

/// What was measured of one image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageFacts {
    /// None when the image's header could not be read.
    pub width: Option<u32>,
    /// At least this many bytes (exact unless [`READ_AT_MOST`] was reached
    /// without a `Content-Length`).
    pub bytes: u64,
}

impl ImageFacts {
    /// From the first bytes of the image and its weight.
    pub fn measure(start: &[u8], bytes: u64) -> Self {
        let width = imagesize::blob_size(start)
            .ok()
            .and_then(|s| u32::try_from(s.width).ok());
        Self { width, bytes }
    }

    pub fn too_heavy(&self) -> bool {
        self.bytes > HEAVY_BYTES
    }

    /// Wider than the column; an image made for sharp screens (at most
    /// twice the column) that is also light enough costs nothing and is
    /// left alone.
    pub fn too_wide(&self) -> bool {
        self.width
            .is_some_and(|w| w > COLUMN_PX && (w > 2 * COLUMN_PX || self.too_heavy()))
    }

    /// What to tell the editor, if anything.
    pub fn warning(&self, lang: Language, url: &str) -> Option<String> {
        let kb = self.bytes.div_ceil(1024);
        match (self.too_wide(), self.too_heavy()) {
            (false, false) => None,
            (true, heavy) => {
                let width = self.width.unwrap_or_default();
                let mut said = tr!(
                    lang,
                    "links.image_wide",
                    url = url,
                    width = width,
                    column = COLUMN_PX,
                    sharp = 2 * COLUMN_PX
                );
                if heavy {
                    said.push(' ');
                    said.push_str(&tr!(lang, "links.image_heavy_too", kb = kb));
                }
                Some(said)
            }
            (false, true) => Some(tr!(lang, "links.image_heavy", url = url, kb = kb)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(width: u32, bytes: u64) -> ImageFacts {
        ImageFacts {
            width: Some(width),
            bytes,
        }
    }

    #[test]
    fn wide_or_heavy_images_are_told_and_sharp_light_ones_are_not() {
        assert!(!facts(552, 100_000).too_wide());
        assert!(!facts(1104, 150_000).too_wide(), "sharp-screen size, light");
        assert!(facts(1104, 300_000).too_wide(), "sharp-screen size, heavy");
        assert!(facts(1200, 50_000).too_wide());
        assert!(facts(400, 250_000).too_heavy());
        assert!(!facts(400, 200 * 1024).too_heavy());
        assert_eq!(facts(552, 100_000).warning(Language::Nl, "x"), None);
        let said = facts(1200, 300 * 1024)
            .warning(Language::Nl, "https://kus.example.nl/foto.png")
            .expect("a warning");
        assert!(
            said.contains("1200") && said.contains("552") && said.contains("300 KB"),
            "{said}"
        );
    }

    #[test]
    fn the_width_is_read_from_the_image_itself() {
        // A PNG header: signature, IHDR of 1200 × 600.
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&1200u32.to_be_bytes());
        png.extend_from_slice(&600u32.to_be_bytes());
        png.extend_from_slice(&[8, 2, 0, 0, 0]);
        assert_eq!(ImageFacts::measure(&png, 10).width, Some(1200));
        assert_eq!(ImageFacts::measure(b"fine\n", 5).width, None);
    }
}
