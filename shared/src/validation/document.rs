use super::object::Object;
use super::{Pointer, Report};
use crate::documents::{
    parse_expiry, DocumentError, DocumentFacts, DocumentImage, DocumentNumber, DocumentType,
    IdentityDocument,
};
use crate::domain::CountryCode;
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
    let doc_type = obj
        .required_str("type", r)
        .and_then(|s| r.check(&obj.at("type"), DocumentType::parse(s)));
    let number = obj
        .required_str("number", r)
        .and_then(|s| r.check(&obj.at("number"), DocumentNumber::parse(s)));
    let country = obj
        .required_str("country", r)
        .and_then(|s| r.check(&obj.at("country"), CountryCode::parse(s)));
    let expires_on = obj.str("expires_on", r).and_then(|s| {
        let result = parse_expiry(s).and_then(|date| {
            if date < today {
                Err(DocumentError::Expired)
            } else {
                Ok(date)
            }
        });
        r.check(&obj.at("expires_on"), result)
    });
    let front_image = obj
        .required_str("front_image", r)
        .and_then(|s| r.check(&obj.at("front_image"), DocumentImage::parse(s)));
    let back_image = obj
        .str("back_image", r)
        .and_then(|s| r.check(&obj.at("back_image"), DocumentImage::parse(s)));
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
