//! What every layer may use: the clock, time-bounded retries, the request's usage
//! accounting, lazily built clients, sealing under a key, the log format, metrics and spans.

pub mod clients;
pub mod clock;
pub mod log_format;
pub mod metrics;
pub mod retry;
pub mod seal;
pub mod spans;
pub mod usage;
