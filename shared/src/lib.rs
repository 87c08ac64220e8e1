//! The Customers API domain crate: everything the Lambda functions share.
//!
//! Layers: [`domain`] (pure types and rules) ← [`validation`] (JSON → domain) ← [`customers`]
//! (use cases over the [`store`]) ← [`http`] (Lambda events ↔ use cases, errors → problem+json).
//! [`auth`] reads the principal from the claims API Gateway verified.

pub mod domain;
pub mod validation;
