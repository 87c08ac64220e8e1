//! Erasure (GDPR art. 17): the customer and every claim it holds go in one transaction, which
//! leaves a tombstone without personal data for audit.

use super::Customers;
use crate::domain::{timestamp, CustomerId, Principal, Tombstone};
use crate::use_cases::executor::{Decision, Write};
use crate::use_cases::idempotency::{Answer, Keyed};
use crate::use_cases::ports::{Change, StoredCustomer, WriteStore, Written};
use crate::use_cases::targets::{CustomerAt, Precondition};
use crate::use_cases::Error;
use time::OffsetDateTime;

/// The erasure's change: the customer deleted at the version read, every value it held freed
/// (each on condition that it is still its own), `tombstone` in its place, at the version after
/// the one read (an attempt after contention reads a later one than the tombstone was made at).
pub fn erase(stored: &StoredCustomer, tombstone: &Tombstone) -> Decision<()> {
    let change = Change {
        release: stored.claims().into_iter().collect(),
        ..Change::of(Written::Erased {
            tombstone: Tombstone {
                version: stored.customer.version + 1,
                ..tombstone.clone()
            },
            read_version: stored.customer.version,
        })
    };
    Decision::Write(change, ())
}

struct Erasure {
    tombstone: Tombstone,
}

impl Write for Erasure {
    type Outcome = ();
    type Target = CustomerAt;

    fn decide(
        &mut self,
        stored: &StoredCustomer,
        _: OffsetDateTime,
    ) -> Result<Decision<()>, Error> {
        Ok(erase(stored, &self.tombstone))
    }
}

impl<S: WriteStore, D> Customers<S, D> {
    /// Erases the customer at the version `precondition` names, or else at whatever version
    /// is current. Every value it held is free at once. A keyed erasure answers a retry with
    /// its own 204, not a 404.
    pub async fn erase(
        &self,
        principal: &Principal,
        id: &str,
        precondition: Precondition,
        request_id: Option<&str>,
        keyed: Option<&Keyed<'_, ()>>,
    ) -> Result<Answer<()>, Error> {
        let id = CustomerId::parse(id).ok_or(Error::NotFound)?;
        let target = CustomerAt { id, precondition };
        let prepare = async move |stored: &StoredCustomer, now: OffsetDateTime| {
            let tombstone = Tombstone {
                id,
                deleted_at: timestamp(now),
                deleted_by: principal.subject.clone(),
                request_id: request_id.map(str::to_owned),
                version: stored.customer.version + 1,
            };
            Ok(Erasure { tombstone })
        };
        self.executor
            .run(&principal.tenant, keyed, target, prepare)
            .await
    }
}
