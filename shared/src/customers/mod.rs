//! The customer use cases: what a create and a read mean, independent of HTTP and of the
//! database behind the store traits.

mod link;

use link::LinkRequest;
#[cfg(test)]
mod tests;

use crate::auth::Principal;
use crate::clock::Clock;
use crate::documents::{DocumentCheckError, DocumentChecker, Documents, S3Bucket, StagingError};
use crate::domain::{
    Claim, Customer, CustomerId, DocumentRecord, UniqueField, VerificationReason,
    VerificationStatus, Warning,
};
use crate::store::{CustomerReader, CustomerWriter, SourceLinker, StoreError};
use crate::validation::{parse_new_customer, CustomerInput, ValidationErrors};
use serde_json::{Map, Value};
use thiserror::Error;
use time::OffsetDateTime;

#[derive(Debug, PartialEq, Error)]
pub enum CreateError {
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
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
}

#[derive(Debug, PartialEq, Error)]
pub enum GetError {
    #[error("no such customer")]
    NotFound,
    #[error(transparent)]
    Store(StoreError),
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
    documents: Option<D>,
    clock: Clock,
}

impl<S, D> Customers<S, D> {
    /// `documents` is `None` in the functions that never see an identity document.
    pub fn new(store: S, documents: Option<D>, clock: Clock) -> Self {
        Self {
            store,
            documents,
            clock,
        }
    }
}

impl<S, D> Customers<S, D>
where
    S: CustomerWriter + CustomerReader + SourceLinker + Sync,
    D: DocumentChecker,
{
    /// Validates everything first (an invalid request touches neither the bucket nor the
    /// table), then checks the identity document (its images are gone when this returns),
    /// then writes the customer and all its claims in one transaction.
    /// Takes the body by value: once parsed, its base64 images (up to ~5.6 MB) are dropped
    /// before the decoded ones are uploaded and read back.
    pub async fn create(
        &self,
        principal: &Principal,
        body: Map<String, Value>,
    ) -> Result<Created, CreateError> {
        let now = (self.clock)();
        let parsed = parse_new_customer(&body, now.date())?;
        drop(body);
        let mut warnings = parsed.warnings;
        let CustomerInput {
            details,
            identity_document,
            group_pointers,
            link_existing,
        } = parsed.value;
        let mut claims = details.claims();
        let document = match identity_document {
            None => None,
            Some(document) => {
                let (record, claim) = self.check_document(principal, document, now).await?;
                if record.verification.status == VerificationStatus::NeedsReview {
                    warnings.push(Warning::DocumentNeedsReview {
                        reasons: record.verification.reasons.clone(),
                    });
                }
                claims.push(claim);
                Some(record)
            }
        };

        let customer = Customer::register(details, document, principal.subject.clone(), now);
        match self
            .store
            .insert(&principal.tenant, &customer, &claims)
            .await
        {
            Ok(()) => Ok(Created {
                customer,
                warnings,
                linked: false,
            }),
            Err(StoreError::Taken(field)) if link_existing => {
                let link = LinkRequest {
                    principal,
                    customer: &customer,
                    claims: &claims,
                    collided: field,
                    now,
                };
                let mut linked = self.link(link).await?;
                linked.warnings.splice(0..0, warnings);
                Ok(linked)
            }
            Err(StoreError::Taken(field)) => Err(CreateError::Taken(field)),
            Err(StoreError::UnknownGroups(missing)) => Err(CreateError::UnknownGroups(
                group_pointers
                    .into_iter()
                    .filter(|(id, _)| missing.contains(id))
                    .map(|(_, pointer)| pointer)
                    .collect(),
            )),
            Err(other) => Err(CreateError::Store(other)),
        }
    }

    /// The document's summary and its claim; its images are deleted by the time this returns.
    async fn check_document(
        &self,
        principal: &Principal,
        document: crate::documents::IdentityDocument,
        now: OffsetDateTime,
    ) -> Result<(DocumentRecord, Claim), CreateError> {
        let documents = self
            .documents
            .as_ref()
            .ok_or(CreateError::DocumentsNotConfigured)?;
        let checked = documents
            .check(&principal.tenant, document, now)
            .await
            .map_err(|e| match e {
                DocumentCheckError::Rejected(reasons) => CreateError::DocumentRejected(reasons),
                DocumentCheckError::Storage(e) => CreateError::Documents(e),
            })?;
        let claim = Claim::new(UniqueField::IdentityDocument, checked.fingerprint);
        Ok((checked.record, claim))
    }
}

impl<S: CustomerReader, D> Customers<S, D> {
    /// Another tenant's customer is indistinguishable from a missing one.
    pub async fn get(&self, principal: &Principal, id: &str) -> Result<Customer, GetError> {
        let id = CustomerId::parse(id).ok_or(GetError::NotFound)?;
        self.store
            .get(&principal.tenant, id)
            .await
            .map_err(GetError::Store)?
            .ok_or(GetError::NotFound)
    }
}
