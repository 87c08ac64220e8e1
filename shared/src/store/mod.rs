//! Persistence behind one small trait per capability. [`DynamoStore`] is the only
//! implementation deployed; `testing::MemoryStore` (feature `test-support`) implements the same
//! traits in memory for the use cases' unit tests, with the behaviour they rely on: a claim
//! that is taken fails the write, a version that moved on is `Stale`, pages follow each other.

mod dynamo;
mod keys;

pub use dynamo::DynamoStore;

use crate::domain::{
    Claim, Customer, CustomerGroup, CustomerId, GroupId, SourceAccount, TenantId, Tombstone,
    UniqueField,
};
use crate::use_cases::idempotency::{IdempotencyRecord, Receipt};
use std::collections::BTreeMap;
use std::future::Future;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StoreError {
    #[error("{} already belongs to another record of this tenant", .0.name())]
    Taken(UniqueField),
    /// The record changed since it was read (its version moved on): read again and retry.
    #[error("the record changed concurrently")]
    Stale,
    /// Customer groups that do not exist in the tenant (checked in the same transaction).
    #[error("unknown customer groups")]
    UnknownGroups(Vec<GroupId>),
    /// The write's idempotency key already has a live record: an earlier request with the key
    /// was done (read the record to answer).
    #[error("the idempotency key already has a record")]
    AlreadyRecorded,
    /// Concurrent writers kept winning for longer than a request may wait: the client may
    /// retry at once; nothing was written.
    #[error("concurrent writes kept conflicting")]
    Contended,
    /// Throttling, timeouts, an unreachable endpoint: worth retrying later.
    #[error("the database is unavailable ({0})")]
    Unavailable(String),
    /// Anything retrying will not fix (misconfiguration, a bug).
    #[error("the database rejected the request ({0})")]
    Internal(String),
}

/// Every write below takes an optional `receipt`: the record of a keyed request, written in
/// the same transaction on condition that its key has no live record (`AlreadyRecorded`
/// otherwise, reported before any other failed condition).
pub trait IdempotencyStore {
    /// The record at `scope` in `tenant`, read strongly consistently (live or not).
    fn recorded(
        &self,
        tenant: &TenantId,
        scope: &str,
    ) -> impl Future<Output = Result<Option<IdempotencyRecord>, StoreError>> + Send;

    /// Writes a record alone: a keyed request that succeeded without writing anything else.
    fn record(
        &self,
        tenant: &TenantId,
        receipt: &Receipt,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

pub trait CustomerWriter {
    /// Writes the customer and its claims, all or nothing, provided every claim is free
    /// (`Taken` with the first taken field otherwise) and every group in
    /// `customer.details.groups` exists in the tenant at that moment (`UnknownGroups`, which
    /// is reported before any taken value).
    fn insert(
        &self,
        tenant: &TenantId,
        customer: &Customer,
        claims: &[Claim],
        receipt: Option<&Receipt>,
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
    /// still free (`Taken` otherwise). The customer's new version is one more, and its
    /// `updated_at` the account's `created_at`.
    fn link_source(
        &self,
        tenant: &TenantId,
        customer: &Customer,
        account: &SourceAccount,
        free: &[Claim],
        receipt: Option<&Receipt>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

pub trait CustomerReader {
    /// A customer of `tenant`, read strongly consistently; `None` when there is none (or it
    /// belongs to another tenant).
    fn get(
        &self,
        tenant: &TenantId,
        id: CustomerId,
    ) -> impl Future<Output = Result<Option<Customer>, StoreError>> + Send;
}

pub trait CustomerFinder {
    /// The customer holding `claim` (through its own field, a source account or its document),
    /// read strongly consistently: a customer created or changed a moment ago is found with
    /// its latest values, an erased one is not.
    fn find(
        &self,
        tenant: &TenantId,
        claim: &Claim,
    ) -> impl Future<Output = Result<Option<Customer>, StoreError>> + Send;

    /// A page of the tenant's customers, newest first (by `created_at`, then id), from
    /// `start` (a previous page's `next`). The customers are read strongly consistently, so
    /// an erased one never appears; the index that orders them may lag a write by about a
    /// second, so a customer created a moment ago may be missing. A page may hold fewer than
    /// `limit` customers (some erased meanwhile) and still have a next one.
    fn list(
        &self,
        tenant: &TenantId,
        limit: u32,
        start: Option<PageKey>,
    ) -> impl Future<Output = Result<Page<Customer>, StoreError>> + Send;
}

pub trait CustomerUpdater {
    /// Writes `revised` in place of the customer, all or nothing, provided the stored
    /// customer is still at `previous_version` (`Stale` otherwise), each of `take` is free
    /// (`Taken` with its field), each of `release` is still this customer's (it is deleted;
    /// `Stale` otherwise) and each of `new_groups` exists (`UnknownGroups`).
    fn replace(
        &self,
        tenant: &TenantId,
        previous_version: u64,
        revised: &Customer,
        changes: &ClaimChanges,
        new_groups: &[GroupId],
        receipt: Option<&Receipt>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// The claims a revision takes and releases.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClaimChanges {
    pub take: Vec<Claim>,
    pub release: Vec<Claim>,
}

impl ClaimChanges {
    /// What changes between the values `before` held and the values `after` holds; a value
    /// held on both sides is not touched, so a customer never collides with itself.
    pub fn between(before: &Customer, after: &Customer) -> Self {
        let (before, after) = (before.claims(), after.claims());
        Self {
            take: after.difference(&before).cloned().collect(),
            release: before.difference(&after).cloned().collect(),
        }
    }
}

pub trait CustomerEraser {
    /// Deletes the customer and every claim it holds (each on condition that it is still its
    /// own) and writes `tombstone`, all or nothing, provided the stored customer is still at
    /// `customer.version` (`Stale` otherwise).
    fn erase(
        &self,
        tenant: &TenantId,
        customer: &Customer,
        tombstone: &Tombstone,
        receipt: Option<&Receipt>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Where a listing continues: the store's own key, wrapped in a signed cursor before it
/// reaches a client.
pub type PageKey = BTreeMap<String, String>;

/// One page of a listing: the items and, if there may be more, where the next page starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<PageKey>,
}

pub trait GroupStore {
    /// Writes the group and its name claim, all or nothing (`Taken(GroupName)` when the
    /// tenant has a group of that name).
    fn insert_group(
        &self,
        tenant: &TenantId,
        group: &CustomerGroup,
        receipt: Option<&Receipt>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The tenant's groups, oldest first (then by id), from `start` (a previous page's
    /// `next`).
    fn list_groups(
        &self,
        tenant: &TenantId,
        limit: u32,
        start: Option<PageKey>,
    ) -> impl Future<Output = Result<Page<CustomerGroup>, StoreError>> + Send;
}
