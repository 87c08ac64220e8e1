//! Persistence. The DynamoDB implementation is the only one deployed; the traits exist so the
//! use cases can be unit-tested without a server.

pub mod capacity;
mod dynamo;
mod keys;

pub use dynamo::DynamoStore;

use crate::domain::{Customer, CustomerGroup, CustomerId, GroupId, TenantId};
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
    GroupName,
}

impl UniqueField {
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

    /// The request field it comes from: the `field` of a 409.
    pub fn pointer(&self) -> &'static str {
        match self {
            UniqueField::Email => "/email",
            UniqueField::Mobile => "/mobile",
            UniqueField::IdentityDocument => "/identity_document",
            UniqueField::ExternalId => "/identifiers/external_id",
            UniqueField::CardNumber => "/identifiers/card_number",
            UniqueField::GroupName => "/name",
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
    /// The record changed since it was read (its version moved on): read again and retry.
    #[error("the record changed concurrently")]
    Stale,
    /// Customer groups that do not exist in the tenant (checked in the same transaction).
    #[error("unknown customer groups")]
    UnknownGroups(Vec<GroupId>),
    /// Throttling, timeouts, an unreachable endpoint: worth retrying later.
    #[error("the database is unavailable ({0})")]
    Unavailable(String),
    /// Anything retrying will not fix (misconfiguration, a bug).
    #[error("the database rejected the request ({0})")]
    Internal(String),
}

pub trait CustomerWriter {
    /// Writes the customer and its claims, all or nothing, provided every group in
    /// `customer.details.groups` exists in the tenant at that moment.
    fn insert(
        &self,
        tenant: &TenantId,
        customer: &Customer,
        claims: &[Claim],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

pub trait SourceLinker {
    /// Who owns each of `claims` now (`None`: free), read strongly consistently.
    fn claim_owners(
        &self,
        tenant: &TenantId,
        claims: &[Claim],
    ) -> impl Future<Output = Result<Vec<Option<CustomerId>>, StoreError>> + Send;

    /// Adds `account` to `customer` and claims `free` for it, all or nothing, provided the
    /// customer is still at the version it was read at (`Stale` otherwise) and each claim is
    /// still free (`Taken` otherwise).
    fn link_source(
        &self,
        tenant: &TenantId,
        customer: &Customer,
        account: &crate::domain::SourceAccount,
        free: &[Claim],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

pub trait CustomerReader {
    fn get(
        &self,
        tenant: &TenantId,
        id: CustomerId,
    ) -> impl Future<Output = Result<Option<Customer>, StoreError>> + Send;
}

/// One page of a listing: the items and, if there are more, where the next page starts (the
/// store's own key, to be wrapped in a signed cursor before it reaches a client).
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<std::collections::BTreeMap<String, String>>,
}

pub trait GroupStore {
    /// Writes the group and its name claim, all or nothing.
    fn insert_group(
        &self,
        tenant: &TenantId,
        group: &CustomerGroup,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The tenant's groups, oldest first, from `start` (a previous page's `next`).
    fn list_groups(
        &self,
        tenant: &TenantId,
        limit: u32,
        start: Option<std::collections::BTreeMap<String, String>>,
    ) -> impl Future<Output = Result<Page<CustomerGroup>, StoreError>> + Send;
}
