//! Test material shared by the unit tests here and the integration tests (feature
//! `test-support`, never enabled in the functions): images built in code, and in-memory fakes
//! of the store traits, of the image bucket and of the MAC key, for unit tests of the use cases. Integration
//! tests use the real DynamoDB and S3 implementations against moto instead.

pub mod dynamo_json;
pub mod fuzz;
mod images;
mod log_lines;
mod memory_bucket;
mod memory_events;
mod memory_key;
mod memory_store;
pub mod strategies;

pub use images::{jpeg, png};
pub use log_lines::LogLines;
pub use memory_bucket::{BucketOp, MemoryBucket};
pub use memory_events::{Events, MemoryEvents};
pub use memory_key::MemoryKey;
pub use memory_store::{MemoryStore, Op, Owner, State};

use crate::domain::Principal;
use crate::http::auth::{self, Claims, Scope};

/// A caller of `tenant` with read and write scopes, as the gateway's claims make one.
pub fn principal(tenant: &str) -> Principal {
    let claims: Claims = [
        ("sub", "user-1"),
        ("tenant_id", tenant),
        ("scope", "customers.read customers.write"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    match auth::authorize(Some(&claims), "tenant_id", Scope::CustomersWrite) {
        Ok(principal) => principal,
        Err(e) => panic!("test principal for {tenant:?}: {e}"),
    }
}

/// A query string's parameters by name, as `http::query_parameters` hands them over.
pub fn query(pairs: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A customer registered now by `user-1`, with an email: for tests of how one is shown.
pub fn customer() -> crate::domain::Customer {
    use crate::domain::{Customer, CustomerId, Subject};
    let body = serde_json::json!({"first_name": "Ann", "email": "ann@example.com"});
    let today = time::OffsetDateTime::now_utc();
    let parsed = body
        .as_object()
        .and_then(|body| crate::api::parse_new_customer(body, today.date()).ok());
    let (Some(parsed), Some(subject)) = (parsed, Subject::parse("user-1")) else {
        panic!("a valid customer");
    };
    Customer::register(
        CustomerId::random(),
        parsed.value.details,
        None,
        subject,
        today,
    )
}
