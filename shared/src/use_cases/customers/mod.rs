//! The customer use cases: what a create and a read mean, independent of HTTP and of the
//! database behind the store traits.

mod erase;
mod link;
mod list;
#[cfg(test)]
mod tests;
mod update;

pub use list::CustomerPage;
pub use update::Updated;

use link::LinkRequest;

use crate::api::{parse_new_customer, CustomerInput, ValidationErrors};
use crate::documents::{
    CheckedDocument, DocumentCheckError, DocumentChecker, Documents, IdentityDocument, S3Bucket,
    StagingError,
};
use crate::domain::{
    Claim, Customer, CustomerId, DocumentRecord, UniqueField, VerificationReason,
    VerificationStatus, Warning,
};
use crate::http::auth::Principal;
use crate::store::{CustomerReader, CustomerWriter, IdempotencyStore, SourceLinker, StoreError};
use crate::support::clock::Clock;
use crate::use_cases::cursor::CursorKey;
use crate::use_cases::idempotency::{Answer, Idempotent};
use crate::use_cases::keyed::{self, KeyedError};
use serde_json::{Map, Value};
use thiserror::Error;
use time::OffsetDateTime;

/// Every way a customer use case can fail.
#[derive(Debug, PartialEq, Error)]
pub enum CustomerError {
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
    /// Groups that do not exist in the tenant, by the pointers they were given at.
    #[error("unknown customer groups")]
    UnknownGroups(Vec<String>),
    #[error("the identity document was rejected")]
    DocumentRejected(Vec<VerificationReason>),
    #[error(transparent)]
    Store(StoreError),
    #[error(transparent)]
    Documents(StagingError),
    #[error("identity documents are not configured for this function")]
    DocumentsNotConfigured,
    #[error("listing needs CURSOR_KEY")]
    NoCursorKey,
    /// The request's `Idempotency-Key` was used for another request.
    #[error("the idempotency key was used for another request")]
    IdempotencyKeyReused,
    #[error("the cursor is not one this API issued to this tenant")]
    InvalidCursor,
    /// A stored customer that cannot be turned back into JSON (a bug, never the client's).
    #[error("a stored customer could not be represented")]
    Unrepresentable,
}

impl From<StoreError> for CustomerError {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

impl From<KeyedError> for CustomerError {
    fn from(error: KeyedError) -> Self {
        match error {
            KeyedError::KeyReused => Self::IdempotencyKeyReused,
            KeyedError::Render => Self::Unrepresentable,
            KeyedError::Store(error) => Self::Store(error),
        }
    }
}

/// An `If-Match` header, as a use case needs it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Precondition {
    /// None: the change applies to whatever version is current, re-read after a concurrent
    /// change.
    #[default]
    None,
    /// `*`: the customer must exist; any version.
    Exists,
    /// The customer must be at one of these versions (`"3"`, or a list of them).
    Versions(Vec<u64>),
}

impl Precondition {
    fn admits(&self, version: u64) -> bool {
        match self {
            Precondition::None | Precondition::Exists => true,
            Precondition::Versions(versions) => versions.contains(&version),
        }
    }
}

#[derive(Debug, PartialEq)]
pub struct Created {
    pub customer: Customer,
    pub warnings: Vec<Warning>,
    /// The request added a source account to an existing customer instead of creating one.
    pub linked: bool,
}

pub struct Customers<S, D = Documents<S3Bucket>> {
    store: S,
    /// Only in the functions that take identity documents.
    documents: Option<D>,
    /// Only in the functions that list.
    cursor_key: Option<CursorKey>,
    clock: Clock,
}

impl<S, D> Customers<S, D> {
    pub fn new(store: S, clock: Clock) -> Self {
        Self {
            store,
            documents: None,
            cursor_key: None,
            clock,
        }
    }

    pub fn with_documents(mut self, documents: Option<D>) -> Self {
        self.documents = documents;
        self
    }

    pub fn with_cursor_key(mut self, key: Option<CursorKey>) -> Self {
        self.cursor_key = key;
        self
    }
}

impl<S, D> Customers<S, D>
where
    S: CustomerWriter + CustomerReader + SourceLinker + IdempotencyStore + Sync,
    D: DocumentChecker,
{
    /// Validates everything first (an invalid request touches neither the bucket nor the
    /// table), then checks the identity document (its images are gone when this returns),
    /// then writes the customer and all its claims in one transaction.
    /// Takes the body by value: once parsed, its base64 images (up to ~5.6 MB) are dropped
    /// before the decoded ones are uploaded and read back.
    /// A keyed request whose key has a record is answered from it before any of that (no image
    /// is staged again); otherwise its record goes into the write's transaction.
    pub async fn create(
        &self,
        principal: &Principal,
        body: Map<String, Value>,
        keyed: Option<&Idempotent<'_, Created>>,
    ) -> Result<Answer<Created>, CustomerError> {
        let now = (self.clock)();
        let tenant = &principal.tenant;
        if let Some(response) = keyed::recorded_answer(&self.store, tenant, keyed, now).await? {
            return Ok(Answer::Replayed(response));
        }
        let parsed = parse_new_customer(&body, now.date())?;
        drop(body);
        let mut warnings = parsed.warnings;
        let CustomerInput {
            details,
            identity_document,
            group_pointers,
            link_existing,
        } = parsed.value;
        let document = match identity_document {
            None => None,
            Some(document) => {
                let checked = self.check_document(principal, document, now).await?;
                warnings.extend(review_warning(&checked.record));
                Some((checked.record, checked.fingerprint))
            }
        };
        let customer = Customer::register(details, document, principal.subject.clone(), now);
        let claims: Vec<Claim> = customer.claims().into_iter().collect();
        let created = Created {
            customer,
            warnings,
            linked: false,
        };
        let receipt = keyed::receipt(keyed, &created, now)?;
        match self
            .store
            .insert(tenant, &created.customer, &claims, receipt.as_ref())
            .await
        {
            Ok(()) => Ok(Answer::Fresh(created)),
            Err(StoreError::AlreadyRecorded) => Ok(Answer::Replayed(
                keyed::answer_after_losing(&self.store, tenant, keyed, now).await?,
            )),
            Err(StoreError::Taken(field)) if link_existing => {
                let link = LinkRequest {
                    principal,
                    customer: &created.customer,
                    warnings: &created.warnings,
                    claims: &claims,
                    collided: field,
                    now,
                    keyed,
                };
                self.link(link).await
            }
            Err(StoreError::Taken(field)) => Err(CustomerError::Taken(field)),
            Err(StoreError::UnknownGroups(missing)) => Err(CustomerError::UnknownGroups(
                group_pointers
                    .into_iter()
                    .filter(|(id, _)| missing.contains(id))
                    .map(|(_, pointer)| pointer)
                    .collect(),
            )),
            Err(other) => Err(CustomerError::Store(other)),
        }
    }
}

impl<S, D: DocumentChecker> Customers<S, D> {
    /// The document's summary and its claim value; its images are deleted by the time this
    /// returns.
    async fn check_document(
        &self,
        principal: &Principal,
        document: IdentityDocument,
        now: OffsetDateTime,
    ) -> Result<CheckedDocument, CustomerError> {
        let documents = self
            .documents
            .as_ref()
            .ok_or(CustomerError::DocumentsNotConfigured)?;
        documents
            .check(&principal.tenant, document, now)
            .await
            .map_err(|e| match e {
                DocumentCheckError::Rejected(reasons) => CustomerError::DocumentRejected(reasons),
                DocumentCheckError::Storage(e) => CustomerError::Documents(e),
            })
    }
}

/// A document accepted for a person to look at says so.
pub(super) fn review_warning(record: &DocumentRecord) -> Option<Warning> {
    (record.verification.status == VerificationStatus::NeedsReview).then(|| {
        Warning::DocumentNeedsReview {
            reasons: record.verification.reasons.clone(),
        }
    })
}

impl<S: CustomerReader, D> Customers<S, D> {
    /// Another tenant's customer is indistinguishable from a missing one.
    pub async fn get(&self, principal: &Principal, id: &str) -> Result<Customer, CustomerError> {
        let id = CustomerId::parse(id).ok_or(CustomerError::NotFound)?;
        self.store
            .get(&principal.tenant, id)
            .await?
            .ok_or(CustomerError::NotFound)
    }
}
