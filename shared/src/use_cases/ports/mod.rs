//! What the use cases need of the world, as traits the adapters implement: the store
//! (`store::DynamoStore`; `testing::MemoryStore` for unit tests) and identity-document checks
//! (`documents::Documents`). One small trait per capability.

mod documents;
mod events;

pub use documents::{CheckedDocument, DocumentCheckError, DocumentChecker, DocumentStorageError};
pub use events::{EventBus, EventFilter, EventLog, Undelivered};

use super::idempotency::{KeyedRequest, Receipt, Record, Sealing};
use crate::domain::{
    Claim, Customer, CustomerGroup, CustomerId, GroupId, TenantId, Tombstone, UniqueField,
};
use crate::support::seal::SealKey;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use thiserror::Error;
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StoreError {
    #[error("{} already belongs to another record of this tenant", .0.name())]
    Taken(UniqueField),
    /// The record changed since it was read (its version moved on, or a value it gives up is
    /// no longer its own): read again and decide again.
    #[error("the record changed concurrently")]
    Stale,
    /// Customer groups that do not exist in the tenant (checked in the same transaction).
    #[error("unknown customer groups")]
    UnknownGroups(Vec<GroupId>),
    /// The write's idempotency key already has a live record: an earlier request with the key
    /// was done (its record answers).
    #[error("the idempotency key already has a record")]
    AlreadyRecorded,
    /// Only concurrent transactions were in the way: nothing was written, and the same change
    /// may succeed a moment later.
    #[error("a concurrent transaction was in the way")]
    Conflict,
    /// Throttling, timeouts, an unreachable endpoint: worth retrying later.
    #[error("the database is unavailable ({0})")]
    Unavailable(String),
    /// A listing was asked to start at something that is not a place in it (a cursor a client
    /// wrote itself): the store rebuilds its keys from the tenant and never reads such a start.
    #[error("the page's start is not a place in this listing")]
    InvalidStart,
    /// Anything retrying will not fix (misconfiguration, a bug).
    #[error("the database rejected the request ({0})")]
    Internal(String),
}

/// A customer as the store keeps it: the customer, the claim value of its identity document (a
/// keyed hash of the number), kept so that a change or an erasure can release it, and the key
/// that seals the replies recorded for its keyed writes. Only the write path sees those two;
/// clients see the `Customer`.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCustomer {
    pub customer: Customer,
    pub document_claim: Option<String>,
    /// Destroyed with the customer, and every recorded reply that shows it with it. `None`
    /// only for a customer stored before seals existed, until its next write gives it one.
    pub seal: Option<SealKey>,
}

impl StoredCustomer {
    /// How a reply that shows this customer is sealed.
    pub fn sealing(&self) -> Option<Sealing> {
        self.seal.clone().map(|key| Sealing {
            customer: self.customer.id,
            key,
        })
    }

    /// Every unique value it holds: its own fields, its source accounts' identifiers and its
    /// identity document. Each has a claim that names the customer.
    pub fn claims(&self) -> BTreeSet<Claim> {
        let mut claims = self.customer.claims();
        if let Some(value) = &self.document_claim {
            claims.insert(Claim::new(UniqueField::IdentityDocument, value.clone()));
        }
        claims
    }
}

/// What a write stores, all or nothing: the record it writes, the unique values it takes and
/// gives up for that record, and the groups that must exist.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub record: Written,
    /// Claimed for the record, each on condition that it is free; a collision is reported for
    /// the first taken one in this order.
    pub take: Vec<Claim>,
    /// Given up, each on condition that it is still the record's own.
    pub release: Vec<Claim>,
    /// Groups that must exist in the tenant when the change is made.
    pub groups: Vec<GroupId>,
}

/// The record a change writes.
#[derive(Debug, Clone, PartialEq)]
pub enum Written {
    /// A new customer; its id must be new.
    NewCustomer(Box<StoredCustomer>),
    /// The customer in place of the version that was read.
    Customer {
        customer: Box<StoredCustomer>,
        read_version: u64,
    },
    /// The customer erased at the version that was read, its tombstone in its place.
    Erased {
        tombstone: Tombstone,
        read_version: u64,
    },
    NewGroup(CustomerGroup),
    /// Nothing but the receipt of a keyed write that changed nothing.
    Nothing,
}

impl Written {
    /// How a reply that shows what this writes is sealed: the customer's key; nothing for the
    /// rest (an erasure answers 204 without a body, groups hold no personal data).
    pub fn sealing(&self) -> Option<Sealing> {
        match self {
            Written::NewCustomer(stored) => stored.sealing(),
            Written::Customer { customer, .. } => customer.sealing(),
            Written::Erased { .. } | Written::NewGroup(_) | Written::Nothing => None,
        }
    }
}

impl Change {
    /// A change of `record` alone.
    pub fn of(record: Written) -> Self {
        Self {
            record,
            take: Vec::new(),
            release: Vec::new(),
            groups: Vec::new(),
        }
    }
}

/// The one write: a change and the receipt of a keyed request, in one transaction.
pub trait Commit {
    /// Stores `change` and `receipt` (on condition that its key has no live record), all or
    /// nothing. Of several failed conditions, the first of these is reported: the key's
    /// record (`AlreadyRecorded`), a missing group (`UnknownGroups`), the record moved on or a
    /// released value no longer its own (`Stale`), a taken value (`Taken`); a transaction that
    /// met only concurrent ones is `Conflict`.
    fn commit(
        &self,
        tenant: &TenantId,
        change: &Change,
        receipt: Option<&Receipt>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

pub trait Records {
    /// The record of `request`'s key in `tenant`, read strongly consistently (live or not, of
    /// this request or another). A sealed reply is opened only for a live record of this very
    /// request (the only one that answers): with its customer's key, read with the customer;
    /// once that customer is erased, the record has no reply. Any other record comes back
    /// without opening it.
    fn recorded(
        &self,
        tenant: &TenantId,
        request: &KeyedRequest,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<Option<Record>, StoreError>> + Send;
}

pub trait CustomerReader {
    /// A customer of `tenant`, read strongly consistently; `None` when there is none (or it
    /// belongs to another tenant).
    fn get(
        &self,
        tenant: &TenantId,
        id: CustomerId,
    ) -> impl Future<Output = Result<Option<StoredCustomer>, StoreError>> + Send;

    /// Who holds each of `claims` now (`None`: free, or a group's), read strongly consistently.
    fn claim_owners(
        &self,
        tenant: &TenantId,
        claims: &[Claim],
    ) -> impl Future<Output = Result<Vec<Option<CustomerId>>, StoreError>> + Send;
}

/// Everything the write path reads and writes.
pub trait WriteStore: Commit + Records + CustomerReader + Sync {}

impl<S: Commit + Records + CustomerReader + Sync> WriteStore for S {}

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

pub trait GroupLister {
    /// The tenant's groups, oldest first (then by id), from `start` (a previous page's
    /// `next`).
    fn list_groups(
        &self,
        tenant: &TenantId,
        limit: u32,
        start: Option<PageKey>,
    ) -> impl Future<Output = Result<Page<CustomerGroup>, StoreError>> + Send;
}

/// Where a listing continues: the positions of the last items the store listed (never its
/// keys: it rebuilds those from the caller's tenant), in a cursor before it reaches a client.
pub type PageKey = BTreeMap<String, String>;

/// One page of a listing: the items and, if there may be more, where the next page starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<PageKey>,
}
