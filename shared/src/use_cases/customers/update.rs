//! `PATCH`: a JSON Merge Patch of a customer, as one transaction that swaps the claims of the
//! unique values it changes.

use super::{review_warning, CustomerError, Customers, Precondition};
use crate::api::{parse_customer_patch, CustomerPatch, DocumentPatch, Parsed};
use crate::documents::DocumentChecker;
use crate::domain::{Customer, CustomerId, DocumentChange, GroupId, Warning};
use crate::http::auth::Principal;
use crate::store::{ClaimChanges, CustomerReader, CustomerUpdater, IdempotencyStore, StoreError};
use crate::support::retry::{Backoff, CONTENTION_BUDGET};
use crate::use_cases::idempotency::{Answer, Idempotent, RecordedResponse};
use crate::use_cases::keyed;
use serde_json::{Map, Value};
use time::OffsetDateTime;

#[derive(Debug, PartialEq)]
pub struct Updated {
    pub customer: Customer,
    pub warnings: Vec<Warning>,
}

impl<S, D> Customers<S, D>
where
    S: CustomerReader + CustomerUpdater + IdempotencyStore + Sync,
    D: DocumentChecker,
{
    /// Applies `patch` to the customer: to the version `precondition` names, or else to the
    /// current one, re-read and re-applied after a concurrent change (never losing it). A
    /// patch that changes nothing writes nothing (but the record of a keyed one). A new
    /// identity document is checked once, exactly as on create, before the first attempt.
    pub async fn update(
        &self,
        principal: &Principal,
        id: &str,
        patch: Map<String, Value>,
        precondition: &Precondition,
        keyed: Option<&Idempotent<'_, Updated>>,
    ) -> Result<Answer<Updated>, CustomerError> {
        let id = CustomerId::parse(id).ok_or(CustomerError::NotFound)?;
        let now = (self.clock)();
        let tenant = &principal.tenant;
        if let Some(response) = keyed::recorded_answer(&self.store, tenant, keyed, now).await? {
            return Ok(Answer::Replayed(response));
        }
        let mut current = match self.found(principal, id, precondition, keyed, now).await? {
            Found::Customer(customer) => *customer,
            Found::Recorded(response) => return Ok(Answer::Replayed(response)),
        };
        let mut parsed = parse(&current, &patch, now)?;
        let mut warnings = std::mem::take(&mut parsed.warnings);
        let document = match std::mem::replace(&mut parsed.value.document, DocumentPatch::Keep) {
            DocumentPatch::Keep => DocumentChange::Keep,
            DocumentPatch::Remove => DocumentChange::Remove,
            DocumentPatch::Replace(document) => {
                let checked = self.check_document(principal, document, now).await?;
                warnings.extend(review_warning(&checked.record));
                DocumentChange::Replace {
                    record: checked.record,
                    fingerprint: checked.fingerprint,
                }
            }
        };
        let mut backoff = Backoff::new(CONTENTION_BUDGET);
        loop {
            let patched = parsed.value;
            if patched.details == current.details && document == DocumentChange::Keep {
                let unchanged = Updated {
                    customer: current,
                    warnings: warnings.clone(),
                };
                return self.unchanged(tenant, unchanged, keyed, now).await;
            }
            let revised = current.revise(patched.details, document.clone(), now);
            let changes = ClaimChanges::between(&current, &revised);
            let new_groups: Vec<GroupId> = revised
                .details
                .groups
                .iter()
                .filter(|group| !current.details.groups.contains(group))
                .copied()
                .collect();
            let updated = Updated {
                customer: revised,
                warnings: warnings.clone(),
            };
            let receipt = keyed::receipt(keyed, &updated, now)?;
            let written = self
                .store
                .replace(
                    tenant,
                    current.version,
                    &updated.customer,
                    &changes,
                    &new_groups,
                    receipt.as_ref(),
                )
                .await;
            match written {
                Ok(()) => return Ok(Answer::Fresh(updated)),
                Err(StoreError::AlreadyRecorded) => {
                    return Ok(Answer::Replayed(
                        keyed::answer_after_losing(&self.store, tenant, keyed, now).await?,
                    ))
                }
                Err(StoreError::Taken(field)) => return Err(CustomerError::Taken(field)),
                Err(StoreError::UnknownGroups(missing)) => {
                    return Err(CustomerError::UnknownGroups(
                        patched
                            .group_pointers
                            .into_iter()
                            .filter(|(id, _)| missing.contains(id))
                            .map(|(_, pointer)| pointer)
                            .collect(),
                    ))
                }
                Err(StoreError::Stale) if matches!(precondition, Precondition::Versions(_)) => {
                    return Err(CustomerError::PreconditionFailed)
                }
                Err(StoreError::Stale) => {
                    if !backoff.wait().await {
                        return Err(CustomerError::Store(StoreError::Contended));
                    }
                    // Another write came first: apply the patch to what it left.
                    current = match self.found(principal, id, precondition, keyed, now).await? {
                        Found::Customer(customer) => *customer,
                        Found::Recorded(response) => return Ok(Answer::Replayed(response)),
                    };
                    parsed = parse(&current, &patch, now)?;
                }
                Err(other) => return Err(CustomerError::Store(other)),
            }
        }
    }
}

impl<S: IdempotencyStore, D> Customers<S, D> {
    /// A patch that changes nothing: no write, but a keyed one records its answer (so that a
    /// retry replays it even after the customer changed).
    async fn unchanged(
        &self,
        tenant: &crate::domain::TenantId,
        unchanged: Updated,
        keyed: Option<&Idempotent<'_, Updated>>,
        now: OffsetDateTime,
    ) -> Result<Answer<Updated>, CustomerError> {
        let Some(receipt) = keyed::receipt(keyed, &unchanged, now)? else {
            return Ok(Answer::Fresh(unchanged));
        };
        match self.store.record(tenant, &receipt).await {
            Ok(()) => Ok(Answer::Fresh(unchanged)),
            Err(StoreError::AlreadyRecorded) => Ok(Answer::Replayed(
                keyed::answer_after_losing(&self.store, tenant, keyed, now).await?,
            )),
            Err(other) => Err(CustomerError::Store(other)),
        }
    }
}

/// What a keyed write found to act on: the customer, or the answer a request with its key
/// that ran alongside already recorded.
pub(super) enum Found {
    Customer(Box<Customer>),
    Recorded(RecordedResponse),
}

impl<S: CustomerReader + IdempotencyStore, D> Customers<S, D> {
    /// The customer as stored now, if `precondition` admits its version. A keyed request that
    /// finds it gone, or moved past `precondition`, may have lost to a retry of itself that
    /// came first (the erasure or the patch it made): that one's record is the answer.
    pub(super) async fn found<T>(
        &self,
        principal: &Principal,
        id: CustomerId,
        precondition: &Precondition,
        keyed: Option<&Idempotent<'_, T>>,
        now: OffsetDateTime,
    ) -> Result<Found, CustomerError> {
        match self.current(principal, id, precondition).await {
            Ok(customer) => Ok(Found::Customer(Box::new(customer))),
            Err(lost @ (CustomerError::NotFound | CustomerError::PreconditionFailed)) => {
                match keyed::recorded_answer(&self.store, &principal.tenant, keyed, now).await? {
                    Some(response) => Ok(Found::Recorded(response)),
                    None => Err(lost),
                }
            }
            Err(other) => Err(other),
        }
    }
}

impl<S: CustomerReader, D> Customers<S, D> {
    /// The customer as stored now, if `precondition` admits its version.
    pub(super) async fn current(
        &self,
        principal: &Principal,
        id: CustomerId,
        precondition: &Precondition,
    ) -> Result<Customer, CustomerError> {
        let customer = self
            .store
            .get(&principal.tenant, id)
            .await?
            .ok_or(CustomerError::NotFound)?;
        if !precondition.admits(customer.version) {
            return Err(CustomerError::PreconditionFailed);
        }
        Ok(customer)
    }
}

/// The patch applied to `current`'s details as GET shows them.
fn parse(
    current: &Customer,
    patch: &Map<String, Value>,
    now: OffsetDateTime,
) -> Result<Parsed<CustomerPatch>, CustomerError> {
    let Ok(Value::Object(shown)) = serde_json::to_value(&current.details) else {
        return Err(CustomerError::Unrepresentable);
    };
    Ok(parse_customer_patch(shown, patch, now.date())?)
}
