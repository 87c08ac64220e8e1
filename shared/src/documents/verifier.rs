//! Checks of an identity document. [`DocumentVerifier`] is the seam for a real provider (Amazon
//! Textract AnalyzeID, a KYC vendor): it receives the document's facts and its images as they
//! sit in the staging bucket, and returns the reasons it found. [`HeaderVerifier`] is the built-in one.

use super::{ImageBucket, StagedImage, Staging, StagingError};
use crate::domain::{DocumentFacts, DocumentType, ImageFormat, VerificationReason};
use std::future::Future;
use time::Date;

pub trait DocumentVerifier: Send + Sync {
    /// Reasons the document is not plainly valid; none means verified. `Err` only when the
    /// images could not be read: that fails the request with a 503.
    fn verify(
        &self,
        facts: &DocumentFacts,
        images: &[StagedImage],
        today: Date,
    ) -> impl Future<Output = Result<Vec<VerificationReason>, StagingError>> + Send;
}

/// Smallest usable capture of an ID-1 card or passport page (either orientation).
const MIN_LONG_SIDE: usize = 600;
const MIN_SHORT_SIDE: usize = 400;

/// Reads the images back from the bucket and checks what can be checked without decoding pixels: real
/// format and dimensions from the headers, the integrity of the container (PNG chunk CRCs, the
/// JPEG end marker), the back of cards, expiry, and the number's pattern.
#[derive(Debug, Clone)]
pub struct HeaderVerifier<B> {
    staging: Staging<B>,
}

impl<B: ImageBucket> HeaderVerifier<B> {
    pub fn new(staging: Staging<B>) -> Self {
        Self { staging }
    }
}

impl<B: ImageBucket> DocumentVerifier for HeaderVerifier<B> {
    async fn verify(
        &self,
        facts: &DocumentFacts,
        images: &[StagedImage],
        today: Date,
    ) -> Result<Vec<VerificationReason>, StagingError> {
        let mut reasons = facts_reasons(facts, images, today);
        for image in images {
            let bytes = self.staging.read(image).await?;
            reasons.extend(image_reasons(&bytes, image.format));
        }
        Ok(reasons)
    }
}

/// What the document's own data says, images aside.
pub fn facts_reasons(
    facts: &DocumentFacts,
    images: &[StagedImage],
    today: Date,
) -> Vec<VerificationReason> {
    let mut reasons = Vec::new();
    match facts.expires_on {
        None => reasons.push(VerificationReason::ExpiryUnknown),
        Some(date) if date < today => reasons.push(VerificationReason::DocumentExpired),
        Some(_) => {}
    }
    if facts.doc_type.has_back() && !images.iter().any(|i| i.side == super::Side::Back) {
        reasons.push(VerificationReason::BackImageMissing);
    }
    if !number_fits(
        facts.doc_type,
        facts.country.alpha2(),
        facts.number.expose(),
    ) {
        reasons.push(VerificationReason::NumberFormatInvalid);
    }
    reasons
}

/// Known document-number patterns. Passports follow ICAO 9303 (a 9-character document number
/// field: 6 to 9 letters and digits in practice); a few countries are stricter.
fn number_fits(doc_type: DocumentType, country: &str, number: &str) -> bool {
    let alnum = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric());
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    match (doc_type, country) {
        // Letter or digit, then eight digits (next-generation books start with a letter).
        (DocumentType::Passport, "US") => {
            number.len() == 9 && alnum(&number[..1]) && digits(&number[1..])
        }
        (DocumentType::Passport, _) => (6..=9).contains(&number.len()) && alnum(number),
        _ => true,
    }
}

/// What an image's bytes say: dimensions from the header, container integrity.
pub fn image_reasons(bytes: &[u8], format: ImageFormat) -> Vec<VerificationReason> {
    let mut reasons = Vec::new();
    match imagesize::blob_size(bytes) {
        Ok(size) => {
            let (long, short) = (size.width.max(size.height), size.width.min(size.height));
            if long < MIN_LONG_SIDE || short < MIN_SHORT_SIDE {
                reasons.push(VerificationReason::ImageTooSmall);
            }
        }
        Err(_) => reasons.push(VerificationReason::ImageCorrupted),
    }
    let intact = match format {
        ImageFormat::Png => png_intact(bytes),
        ImageFormat::Jpeg => jpeg_intact(bytes),
    };
    if !intact {
        reasons.push(VerificationReason::ImageCorrupted);
    }
    reasons
}

/// Every chunk's CRC matches and the stream ends with IEND.
fn png_intact(bytes: &[u8]) -> bool {
    let mut rest = match bytes.get(8..) {
        Some(rest) => rest,
        None => return false,
    };
    loop {
        let Some(header) = rest.get(..8) else {
            return false;
        };
        let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let Some(chunk) = rest.get(4..8 + length) else {
            return false;
        };
        let Some(crc) = rest.get(8 + length..12 + length) else {
            return false;
        };
        if crc32fast::hash(chunk) != u32::from_be_bytes([crc[0], crc[1], crc[2], crc[3]]) {
            return false;
        }
        if &header[4..8] == b"IEND" {
            return true;
        }
        rest = &rest[12 + length..];
    }
}

/// A complete JPEG ends with the EOI marker (some encoders pad after it).
fn jpeg_intact(bytes: &[u8]) -> bool {
    let trimmed = bytes
        .iter()
        .rposition(|b| *b != 0)
        .map_or(&bytes[..0], |end| &bytes[..=end]);
    trimmed.ends_with(&[0xFF, 0xD9])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{jpeg, png};

    #[test]
    fn a_large_intact_png_passes() {
        assert!(image_reasons(&png(800, 500), ImageFormat::Png).is_empty());
        assert!(
            image_reasons(&png(400, 600), ImageFormat::Png).is_empty(),
            "portrait"
        );
    }

    #[test]
    fn small_and_damaged_images_need_review() {
        assert_eq!(
            image_reasons(&png(1, 1), ImageFormat::Png),
            vec![VerificationReason::ImageTooSmall]
        );
        let mut damaged = png(800, 500);
        let middle = damaged.len() / 2;
        damaged[middle] ^= 0xFF;
        assert_eq!(
            image_reasons(&damaged, ImageFormat::Png),
            vec![VerificationReason::ImageCorrupted]
        );
        let truncated = &png(800, 500)[..200];
        assert!(image_reasons(truncated, ImageFormat::Png)
            .contains(&VerificationReason::ImageCorrupted));
    }

    #[test]
    fn jpeg_dimensions_come_from_the_frame_header() {
        assert!(image_reasons(&jpeg(800, 500), ImageFormat::Jpeg).is_empty());
        assert_eq!(
            image_reasons(&jpeg(300, 200), ImageFormat::Jpeg),
            vec![VerificationReason::ImageTooSmall]
        );
    }

    #[test]
    fn jpeg_needs_its_end_marker() {
        assert!(jpeg_intact(&[0xFF, 0xD8, 0xFF, 0xE0, 0xFF, 0xD9, 0, 0]));
        assert!(!jpeg_intact(&[0xFF, 0xD8, 0xFF, 0xE0, 0x12]));
    }

    #[test]
    fn passport_number_patterns() {
        assert!(number_fits(DocumentType::Passport, "CL", "P1234567"));
        assert!(!number_fits(DocumentType::Passport, "CL", "12345"));
        assert!(!number_fits(DocumentType::Passport, "CL", "1234567890"));
        assert!(number_fits(DocumentType::Passport, "US", "A12345678"));
        assert!(!number_fits(DocumentType::Passport, "US", "AB1234567"));
        assert!(number_fits(DocumentType::NationalId, "CL", "123"));
    }
}
