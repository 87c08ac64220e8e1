//! What every layer may use: the clock, time-bounded retries, the request's capacity
//! accounting, lazily built clients, sealing under a key.

pub mod capacity;
pub mod clients;
pub mod clock;
pub mod retry;
pub mod seal;
