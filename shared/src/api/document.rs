use super::object::Object;
use super::{Pointer, Report};
use crate::domain::{
    parse_expiry, CountryCode, DocumentError, DocumentFacts, DocumentImage, DocumentNumber,
    DocumentType, IdentityDocument, ImageError, MAX_IMAGE_BYTES,
};
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use base64::Engine;
use serde_json::Value;
use time::Date;

const DOCUMENT_FIELDS: &[&str] = &[
    "type",
    "number",
    "country",
    "expires_on",
    "front_image",
    "back_image",
];

/// Parses `identity_document`. Images are decoded and their real format checked here, so an
/// invalid request never reaches S3.
pub(super) fn parse_identity_document(
    value: &Value,
    at: Pointer,
    r: &mut Report,
    today: Date,
) -> Option<IdentityDocument> {
    let obj = Object::of(value, at, DOCUMENT_FIELDS, r)?;
    let errors_before = r.error_count();
    let doc_type = obj.parse_required("type", r, DocumentType::parse);
    let number = obj.parse_required("number", r, DocumentNumber::parse);
    let country = obj.parse_required("country", r, CountryCode::parse);
    let expires_on = obj.parse("expires_on", r, |s| {
        parse_expiry(s).and_then(|date| {
            if date < today {
                Err(DocumentError::Expired)
            } else {
                Ok(date)
            }
        })
    });
    let front_image = obj.parse_required("front_image", r, decode_image);
    let back_image = obj.parse("back_image", r, decode_image);
    if r.error_count() > errors_before {
        return None;
    }
    Some(IdentityDocument {
        facts: DocumentFacts {
            doc_type: doc_type?,
            number: number?,
            country: country?,
            expires_on,
        },
        front_image: front_image?,
        back_image,
    })
}

/// An image as the API takes it: base64 (standard or URL-safe alphabet, line breaks allowed),
/// optionally behind a `data:image/...;base64,` prefix.
pub fn decode_image(raw: &str) -> Result<DocumentImage, ImageError> {
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
    DocumentImage::new(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ImageFormat;

    const PNG_HEADER: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn decodes_plain_and_data_url_base64() {
        let encoded = STANDARD.encode(PNG_HEADER);
        assert_eq!(decode_image(&encoded).unwrap().format(), ImageFormat::Png);
        let url = format!("data:image/jpeg;base64,{encoded}");
        // The declared type is ignored: the bytes are a PNG.
        assert_eq!(decode_image(&url).unwrap().format(), ImageFormat::Png);
        let wrapped: String = encoded
            .chars()
            .enumerate()
            .flat_map(|(i, c)| if i % 4 == 3 { vec![c, '\n'] } else { vec![c] })
            .collect();
        assert!(decode_image(&wrapped).is_ok());
        let jpeg = URL_SAFE.encode([0xFF, 0xD8, 0xFF, 0xE0, 0, 16]);
        assert_eq!(decode_image(&jpeg).unwrap().format(), ImageFormat::Jpeg);
    }

    #[test]
    fn refuses_non_base64_and_non_images() {
        assert_eq!(decode_image("not base64!"), Err(ImageError::Invalid));
        assert_eq!(
            decode_image(&STANDARD.encode(b"GIF89a....")),
            Err(ImageError::Invalid)
        );
        assert_eq!(decode_image("data:image/png,abc"), Err(ImageError::Invalid));
        assert_eq!(decode_image(""), Err(ImageError::Invalid));
    }

    #[test]
    fn refuses_more_than_2_mib_before_decoding_it() {
        let mut big = PNG_HEADER.to_vec();
        big.resize(MAX_IMAGE_BYTES + 1, 0);
        assert_eq!(
            decode_image(&STANDARD.encode(&big)),
            Err(ImageError::TooLarge)
        );
        big.truncate(MAX_IMAGE_BYTES);
        assert!(decode_image(&STANDARD.encode(&big)).is_ok());
        let far_too_big = "A".repeat(4 * (MAX_IMAGE_BYTES / 3 + 8));
        assert_eq!(decode_image(&far_too_big), Err(ImageError::TooLarge));
    }
}
