//! Test harness: real servers on loopback. Each test gets its own tables, bucket, event bus and
//! queues in a moto server ([`Stack`]) and calls the real handlers ([`calls`], [`Event`]) or,
//! end to end, the local gateway running the real function binaries ([`Stack::gateway`]).

pub mod bus;
pub mod calls;
pub mod capture;
pub mod events;
pub mod faults;
pub mod moto;
pub mod stack;
pub mod tokens;

pub use aws_sdk_dynamodb::types::AttributeValue;
pub use calls::{assert_one_winner, create_concurrently, identity_document, read};
pub use capture::Capture;
pub use events::Event;
pub use faults::{FaultProxy, Faults};
pub use moto::Moto;
pub use stack::{aws_environment, sdk_config, template, Stack};
pub use tokens::{claims, jwt, parameters, token, OTHER_TENANT, READ_WRITE, TENANT};

use std::path::PathBuf;

pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}
