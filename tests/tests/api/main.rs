//! The integration and end-to-end tests: one binary (each one more would link the whole SDK
//! again), a module per feature.

mod change_events;
mod compatibility;
mod contract;
mod countries;
mod create_and_get;
mod docs;
mod documents;
mod email_canonical;
mod erasure;
mod events;
mod fingerprint_key;
mod forged_cursors;
mod gateway;
mod groups;
mod hostile_input;
mod idempotency;
mod identifiers;
mod invariant;
mod key_readers;
mod layouts;
mod listing;
mod local_auth;
mod logging;
mod metrics;
mod outage;
mod sources;
mod template;
mod updates;
