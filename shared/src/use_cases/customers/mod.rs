//! The customer use cases. Each write is a decision (a plain function of what is stored, the
//! request and the time) that [`Executor`] carries out; reads go straight to the store.

mod create;
mod erase;
mod link;
mod patch;
mod read;
#[cfg(test)]
mod tests;
mod update;

pub use create::{register, Created};
pub use erase::erase;
pub use link::link;
pub use read::CustomerPage;
pub use update::{revise, DocumentUpdate, Updated};

use super::executor::Executor;
use super::ports::{CheckedDocument, DocumentChecker};
use super::Error;
use crate::domain::{DocumentRecord, IdentityDocument, TenantId, VerificationStatus, Warning};
use crate::support::clock::Clock;
use time::OffsetDateTime;

pub struct Customers<S, D> {
    executor: Executor<S>,
    /// Only in the functions that take identity documents.
    documents: Option<D>,
}

impl<S, D> Customers<S, D> {
    pub fn new(store: S, clock: Clock) -> Self {
        Self {
            executor: Executor::new(store, clock),
            documents: None,
        }
    }

    pub fn with_documents(mut self, documents: Option<D>) -> Self {
        self.documents = documents;
        self
    }
}

impl<S, D: DocumentChecker> Customers<S, D> {
    /// The document's summary and its claim value; its images are deleted by the time this
    /// returns.
    async fn check_document(
        &self,
        tenant: &TenantId,
        document: IdentityDocument,
        now: OffsetDateTime,
    ) -> Result<CheckedDocument, Error> {
        let documents = self
            .documents
            .as_ref()
            .ok_or(Error::DocumentsNotConfigured)?;
        Ok(documents.check(tenant, document, now).await?)
    }
}

/// A document accepted for a person to look at says so.
fn review_warning(record: &DocumentRecord) -> Option<Warning> {
    (record.verification.status == VerificationStatus::NeedsReview).then(|| {
        Warning::DocumentNeedsReview {
            reasons: record.verification.reasons.clone(),
        }
    })
}
