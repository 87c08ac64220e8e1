//! The executor against the in-memory store, and each write's decision alone: a plain
//! function, no store, no async.

mod decisions;
mod executor;
