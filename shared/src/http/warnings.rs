//! How warnings read to a client: a machine-readable `code`, a sentence, and the field it is
//! about. The domain only says what happened.

use crate::domain::Warning;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WarningBody {
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl From<&Warning> for WarningBody {
    fn from(warning: &Warning) -> Self {
        let (code, message, field) = match warning {
            Warning::DefaultAddressAssigned { at } => (
                "default_address_assigned",
                "no address was flagged is_default, so the first one became the default".to_owned(),
                Some(at.clone()),
            ),
            Warning::DuplicateGroupCollapsed { at } => (
                "duplicate_group_collapsed",
                "this group was already listed; it counts once".to_owned(),
                Some(at.clone()),
            ),
            Warning::DocumentNeedsReview { reasons } => {
                let reasons: Vec<&str> = reasons.iter().map(|r| r.as_str()).collect();
                (
                    "document_needs_review",
                    format!(
                        "the identity document was accepted but needs a manual review: {}",
                        reasons.join(", ")
                    ),
                    Some("/identity_document".to_owned()),
                )
            }
            Warning::SourceAccountLinked { source } => (
                "source_account_linked",
                format!(
                    "the identifiers belong to an existing customer; source {} was added to it",
                    source.as_str()
                ),
                None,
            ),
        };
        Self {
            code,
            message,
            field,
        }
    }
}
