//! `POST /customers`: register a customer, or (opt-in, `link_existing`) add the request's
//! source to the one existing customer its identifiers belong to ([`super::link`]).

use super::{link, review_warning, Customers};
use crate::api::{parse_new_customer, CustomerInput};
use crate::domain::{Claim, Customer, CustomerId, GroupId, Principal, UniqueField, Warning};
use crate::support::seal::SealKey;
use crate::use_cases::error::unknown_groups;
use crate::use_cases::executor::{Decision, Refusal, Retry, Write};
use crate::use_cases::idempotency::{Answer, Keyed};
use crate::use_cases::ports::{Change, DocumentChecker, StoredCustomer, WriteStore, Written};
use crate::use_cases::targets::{Holders, Registered, Registering};
use crate::use_cases::Error;
use serde_json::{Map, Value};
use time::OffsetDateTime;

#[derive(Debug, PartialEq)]
pub struct Created {
    pub customer: Customer,
    pub warnings: Vec<Warning>,
    /// The request added a source account to an existing customer instead of creating one.
    pub linked: bool,
}

/// A registration's change: the new customer, every unique value it holds, and the groups it
/// names, which must exist.
pub fn register(new: &StoredCustomer, warnings: &[Warning]) -> Decision<Created> {
    let change = Change {
        record: Written::NewCustomer(Box::new(new.clone())),
        take: new.claims().into_iter().collect(),
        release: Vec::new(),
        groups: new.customer.details.groups.clone(),
    };
    let created = Created {
        customer: new.customer.clone(),
        warnings: warnings.to_vec(),
        linked: false,
    };
    Decision::Write(change, created)
}

/// A create, its request parsed and its document checked.
struct Registration {
    new: StoredCustomer,
    warnings: Vec<Warning>,
    group_pointers: Vec<(GroupId, String)>,
    link_existing: bool,
    /// The first taken value the create met, once it turned into a link.
    collided: Option<UniqueField>,
}

impl Write for Registration {
    type Outcome = Created;
    type Target = Registering;

    fn retarget(&self) -> Option<Registering> {
        self.collided
            .map(|_| Registering::Link(Holders::of(self.claims())))
    }

    fn decide(
        &mut self,
        found: &Registered,
        now: OffsetDateTime,
    ) -> Result<Decision<Created>, Error> {
        match (found, self.collided) {
            (Registered::Link(holding), Some(collided)) => {
                let claims = self.claims();
                link(holding, &self.new, &claims, &self.warnings, collided, now)
            }
            _ => Ok(register(&self.new, &self.warnings)),
        }
    }

    fn refused(&mut self, refusal: Refusal) -> Result<Retry, Error> {
        match refusal {
            // A link whose value was taken meanwhile: read the holders again.
            Refusal::Taken(_) if self.collided.is_some() => Ok(Retry::Later),
            Refusal::Taken(field) if self.link_existing => {
                self.collided = Some(field);
                Ok(Retry::Now)
            }
            Refusal::Taken(field) => Err(Error::Taken(field)),
            Refusal::UnknownGroups(missing) => Err(unknown_groups(&missing, &self.group_pointers)),
        }
    }
}

impl Registration {
    /// The values the request would hold (a link carries no identity document).
    fn claims(&self) -> Vec<Claim> {
        self.new.customer.claims().into_iter().collect()
    }
}

impl<S: WriteStore, D: DocumentChecker> Customers<S, D> {
    /// Validates everything first (an invalid request touches neither the bucket nor the
    /// table), then checks the identity document (its images are gone when this returns),
    /// then writes the customer and all its claims in one transaction. A keyed request whose
    /// key has a record is answered from it before any of that (no image is staged again).
    /// Takes the body by value: once parsed, its base64 images (up to ~5.6 MB) are dropped
    /// before the decoded ones are uploaded and read back.
    pub async fn create(
        &self,
        principal: &Principal,
        body: Map<String, Value>,
        keyed: Option<&Keyed<'_, Created>>,
    ) -> Result<Answer<Created>, Error> {
        let tenant = &principal.tenant;
        let prepare = async move |_: &Registered, now: OffsetDateTime| {
            let parsed = parse_new_customer(&body, now.date())?;
            drop(body);
            let mut warnings = parsed.warnings;
            let CustomerInput {
                details,
                identity_document,
                group_pointers,
                link_existing,
            } = parsed.value;
            let (record, document_claim) = match identity_document {
                None => (None, None),
                Some(document) => {
                    let checked = self.check_document(tenant, document, now).await?;
                    warnings.extend(review_warning(&checked.record));
                    (Some(checked.record), Some(checked.fingerprint))
                }
            };
            let subject = principal.subject.clone();
            let customer = Customer::register(CustomerId::random(), details, record, subject, now);
            Ok(Registration {
                new: StoredCustomer {
                    customer,
                    document_claim,
                    seal: Some(SealKey::generate()?),
                },
                warnings,
                group_pointers,
                link_existing,
                collided: None,
            })
        };
        self.executor
            .run(tenant, keyed, Registering::New, prepare)
            .await
    }
}
