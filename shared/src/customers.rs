//! The customer use cases: what a create and a read mean, independent of HTTP.

use crate::auth::Principal;
use crate::domain::{Customer, CustomerId};
use crate::store::{CustomerReader, CustomerWriter, StoreError, UniqueField};
use crate::validation::{parse_new_customer, ValidationErrors, Warning};
use serde_json::{Map, Value};
use thiserror::Error;
use time::OffsetDateTime;

#[derive(Debug, Error)]
pub enum CreateError {
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error("{} is already taken", .0.name())]
    Taken(UniqueField),
    #[error(transparent)]
    Store(StoreError),
}

#[derive(Debug, Error)]
pub enum GetError {
    #[error("no such customer")]
    NotFound,
    #[error(transparent)]
    Store(StoreError),
}

#[derive(Debug)]
pub struct Created {
    pub customer: Customer,
    pub warnings: Vec<Warning>,
}

pub struct Customers<S> {
    store: S,
    clock: fn() -> OffsetDateTime,
}

impl<S> Customers<S> {
    pub fn new(store: S) -> Self {
        Self {
            store,
            clock: OffsetDateTime::now_utc,
        }
    }

    /// For tests that need a fixed "now" (birthday limits, timestamps).
    pub fn with_clock(store: S, clock: fn() -> OffsetDateTime) -> Self {
        Self { store, clock }
    }
}

impl<S: CustomerWriter> Customers<S> {
    pub async fn create(
        &self,
        principal: &Principal,
        body: &Map<String, Value>,
    ) -> Result<Created, CreateError> {
        let now = (self.clock)();
        let parsed = parse_new_customer(body, now.date())?;
        let customer = Customer::register(parsed.value, principal.subject.clone(), now);
        match self.store.insert(&principal.tenant, &customer).await {
            Ok(()) => Ok(Created {
                customer,
                warnings: parsed.warnings,
            }),
            Err(StoreError::Taken(field)) => Err(CreateError::Taken(field)),
            Err(other) => Err(CreateError::Store(other)),
        }
    }
}

impl<S: CustomerReader> Customers<S> {
    /// Another tenant's customer is indistinguishable from a missing one.
    pub async fn get(&self, principal: &Principal, id: &str) -> Result<Customer, GetError> {
        let id = CustomerId::parse(id).ok_or(GetError::NotFound)?;
        self.store
            .get(&principal.tenant, id)
            .await
            .map_err(GetError::Store)?
            .ok_or(GetError::NotFound)
    }
}
