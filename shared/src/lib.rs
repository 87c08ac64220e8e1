//! The Customers API crate: everything the Lambda functions share, in layers that import only
//! downwards (`make lint` holds it):
//!
//! [`support`] ← [`domain`] (pure types and rules) ← [`api`] (the API's JSON, both ways) ←
//! [`use_cases`] (decisions, the one write [`use_cases::executor`], the [`use_cases::ports`]) ←
//! the adapters [`store`] (DynamoDB), [`documents`] (S3) and [`http`] (the edge) ← [`lambda`]
//! (one function's wiring). README "Architecture" follows a request through them.

pub mod api;
pub mod bus;
pub mod documents;
pub mod domain;
pub mod http;
pub mod lambda;
pub mod store;
pub mod support;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
pub mod use_cases;
