//! Erasure (GDPR art. 17): the customer and every claim it holds go in one transaction, which
//! leaves a tombstone without personal data for audit.

use super::{CustomerError, Customers, Precondition};
use crate::auth::Principal;
use crate::domain::{timestamp, CustomerId, Tombstone};
use crate::retry::{Backoff, CONTENTION_BUDGET};
use crate::store::{CustomerEraser, CustomerReader, StoreError};

impl<S: CustomerReader + CustomerEraser + Sync, D> Customers<S, D> {
    /// Erases the customer at the version `precondition` names, or else at whatever version
    /// is current (re-read after a concurrent change). Every value it held is free at once.
    pub async fn erase(
        &self,
        principal: &Principal,
        id: &str,
        precondition: &Precondition,
        request_id: Option<&str>,
    ) -> Result<(), CustomerError> {
        let id = CustomerId::parse(id).ok_or(CustomerError::NotFound)?;
        let tombstone = Tombstone {
            id,
            deleted_at: timestamp((self.clock)()),
            deleted_by: principal.subject.clone(),
            request_id: request_id.map(str::to_owned),
        };
        let mut backoff = Backoff::new(CONTENTION_BUDGET);
        loop {
            let customer = self.current(principal, id, precondition).await?;
            match self
                .store
                .erase(&principal.tenant, &customer, &tombstone)
                .await
            {
                Ok(()) => return Ok(()),
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
