//! Erasure (GDPR art. 17): the customer and every claim it holds go in one transaction, which
//! leaves a tombstone without personal data for audit.

use super::update::Found;
use super::{CustomerError, Customers, Precondition};
use crate::domain::{timestamp, CustomerId, Tombstone};
use crate::http::auth::Principal;
use crate::store::{CustomerEraser, CustomerReader, IdempotencyStore, StoreError};
use crate::support::retry::{Backoff, CONTENTION_BUDGET};
use crate::use_cases::idempotency::{Answer, Idempotent};
use crate::use_cases::keyed;

impl<S: CustomerReader + CustomerEraser + IdempotencyStore + Sync, D> Customers<S, D> {
    /// Erases the customer at the version `precondition` names, or else at whatever version
    /// is current (re-read after a concurrent change). Every value it held is free at once.
    /// A keyed erasure answers a retry with its own 204, not a 404.
    pub async fn erase(
        &self,
        principal: &Principal,
        id: &str,
        precondition: &Precondition,
        request_id: Option<&str>,
        keyed: Option<&Idempotent<'_, ()>>,
    ) -> Result<Answer<()>, CustomerError> {
        let id = CustomerId::parse(id).ok_or(CustomerError::NotFound)?;
        let now = (self.clock)();
        let tenant = &principal.tenant;
        if let Some(response) = keyed::recorded_answer(&self.store, tenant, keyed, now).await? {
            return Ok(Answer::Replayed(response));
        }
        let tombstone = Tombstone {
            id,
            deleted_at: timestamp(now),
            deleted_by: principal.subject.clone(),
            request_id: request_id.map(str::to_owned),
        };
        let receipt = keyed::receipt(keyed, &(), now)?;
        let mut backoff = Backoff::new(CONTENTION_BUDGET);
        loop {
            let customer = match self.found(principal, id, precondition, keyed, now).await? {
                Found::Customer(customer) => *customer,
                Found::Recorded(response) => return Ok(Answer::Replayed(response)),
            };
            match self
                .store
                .erase(tenant, &customer, &tombstone, receipt.as_ref())
                .await
            {
                Ok(()) => return Ok(Answer::Fresh(())),
                Err(StoreError::AlreadyRecorded) => {
                    return Ok(Answer::Replayed(
                        keyed::answer_after_losing(&self.store, tenant, keyed, now).await?,
                    ))
                }
                Err(StoreError::Stale) if matches!(precondition, Precondition::Versions(_)) => {
                    return Err(CustomerError::PreconditionFailed)
                }
                Err(StoreError::Stale) => {
                    if !backoff.wait().await {
                        return Err(CustomerError::Store(StoreError::Contended));
                    }
                }
                Err(other) => return Err(CustomerError::Store(other)),
            }
        }
    }
}
