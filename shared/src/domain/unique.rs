//! The values that are unique per tenant. Each one a customer (or group) holds is guarded by a
//! claim item keyed by the value's canonical form, written in the same transaction as its
//! owner: that is what makes uniqueness hold under concurrency.

/// A kind of value that is unique per tenant. The order is the order in which a write's
/// claims are made, so the order in which a collision is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UniqueField {
    Email,
    Mobile,
    ExternalId,
    CardNumber,
    IdentityDocument,
    GroupName,
}

impl UniqueField {
    /// Its name in stored claims and in logs.
    pub fn name(&self) -> &'static str {
        match self {
            UniqueField::Email => "email",
            UniqueField::Mobile => "mobile",
            UniqueField::IdentityDocument => "identity_document",
            UniqueField::ExternalId => "external_id",
            UniqueField::CardNumber => "card_number",
            UniqueField::GroupName => "group_name",
        }
    }
}

/// One unique value taken: its canonical form (the email's, the E.164 mobile, a document's
/// keyed hash; docs/data-model.md lists each), which is what uniqueness compares.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Claim {
    pub field: UniqueField,
    pub value: String,
}

impl Claim {
    pub fn new(field: UniqueField, value: impl Into<String>) -> Self {
        Self {
            field,
            value: value.into(),
        }
    }
}
