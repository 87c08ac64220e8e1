//! Every branch of the customer use cases, against the in-memory store and bucket: no server,
//! a fixed clock. One module per use case; the fixture here.

mod create;
mod erase;
mod get;
mod keyed;
mod link;
mod list;
mod update;

use super::*;
use crate::documents::Documents;
use crate::domain::{
    timestamp, Claim, Customer, CustomerGroup, CustomerId, GroupId, Source, Text, UniqueField,
    VerificationReason, VerificationStatus, Warning,
};
use crate::testing::{png, principal, BucketOp, MemoryBucket, MemoryKey, MemoryStore, Op, Owner};
use crate::use_cases::idempotency::Answer;
use crate::use_cases::ports::{StoreError, StoredCustomer};
use crate::use_cases::targets::Precondition;
use crate::use_cases::Error;
use serde_json::{json, Map, Value};
use time::macros::datetime;
use time::OffsetDateTime;

pub(super) const NOW: OffsetDateTime = datetime!(2026-11-25 10:00:00.123456 UTC);
pub(super) const TENANT: &str = "acme";

pub(super) fn now() -> OffsetDateTime {
    NOW
}

pub(super) type UseCase = Customers<MemoryStore, Documents<MemoryBucket, MemoryKey>>;

pub(super) struct Fixture {
    pub store: MemoryStore,
    pub bucket: MemoryBucket,
    pub key: MemoryKey,
    pub customers: UseCase,
}

pub(super) fn fixture() -> Fixture {
    let store = MemoryStore::new();
    let bucket = MemoryBucket::new();
    let key = MemoryKey::new(&[7; 32]);
    let documents = Documents::with_header_verifier(bucket.clone(), key.clone());
    let customers = Customers::new(store.clone(), now as Clock).with_documents(Some(documents));
    Fixture {
        store,
        bucket,
        key,
        customers,
    }
}

pub(super) fn body(value: serde_json::Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

/// The outcome of a write done now (not answered from a record).
pub(super) fn fresh<T: std::fmt::Debug>(answer: Result<Answer<T>, Error>) -> Result<T, Error> {
    answer.map(|answer| match answer {
        Answer::Fresh(outcome) => outcome,
        replayed => panic!("expected a fresh outcome, got {replayed:?}"),
    })
}

impl Fixture {
    pub async fn create(&self, value: serde_json::Value) -> Result<Created, Error> {
        fresh(
            self.customers
                .create(&principal(TENANT), body(value), None)
                .await,
        )
    }

    pub async fn created(&self, value: serde_json::Value) -> Customer {
        match self.create(value).await {
            Ok(created) => created.customer,
            Err(e) => panic!("create failed: {e:?}"),
        }
    }

    pub fn stored_version(&self, id: CustomerId) -> Option<u64> {
        let tenant = principal(TENANT).tenant;
        self.store
            .state()
            .customer_mut(&tenant, id)
            .map(|c| c.version)
    }

    pub fn customer_count(&self) -> usize {
        self.store.state().customers.len()
    }

    /// The customer as stored, with its identity document's claim value.
    pub fn stored(&self, id: CustomerId) -> StoredCustomer {
        let tenant = principal(TENANT).tenant;
        let key = (tenant.as_str().to_owned(), id.to_string());
        match self.store.state().customers.get(&key) {
            Some(stored) => stored.clone(),
            None => panic!("no customer {id}"),
        }
    }

    pub fn claims_of(&self, id: CustomerId) -> Vec<Claim> {
        let tenant = principal(TENANT).tenant;
        self.store.state().claims_of(&tenant, Owner::Customer(id))
    }
}

pub(super) fn passport(number: &str, width: u32) -> serde_json::Value {
    use base64::Engine;
    let image = base64::engine::general_purpose::STANDARD.encode(png(width, 400));
    json!({"type": "PASSPORT", "number": number, "country": "CL", "expires_on": "2031-06-30", "front_image": image})
}
