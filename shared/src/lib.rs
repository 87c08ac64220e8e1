//! The Customers API domain crate: everything the Lambda functions share.
//!
//! Layers: [`domain`] (pure types and rules; imports nothing else of this crate) ←
//! [`validation`] (JSON → domain) and [`documents`] (identity-document images and their checks)
//! ← [`customers`] and [`groups`] (use cases over the [`store`] traits, clock injected) ←
//! [`http`] (Lambda events ↔ use cases, errors → problem+json, the wording clients read) ←
//! [`lambda`] (one function's wiring). [`auth`] reads the principal from the claims API Gateway
//! verified.

pub mod auth;
pub mod clients;
pub mod clock;
pub mod config;
pub mod countries;
pub mod cursor;
pub mod customers;
pub mod documents;
pub mod domain;
pub mod groups;
pub mod http;
pub mod idempotency;
pub mod keyed;
pub mod lambda;
pub mod retry;
pub mod secrets;
pub mod store;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
pub mod validation;
