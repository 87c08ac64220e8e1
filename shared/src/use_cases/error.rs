use super::ports::{DocumentCheckError, DocumentStorageError, StoreError};
use crate::api::{FieldError, ValidationErrors};
use crate::domain::{GroupId, UniqueField, VerificationReason};
use crate::support::seal::NoRandomness;
use thiserror::Error;

/// Every way a use case can fail; the edge alone decides what each is over HTTP.
#[derive(Debug, PartialEq, Error)]
pub enum Error {
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    /// No such customer in the caller's tenant.
    #[error("no such customer")]
    NotFound,
    /// `If-Match` named versions the customer is not at.
    #[error("the customer is not at the version the request names")]
    PreconditionFailed,
    #[error("{} is already taken", .0.name())]
    Taken(UniqueField),
    #[error("the identity document was rejected")]
    DocumentRejected(Vec<VerificationReason>),
    #[error(transparent)]
    Documents(DocumentStorageError),
    #[error("identity documents are not configured for this function")]
    DocumentsNotConfigured,
    #[error("the cursor is not one this API issued to this tenant")]
    InvalidCursor,
    /// The request's `Idempotency-Key` was used for another request.
    #[error("the idempotency key was used for another request")]
    KeyReused,
    /// A retry of a keyed write whose customer has been erased since: its reply went with it.
    #[error("the customer this request wrote has been erased since")]
    CustomerErased,
    /// The system gave no randomness for a key (never the client's doing).
    #[error(transparent)]
    NoRandomness(#[from] NoRandomness),
    /// Concurrent writers kept winning for longer than a request may wait: nothing was
    /// written, and the client may retry at once.
    #[error("concurrent writes kept conflicting")]
    Contended,
    #[error(transparent)]
    Store(StoreError),
    /// An outcome that could not be rendered for its record (a bug, never the client's).
    #[error("a reply could not be rendered")]
    Unrepresentable,
}

impl From<StoreError> for Error {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::InvalidStart => Self::InvalidCursor,
            error => Self::Store(error),
        }
    }
}

impl From<DocumentCheckError> for Error {
    fn from(error: DocumentCheckError) -> Self {
        match error {
            DocumentCheckError::Rejected(reasons) => Self::DocumentRejected(reasons),
            DocumentCheckError::Storage(error) => Self::Documents(error),
        }
    }
}

/// Groups a write named that the tenant does not have, as field errors at the pointers the
/// request gave them at (`pointers`: each group with its pointer).
pub fn unknown_groups(missing: &[GroupId], pointers: &[(GroupId, String)]) -> Error {
    Error::Invalid(ValidationErrors(
        pointers
            .iter()
            .filter(|(id, _)| missing.contains(id))
            .map(|(_, pointer)| FieldError::unknown_group(pointer.clone()))
            .collect(),
    ))
}
