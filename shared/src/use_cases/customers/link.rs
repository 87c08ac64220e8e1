//! Source accounts (Capillary's behaviour, opt-in with `link_existing`): a create whose
//! identifiers belong to one existing customer adds the request's source to that customer
//! instead of failing.

use super::Created;
use crate::domain::{
    timestamp, Claim, CustomerId, SourceAccount, SourceIdentifiers, UniqueField, Warning,
};
use crate::use_cases::executor::Decision;
use crate::use_cases::ports::{Change, StoredCustomer, Written};
use crate::use_cases::targets::Holding;
use crate::use_cases::Error;
use time::OffsetDateTime;

/// The link of `request` (the customer a create would have registered, holding `claims`) to
/// the customer holding its values, after the create collided on `collided`. A customer
/// stored before seals existed takes the request's. Every value must
/// be that customer's or free, and the customer must not have the request's source yet;
/// otherwise it is the 409 of the taken field. The change is conditional on the version read,
/// and claims the free values on condition that they are still free.
pub fn link(
    holding: &Holding,
    request: &StoredCustomer,
    claims: &[Claim],
    warnings: &[Warning],
    collided: UniqueField,
    now: OffsetDateTime,
) -> Result<Decision<Created>, Error> {
    let taken: Vec<(UniqueField, CustomerId)> = claims
        .iter()
        .zip(&holding.owners)
        .filter_map(|(claim, owner)| owner.map(|id| (claim.field, id)))
        .collect();
    let Some(&(first_field, owner)) = taken.first() else {
        // Everything was freed in the meantime: nothing to link to; answer with the collision
        // the create saw.
        return Err(Error::Taken(collided));
    };
    if let Some((field, _)) = taken.iter().find(|(_, id)| *id != owner) {
        return Err(Error::Taken(*field));
    }
    let Some(existing) = &holding.customer else {
        return Err(Error::Taken(first_field));
    };
    let source = request.customer.details.source;
    if existing.customer.sources.iter().any(|a| a.source == source) {
        return Err(Error::Taken(first_field));
    }
    // The owners were read before the customer. A value read as the customer's must still be
    // one it holds at the version read, or a change in between (a patch that released it)
    // would leave the new account listing a value nobody claims: read again.
    let held = existing.claims();
    let left = claims
        .iter()
        .zip(&holding.owners)
        .any(|(claim, read)| *read == Some(owner) && !held.contains(claim));
    if left {
        return Ok(Decision::Reread);
    }
    let account = SourceAccount {
        source,
        identifiers: SourceIdentifiers::of(&request.customer.details),
        created_at: timestamp(now),
    };
    let linked = existing.customer.with_source(account);
    let mut all_warnings = warnings.to_vec();
    all_warnings.push(Warning::SourceAccountLinked { source });
    let change = Change {
        record: Written::Customer {
            customer: Box::new(StoredCustomer {
                customer: linked.clone(),
                document_claim: existing.document_claim.clone(),
                seal: existing.seal.clone().or_else(|| request.seal.clone()),
            }),
            read_version: existing.customer.version,
        },
        // Every other value is taken on condition that it is still free.
        take: claims
            .iter()
            .filter(|claim| !held.contains(claim))
            .cloned()
            .collect(),
        release: Vec::new(),
        groups: Vec::new(),
    };
    let created = Created {
        customer: linked,
        warnings: all_warnings,
        linked: true,
    };
    Ok(Decision::Write(change, created))
}
