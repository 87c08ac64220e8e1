//! Things done with a request that its sender may not expect, without failing it. The domain
//! says what happened; the HTTP edge alone decides how it is worded.

use super::{Source, VerificationReason};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// No address was flagged `is_default`, so the first one became the default. `at` is the
    /// JSON pointer of that address's flag.
    DefaultAddressAssigned { at: String },
    /// A group was listed twice; it counts once. `at` points at the repetition.
    DuplicateGroupCollapsed { at: String },
    /// The identity document was accepted, but a person should look at it.
    DocumentNeedsReview { reasons: Vec<VerificationReason> },
    /// The identifiers belonged to an existing customer, which got this source account instead
    /// of a new customer being created.
    SourceAccountLinked { source: Source },
}
