//! The customer use cases: what a create and a read mean, independent of HTTP.

use crate::auth::Principal;
use crate::documents::{
    DocumentCheckError, DocumentVerifier, Documents, HeaderVerifier, StagingError,
    VerificationReason, VerificationStatus,
};
use crate::domain::{timestamp, Customer, CustomerId, SourceAccount, SourceIdentifiers};
use crate::store::{Claim, CustomerReader, CustomerWriter, SourceLinker, StoreError, UniqueField};
use crate::validation::{parse_new_customer, CustomerInput, FieldError, ValidationErrors, Warning};
use serde_json::{Map, Value};
use thiserror::Error;
use time::OffsetDateTime;

#[derive(Debug, Error)]
pub enum CreateError {
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error("{} is already taken", .0.name())]
    Taken(UniqueField),
    #[error("the identity document was rejected")]
    DocumentRejected(Vec<VerificationReason>),
    #[error(transparent)]
    Store(StoreError),
    #[error(transparent)]
    Documents(StagingError),
    #[error("identity documents are not configured for this function")]
    DocumentsNotConfigured,
}

#[derive(Debug, Error)]
pub enum GetError {
    #[error("no such customer")]
    NotFound,
    #[error(transparent)]
    Store(StoreError),
}

#[derive(Debug)]
pub struct Created {
    pub customer: Customer,
    pub warnings: Vec<Warning>,
    /// The request added a source account to an existing customer instead of creating one.
    pub linked: bool,
}

/// Attempts at a source link before giving up on a customer that keeps changing under it.
const LINK_ATTEMPTS: usize = 3;

pub struct Customers<S, V = HeaderVerifier> {
    store: S,
    documents: Option<Documents<V>>,
    clock: fn() -> OffsetDateTime,
}

impl<S, V> Customers<S, V> {
    pub fn new(store: S, documents: Option<Documents<V>>) -> Self {
        Self {
            store,
            documents,
            clock: OffsetDateTime::now_utc,
        }
    }
}

impl<S: CustomerWriter + CustomerReader + SourceLinker, V: DocumentVerifier> Customers<S, V> {
    /// Validates everything first (an invalid request touches neither S3 nor DynamoDB), then
    /// checks the identity document (its images are gone from S3 when this returns), then
    /// writes the customer and all its claims in one transaction.
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
        let mut claims: Vec<Claim> = [
            (
                UniqueField::Email,
                details.email.as_ref().map(|e| e.as_str().to_owned()),
            ),
            (
                UniqueField::Mobile,
                details.mobile.as_ref().map(|m| m.as_str().to_owned()),
            ),
            (
                UniqueField::ExternalId,
                details
                    .identifiers
                    .external_id
                    .as_ref()
                    .map(|e| e.as_str().to_owned()),
            ),
            (
                UniqueField::CardNumber,
                details
                    .identifiers
                    .card
                    .as_ref()
                    .map(|c| c.card_number.as_str().to_owned()),
            ),
        ]
        .into_iter()
        .filter_map(|(field, value)| value.map(|value| Claim { field, value }))
        .collect();

        let document = match identity_document {
            None => None,
            Some(document) => {
                let documents = self
                    .documents
                    .as_ref()
                    .ok_or(CreateError::DocumentsNotConfigured)?;
                let checked = documents
                    .check(&principal.tenant, document, now)
                    .await
                    .map_err(|e| match e {
                        DocumentCheckError::Rejected(reasons) => {
                            CreateError::DocumentRejected(reasons)
                        }
                        DocumentCheckError::Storage(e) => CreateError::Documents(e),
                    })?;
                let verification = &checked.record.verification;
                if verification.status == VerificationStatus::NeedsReview {
                    let reasons: Vec<&str> =
                        verification.reasons.iter().map(|r| r.as_str()).collect();
                    warnings.push(Warning {
                        code: "document_needs_review",
                        message: format!(
                            "the identity document was accepted but needs a manual review: {}",
                            reasons.join(", ")
                        ),
                        field: Some("/identity_document".to_owned()),
                    });
                }
                claims.push(Claim {
                    field: UniqueField::IdentityDocument,
                    value: checked.fingerprint,
                });
                Some(checked.record)
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
                let mut linked = self.link(principal, &customer, &claims, field, now).await?;
                linked.warnings.splice(0..0, warnings);
                Ok(linked)
            }
            Err(StoreError::Taken(field)) => Err(CreateError::Taken(field)),
            Err(StoreError::UnknownGroups(missing)) => Err(CreateError::Invalid(ValidationErrors(
                group_pointers
                    .iter()
                    .filter(|(id, _)| missing.contains(id))
                    .map(|(_, pointer)| FieldError {
                        field: pointer.clone(),
                        code: "unknown_group",
                        message: "no customer group with this id exists".to_owned(),
                    })
                    .collect(),
            ))),
            Err(other) => Err(CreateError::Store(other)),
        }
    }
}

impl<S: CustomerReader + SourceLinker, V> Customers<S, V> {
    /// Adds the request's source account to the one customer its identifiers belong to
    /// (Capillary's behaviour, opt-in). Every identifier must be that customer's or free, and
    /// the customer must not have the source yet; otherwise it is the 409 of the taken field.
    /// The update is conditional on the customer's version, so a concurrent change means a
    /// re-read and another try, never a lost write.
    async fn link(
        &self,
        principal: &Principal,
        request: &Customer,
        claims: &[Claim],
        collided: UniqueField,
        now: OffsetDateTime,
    ) -> Result<Created, CreateError> {
        let tenant = &principal.tenant;
        for _ in 0..LINK_ATTEMPTS {
            let owners = self
                .store
                .claim_owners(tenant, claims)
                .await
                .map_err(CreateError::Store)?;
            let taken: Vec<(UniqueField, CustomerId)> = claims
                .iter()
                .zip(&owners)
                .filter_map(|(claim, owner)| owner.map(|id| (claim.field, id)))
                .collect();
            let Some(&(first_field, owner)) = taken.first() else {
                // Everything was freed in the meantime: nothing to link to; answer with the
                // collision the create saw.
                return Err(CreateError::Taken(collided));
            };
            if let Some((field, _)) = taken.iter().find(|(_, id)| *id != owner) {
                return Err(CreateError::Taken(*field));
            }
            let Some(existing) = self
                .store
                .get(tenant, owner)
                .await
                .map_err(CreateError::Store)?
            else {
                return Err(CreateError::Taken(first_field));
            };
            let source = request.details.source;
            if existing
                .sources
                .iter()
                .any(|account| account.source == source)
            {
                return Err(CreateError::Taken(first_field));
            }
            let free: Vec<Claim> = claims
                .iter()
                .zip(&owners)
                .filter(|(_, owner)| owner.is_none())
                .map(|(claim, _)| claim.clone())
                .collect();
            let account = SourceAccount {
                source,
                identifiers: SourceIdentifiers::of(&request.details),
                created_at: timestamp(now),
            };
            match self
                .store
                .link_source(tenant, &existing, &account, &free)
                .await
            {
                Ok(()) => {
                    let mut customer = existing;
                    customer.version += 1;
                    customer.updated_at = account.created_at;
                    customer.sources.push(account);
                    return Ok(Created {
                        customer,
                        warnings: vec![Warning {
                            code: "source_account_linked",
                            message: format!(
                                "the identifiers belong to an existing customer; source {} was added to it",
                                source.as_str()
                            ),
                            field: None,
                        }],
                        linked: true,
                    });
                }
                // Changed or claimed concurrently: read again.
                Err(StoreError::Stale | StoreError::Taken(_)) => continue,
                Err(other) => return Err(CreateError::Store(other)),
            }
        }
        Err(CreateError::Store(StoreError::Unavailable(
            "the customer kept changing while linking".to_owned(),
        )))
    }
}

impl<S: CustomerReader, V> Customers<S, V> {
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
