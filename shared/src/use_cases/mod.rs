//! What each request means.

pub mod countries;
pub mod cursor;
pub mod customers;
pub mod groups;
pub mod idempotency;
pub mod keyed;
