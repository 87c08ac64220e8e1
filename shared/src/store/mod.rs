//! Persistence. The DynamoDB implementation is the only one deployed; the traits exist so the
//! use cases can be unit-tested without a server.

mod dynamo;
mod keys;

pub use dynamo::DynamoStore;

use crate::domain::{Customer, CustomerId, TenantId};
use std::future::Future;
use thiserror::Error;

/// The values that are unique per tenant, each guarded by a claim item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueField {
    Email,
    Mobile,
    IdentityDocument,
    ExternalId,
    CardNumber,
}

impl UniqueField {
    pub fn name(&self) -> &'static str {
        match self {
            UniqueField::Email => "email",
            UniqueField::Mobile => "mobile",
            UniqueField::IdentityDocument => "identity_document",
            UniqueField::ExternalId => "external_id",
            UniqueField::CardNumber => "card_number",
        }
    }

    /// The request field it comes from: the `field` of a 409.
    pub fn pointer(&self) -> &'static str {
        match self {
            UniqueField::Email => "/email",
            UniqueField::Mobile => "/mobile",
            UniqueField::IdentityDocument => "/identity_document",
            UniqueField::ExternalId => "/identifiers/external_id",
            UniqueField::CardNumber => "/identifiers/card_number",
        }
    }
}

/// One unique value a customer takes: its canonical form (lower-cased email, E.164 mobile, a
/// document's keyed hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub field: UniqueField,
    pub value: String,
}

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{} already belongs to another customer of this tenant", .0.name())]
    Taken(UniqueField),
    /// Throttling, timeouts, an unreachable endpoint: worth retrying later.
    #[error("the database is unavailable ({0})")]
    Unavailable(String),
    /// Anything retrying will not fix (misconfiguration, a bug).
    #[error("the database rejected the request ({0})")]
    Internal(String),
}

pub trait CustomerWriter {
    /// Writes the customer and its claims, all or nothing.
    fn insert(
        &self,
        tenant: &TenantId,
        customer: &Customer,
        claims: &[Claim],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

pub trait CustomerReader {
    fn get(
        &self,
        tenant: &TenantId,
        id: CustomerId,
    ) -> impl Future<Output = Result<Option<Customer>, StoreError>> + Send;
}
