use super::object::Object;
use super::{Pointer, Report};
use crate::documents::{
    parse_expiry, DocumentError, DocumentFacts, DocumentImage, DocumentNumber, IdentityDocument,
};
use crate::domain::{CountryCode, DocumentType};
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
    let front_image = obj.parse_required("front_image", r, DocumentImage::parse);
    let back_image = obj.parse("back_image", r, DocumentImage::parse);
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
