//! The Customers API domain crate: everything the Lambda functions share.
//!
//! Layers: [`domain`] (pure types and rules) ← [`validation`] (JSON → domain) ← [`customers`]
//! (use cases over the [`store`]) ← [`http`] (Lambda events ↔ use cases, errors → problem+json).
//! [`auth`] reads the principal from the claims API Gateway verified.

pub mod auth;
pub mod clients;
pub mod config;
pub mod countries;
pub mod cursor;
pub mod customers;
pub mod documents;
pub mod domain;
pub mod groups;
pub mod http;
pub mod lambda;
pub mod store;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
pub mod validation;
