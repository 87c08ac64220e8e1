//! The time use cases read. It is injected (a function, so a test passes a fixed instant), so
//! that no use case calls the system clock itself.

use time::OffsetDateTime;

pub type Clock = fn() -> OffsetDateTime;

/// The clock of deployed functions.
pub fn system() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}
