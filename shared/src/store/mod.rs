//! The store adapter: the use cases' storage ports ([`crate::use_cases::ports`]) on one
//! DynamoDB table. [`items`] holds each kind of item's stored representation, [`keys`] the key
//! design (docs/data-model.md), `dynamo` the requests.

mod dynamo;
pub(crate) mod items;
mod keys;

pub use dynamo::{DynamoEvents, DynamoStore};
