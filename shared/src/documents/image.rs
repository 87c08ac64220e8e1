use crate::domain::Violation;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use base64::Engine;
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
    /// Base64 (standard or URL-safe alphabet, line breaks allowed), optionally behind a
    /// `data:image/...;base64,` prefix.
    pub fn parse(raw: &str) -> Result<Self, ImageError> {
        let payload = match raw.trim().strip_prefix("data:") {
            Some(data_url) => data_url
                .split_once(";base64,")
                .map(|(_, payload)| payload)
                .ok_or(ImageError::Invalid)?,
            None => raw.trim(),
        };
        // Refuse before decoding what cannot fit: 4 characters carry 3 bytes.
        let significant = payload.bytes().filter(|b| !b.is_ascii_whitespace()).count();
        if significant / 4 * 3 > MAX_IMAGE_BYTES + 3 {
            return Err(ImageError::TooLarge);
        }
        let compact: String = payload
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        let bytes = STANDARD
            .decode(&compact)
            .or_else(|_| URL_SAFE.decode(&compact))
            .map_err(|_| ImageError::Invalid)?;
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
    fn decodes_plain_and_data_url_base64() {
        let encoded = STANDARD.encode(PNG_HEADER);
        assert_eq!(
            DocumentImage::parse(&encoded).unwrap().format(),
            ImageFormat::Png
        );
        let url = format!("data:image/jpeg;base64,{encoded}");
        // The declared type is ignored: the bytes are a PNG.
        assert_eq!(
            DocumentImage::parse(&url).unwrap().format(),
            ImageFormat::Png
        );
        let wrapped: String = encoded
            .chars()
            .enumerate()
            .flat_map(|(i, c)| if i % 4 == 3 { vec![c, '\n'] } else { vec![c] })
            .collect();
        assert!(DocumentImage::parse(&wrapped).is_ok());
        let jpeg = STANDARD.encode([0xFF, 0xD8, 0xFF, 0xE0, 0, 16]);
        assert_eq!(
            DocumentImage::parse(&jpeg).unwrap().format(),
            ImageFormat::Jpeg
        );
    }

    #[test]
    fn refuses_non_base64_and_non_images() {
        assert_eq!(
            DocumentImage::parse("not base64!"),
            Err(ImageError::Invalid)
        );
        assert_eq!(
            DocumentImage::parse(&STANDARD.encode(b"GIF89a....")),
            Err(ImageError::Invalid)
        );
        assert_eq!(
            DocumentImage::parse("data:image/png,abc"),
            Err(ImageError::Invalid)
        );
        assert_eq!(DocumentImage::parse(""), Err(ImageError::Invalid));
    }

    #[test]
    fn refuses_more_than_2_mib() {
        let mut big = PNG_HEADER.to_vec();
        big.resize(MAX_IMAGE_BYTES + 1, 0);
        assert_eq!(
            DocumentImage::parse(&STANDARD.encode(&big)),
            Err(ImageError::TooLarge)
        );
        big.truncate(MAX_IMAGE_BYTES);
        assert!(DocumentImage::parse(&STANDARD.encode(&big)).is_ok());
    }
}
