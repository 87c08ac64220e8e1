//! What the use cases need of identity documents: one checked, and nothing kept of its images.

use crate::domain::{DocumentRecord, IdentityDocument, TenantId, VerificationReason};
use std::future::Future;
use thiserror::Error;
use time::OffsetDateTime;

/// A verified (or to-be-reviewed) document, ready to be stored with its customer.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedDocument {
    pub record: DocumentRecord,
    /// The claim value that makes the document unique per tenant.
    pub fingerprint: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DocumentCheckError {
    #[error("the document was rejected")]
    Rejected(Vec<VerificationReason>),
    #[error(transparent)]
    Storage(DocumentStorageError),
}

/// Where the images wait while they are checked failed: nothing is written.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DocumentStorageError {
    /// Throttling, timeouts, an unreachable bucket: worth retrying later.
    #[error("document storage is unavailable ({0})")]
    Unavailable(String),
    /// Misconfiguration (a missing bucket, denied access): retrying will not help.
    #[error("document storage rejected the request ({0})")]
    Internal(String),
}

/// Checks an identity document and keeps nothing of its images.
pub trait DocumentChecker: Send + Sync {
    fn check(
        &self,
        tenant: &TenantId,
        document: IdentityDocument,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<CheckedDocument, DocumentCheckError>> + Send;
}
