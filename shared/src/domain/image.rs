//! An identity document's picture as the request carried it: decoded bytes whose signature is a
//! PNG or JPEG. How it was encoded on the wire is the API's business (`api::document`).

use super::Violation;
use thiserror::Error;

/// The largest decoded image: two of them still fit Lambda's 6 MiB request once base64-encoded.
pub const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ImageError {
    #[error("must be a base64-encoded PNG or JPEG image")]
    Invalid,
    #[error("must be at most 2 MiB once decoded")]
    TooLarge,
}

impl Violation for ImageError {
    fn code(&self) -> &'static str {
        match self {
            ImageError::Invalid => "invalid_image",
            ImageError::TooLarge => "image_too_large",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Png,
    Jpeg,
}

impl ImageFormat {
    pub fn content_type(&self) -> &'static str {
        match self {
            ImageFormat::Png => "image/png",
            ImageFormat::Jpeg => "image/jpeg",
        }
    }

    /// The format the bytes really are, whatever the client declared.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
        if bytes.starts_with(PNG) {
            Some(Self::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else {
            None
        }
    }
}

/// A decoded image whose first bytes are a PNG or JPEG signature. Whether the rest is a usable
/// picture is the verifier's question, not a parse error.
#[derive(Clone, PartialEq, Eq)]
pub struct DocumentImage {
    bytes: Vec<u8>,
    format: ImageFormat,
}

impl std::fmt::Debug for DocumentImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "DocumentImage({:?}, {} bytes)",
            self.format,
            self.bytes.len()
        )
    }
}

impl DocumentImage {
    /// `bytes` as an image, if they fit and start with a PNG or JPEG signature (whatever the
    /// client declared).
    pub fn new(bytes: Vec<u8>) -> Result<Self, ImageError> {
        if bytes.len() > MAX_IMAGE_BYTES {
            return Err(ImageError::TooLarge);
        }
        let format = ImageFormat::sniff(&bytes).ok_or(ImageError::Invalid)?;
        Ok(Self { bytes, format })
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn format(&self) -> ImageFormat {
        self.format
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG_HEADER: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn the_bytes_say_what_an_image_is() {
        assert_eq!(
            DocumentImage::new(PNG_HEADER.to_vec()).unwrap().format(),
            ImageFormat::Png
        );
        let jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16];
        assert_eq!(
            DocumentImage::new(jpeg).unwrap().format(),
            ImageFormat::Jpeg
        );
        assert_eq!(
            DocumentImage::new(b"GIF89a....".to_vec()),
            Err(ImageError::Invalid)
        );
        assert_eq!(DocumentImage::new(Vec::new()), Err(ImageError::Invalid));
    }

    #[test]
    fn at_most_2_mib() {
        let mut big = PNG_HEADER.to_vec();
        big.resize(MAX_IMAGE_BYTES + 1, 0);
        assert_eq!(DocumentImage::new(big.clone()), Err(ImageError::TooLarge));
        big.truncate(MAX_IMAGE_BYTES);
        assert!(DocumentImage::new(big).is_ok());
    }
}
