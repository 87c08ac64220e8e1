use super::{CustomerId, Subject};
use time::OffsetDateTime;

/// What remains of an erased customer, for audit: which id was erased, when, by whom, through
/// which request. No personal data: no name, contact, identifier or document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tombstone {
    pub id: CustomerId,
    pub deleted_at: OffsetDateTime,
    /// The caller who erased it (a token's subject: the operator, not the customer).
    pub deleted_by: Subject,
    pub request_id: Option<String>,
    /// The version after the last one it erased: an erasure is a change of its own, so that a
    /// customer's change events are numbered without a gap or a tie.
    pub version: u64,
}
