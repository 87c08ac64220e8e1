//! What each request means. A write is a decision (a plain function of what is stored, the
//! request and the time: `customers::register`, `link`, `revise`, `erase`, `groups::new_group`)
//! that the one [`executor`] carries out against the store's [`ports`]; reads go to the ports
//! directly. Nothing here knows HTTP, DynamoDB or S3.

pub mod countries;
pub mod cursor;
pub mod customers;
mod error;
pub mod events;
pub mod executor;
pub mod groups;
pub mod idempotency;
pub mod ports;
pub mod publishing;
pub mod targets;
#[cfg(test)]
mod tests;

pub use error::Error;
