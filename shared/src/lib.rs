//! The Customers API domain crate: everything the Lambda functions share.

pub mod api;
pub mod documents;
pub mod domain;
pub mod http;
pub mod lambda;
pub mod store;
pub mod support;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
pub mod use_cases;
