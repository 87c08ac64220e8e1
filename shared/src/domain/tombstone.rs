use super::{CustomerId, Subject};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// What remains of an erased customer, for audit: which id was erased, when, by whom, through
/// which request. No personal data: no name, contact, identifier or document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tombstone {
    pub id: CustomerId,
    #[serde(with = "time::serde::rfc3339")]
    pub deleted_at: OffsetDateTime,
    /// The caller who erased it (a token's subject: the operator, not the customer).
    pub deleted_by: Subject,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}
