//! Source accounts (Capillary's behaviour, opt-in with `link_existing`): a create whose
//! identifiers belong to one existing customer adds the request's source to that customer
//! instead of failing.

use super::{Created, CustomerError, Customers};
use crate::domain::{
    timestamp, Claim, Customer, CustomerId, SourceAccount, SourceIdentifiers, UniqueField, Warning,
};
use crate::http::auth::Principal;
use crate::store::{CustomerReader, IdempotencyStore, SourceLinker, StoreError};
use crate::support::retry::{Backoff, CONTENTION_BUDGET};
use crate::use_cases::idempotency::{Answer, Idempotent};
use crate::use_cases::keyed;
use time::OffsetDateTime;

/// A create that collided and opted in to linking.
pub(super) struct LinkRequest<'a> {
    pub principal: &'a Principal,
    /// The customer the create would have registered, and the warnings its parsing gave.
    pub customer: &'a Customer,
    pub warnings: &'a [Warning],
    pub claims: &'a [Claim],
    /// The first taken value the create met.
    pub collided: UniqueField,
    pub now: OffsetDateTime,
    pub keyed: Option<&'a Idempotent<'a, Created>>,
}

impl<S: CustomerReader + SourceLinker + IdempotencyStore + Sync, D> Customers<S, D> {
    /// Every identifier must be the customer's or free, and the customer must not have the
    /// source yet; otherwise it is the 409 of the taken field. The update is conditional on the
    /// customer's version, so a concurrent change means a re-read and another try (with
    /// backoff, for as long as the request may wait), never a lost write.
    pub(super) async fn link(
        &self,
        link: LinkRequest<'_>,
    ) -> Result<Answer<Created>, CustomerError> {
        let mut backoff = Backoff::new(CONTENTION_BUDGET);
        loop {
            if let Some(created) = self.try_link(&link).await? {
                return Ok(created);
            }
            if !backoff.wait().await {
                return Err(CustomerError::Store(StoreError::Contended));
            }
        }
    }

    /// One attempt: `None` when the customer (or a claim) changed under it.
    async fn try_link(
        &self,
        link: &LinkRequest<'_>,
    ) -> Result<Option<Answer<Created>>, CustomerError> {
        let LinkRequest {
            principal,
            customer: request,
            warnings,
            claims,
            collided,
            now,
            keyed,
        } = *link;
        let tenant = &principal.tenant;
        let owners = self
            .store
            .claim_owners(tenant, claims)
            .await
            .map_err(CustomerError::Store)?;
        let taken: Vec<(UniqueField, CustomerId)> = claims
            .iter()
            .zip(&owners)
            .filter_map(|(claim, owner)| owner.map(|id| (claim.field, id)))
            .collect();
        let Some(&(first_field, owner)) = taken.first() else {
            // Everything was freed in the meantime: nothing to link to; answer with the
            // collision the create saw.
            return Err(CustomerError::Taken(collided));
        };
        if let Some((field, _)) = taken.iter().find(|(_, id)| *id != owner) {
            return Err(CustomerError::Taken(*field));
        }
        let Some(existing) = self
            .store
            .get(tenant, owner)
            .await
            .map_err(CustomerError::Store)?
        else {
            return Err(CustomerError::Taken(first_field));
        };
        let source = request.details.source;
        if existing.sources.iter().any(|a| a.source == source) {
            return Err(CustomerError::Taken(first_field));
        }
        // The owners were read before the customer. A value read as the customer's must still
        // be one it holds at the version just read, or a change in between (a patch that
        // released it) would leave the new account listing a value nobody claims: read again.
        // The link is conditional on that version, so what it holds now it holds at the write.
        let held = existing.claims();
        let left = claims
            .iter()
            .zip(&owners)
            .any(|(claim, read)| *read == Some(owner) && !held.contains(claim));
        if left {
            return Ok(None);
        }
        // Every other value is put on condition that it is still free.
        let free: Vec<Claim> = claims
            .iter()
            .filter(|claim| !held.contains(claim))
            .cloned()
            .collect();
        let account = SourceAccount {
            source,
            identifiers: SourceIdentifiers::of(&request.details),
            created_at: timestamp(now),
        };
        let mut customer = existing.clone();
        customer.version += 1;
        customer.updated_at = account.created_at;
        customer.sources.push(account.clone());
        let mut all_warnings = warnings.to_vec();
        all_warnings.push(Warning::SourceAccountLinked { source });
        let linked = Created {
            customer,
            warnings: all_warnings,
            linked: true,
        };
        let receipt = keyed::receipt(keyed, &linked, now)?;
        match self
            .store
            .link_source(tenant, &existing, &account, &free, receipt.as_ref())
            .await
        {
            Ok(()) => Ok(Some(Answer::Fresh(linked))),
            Err(StoreError::AlreadyRecorded) => Ok(Some(Answer::Replayed(
                keyed::answer_after_losing(&self.store, tenant, keyed, now).await?,
            ))),
            Err(StoreError::Stale | StoreError::Taken(_)) => Ok(None),
            Err(other) => Err(CustomerError::Store(other)),
        }
    }
}
