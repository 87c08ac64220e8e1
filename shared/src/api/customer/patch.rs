//! A `PATCH /customers/{id}` body: a JSON Merge Patch (RFC 7396) of the customer as GET returns
//! it, plus the create's national-mobile hints beside `mobile`. The merged customer must pass
//! every rule of the create, reported at the same pointers, all at once.

use super::{parse_customer, CustomerInput};
use crate::api::document::parse_identity_document;
use crate::api::merge::merge_patch;
use crate::api::{Parsed, Pointer, Report, ValidationErrors};
use crate::domain::IdentityDocument;
use crate::domain::{CustomerDetails, GroupId};
use serde_json::{Map, Value};
use time::Date;

/// What a client may change, by the names GET shows.
const WRITABLE: &[&str] = &[
    "first_name",
    "last_name",
    "email",
    "mobile",
    "country",
    "gender",
    "birthday",
    "status",
    "addresses",
    "company",
    "notes",
    "metadata",
    "newsletter",
    "identifiers",
    "groups",
    "identity_document",
];

/// How to read a national `mobile`, as on create.
const MOBILE_HINTS: &[&str] = &["mobile_country", "mobile_code_country"];

/// What the server owns, or what belongs to registration.
const READ_ONLY: &[&str] = &[
    "id",
    "version",
    "created_at",
    "updated_at",
    "created_by",
    "sources",
    "source",
];

/// Fields that always have a value; `first_name`'s absence is the create's own `required`.
const NOT_NULLABLE: &[&str] = &["status", "newsletter"];

/// What a patch does to the identity document.
#[derive(Debug, Clone)]
pub enum DocumentPatch {
    Keep,
    Remove,
    /// A new document, to be checked exactly as on create.
    Replace(IdentityDocument),
}

#[derive(Debug, Clone)]
pub struct CustomerPatch {
    /// The customer's details once patched.
    pub details: CustomerDetails,
    pub document: DocumentPatch,
    /// Where each group of `details.groups` was given.
    pub group_pointers: Vec<(GroupId, String)>,
}

/// Applies `patch` to `current` (the customer's details as GET shows them) and parses the
/// result. `today` (UTC) bounds the birthday and a new document's expiry.
pub fn parse_customer_patch(
    current: Map<String, Value>,
    patch: &Map<String, Value>,
    today: Date,
) -> Result<Parsed<CustomerPatch>, ValidationErrors> {
    let mut report = Report::default();
    let r = &mut report;
    let root = Pointer::root();
    for key in patch.keys() {
        if READ_ONLY.contains(&key.as_str()) {
            r.error(
                &root.key(key),
                "read_only_field",
                "is set by the server or at registration, and cannot be changed",
            );
        } else if !WRITABLE.contains(&key.as_str()) && !MOBILE_HINTS.contains(&key.as_str()) {
            r.error(
                &root.key(key),
                "unknown_field",
                "is not a field of this object",
            );
        }
    }
    for key in NOT_NULLABLE {
        if patch.get(*key).is_some_and(Value::is_null) {
            r.error(&root.key(key), "required", "cannot be cleared");
        }
    }
    let present = |key: &str| patch.get(key).is_some_and(|v| !v.is_null());
    for hint in MOBILE_HINTS {
        if present(hint) && !present("mobile") {
            r.error(
                &root.key(hint),
                "conflicting_value",
                "reads a national mobile: send it together with mobile",
            );
        }
    }

    let mut merged = current;
    let changes: Map<String, Value> = patch
        .iter()
        .filter(|(key, value)| {
            WRITABLE.contains(&key.as_str())
                && key.as_str() != "identity_document"
                && !(NOT_NULLABLE.contains(&key.as_str()) && value.is_null())
        })
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    merge_patch(&mut merged, &changes);
    // Hints read the patch's mobile only; without one they were refused above.
    for hint in MOBILE_HINTS.iter().filter(|_| present("mobile")) {
        if let Some(value) = patch.get(*hint).filter(|v| !v.is_null()) {
            merged.insert((*hint).to_owned(), value.clone());
        }
    }
    let customer = parse_customer(&merged, today, r);
    let document = match patch.get("identity_document") {
        None => Some(DocumentPatch::Keep),
        Some(Value::Null) => Some(DocumentPatch::Remove),
        Some(value) => parse_identity_document(value, root.key("identity_document"), r, today)
            .map(DocumentPatch::Replace),
    };
    let value = match (customer, document) {
        (
            Some(CustomerInput {
                details,
                group_pointers,
                ..
            }),
            Some(document),
        ) if !r.has_errors() => Some(CustomerPatch {
            details,
            document,
            group_pointers,
        }),
        _ => None,
    };
    report.finish(value)
}
