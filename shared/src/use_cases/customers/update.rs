//! A customer's revision: the patched details (and document) as one change that swaps the
//! claims of the unique values it changes. The patch itself is `patch.rs`.

use crate::domain::{Customer, CustomerDetails, DocumentChange, GroupId, Warning};
use crate::support::seal::SealKey;
use crate::use_cases::executor::Decision;
use crate::use_cases::ports::{Change, CheckedDocument, StoredCustomer, Written};
use time::OffsetDateTime;

#[derive(Debug, PartialEq)]
pub struct Updated {
    pub customer: Customer,
    pub warnings: Vec<Warning>,
}

/// What a patch does to the identity document, the new one checked.
#[derive(Debug, Clone, PartialEq)]
pub enum DocumentUpdate {
    Keep,
    Remove,
    Replace(CheckedDocument),
}

/// The customer with `details` (the patch merged into what is stored, parsed) and `document`:
/// nothing to write when they are what is stored; otherwise the customer one version on,
/// taking the unique values it now holds and releasing those it no longer does (a value held
/// on both sides is not touched, so a customer never collides with itself), and requiring the
/// groups it newly names. A customer stored before seals existed takes `spare_seal` at this
/// first write, even one that changes nothing a client sees (then at its version): a keyed
/// patch's recorded reply must be sealed with a key the customer's erasure destroys.
pub fn revise(
    stored: &StoredCustomer,
    details: CustomerDetails,
    document: &DocumentUpdate,
    warnings: Vec<Warning>,
    spare_seal: &SealKey,
    now: OffsetDateTime,
) -> Decision<Updated> {
    let current = &stored.customer;
    let seal = stored.seal.clone().unwrap_or_else(|| spare_seal.clone());
    if details == current.details && *document == DocumentUpdate::Keep {
        let customer = current.clone();
        if stored.seal.is_some() {
            return Decision::Unchanged(Updated { customer, warnings });
        }
        let sealed = StoredCustomer {
            seal: Some(seal),
            ..stored.clone()
        };
        let change = Change::of(Written::Customer {
            customer: Box::new(sealed),
            read_version: current.version,
        });
        return Decision::Write(change, Updated { customer, warnings });
    }
    let (change, document_claim) = match document {
        DocumentUpdate::Keep => (DocumentChange::Keep, stored.document_claim.clone()),
        DocumentUpdate::Remove => (DocumentChange::Remove, None),
        DocumentUpdate::Replace(checked) => (
            DocumentChange::Replace(checked.record.clone()),
            Some(checked.fingerprint.clone()),
        ),
    };
    let revised = StoredCustomer {
        customer: current.revise(details, change, now),
        document_claim,
        seal: Some(seal),
    };
    let (before, after) = (stored.claims(), revised.claims());
    let groups: Vec<GroupId> = revised
        .customer
        .details
        .groups
        .iter()
        .filter(|group| !current.details.groups.contains(group))
        .copied()
        .collect();
    let updated = Updated {
        customer: revised.customer.clone(),
        warnings,
    };
    let change = Change {
        take: after.difference(&before).cloned().collect(),
        release: before.difference(&after).cloned().collect(),
        groups,
        record: Written::Customer {
            customer: Box::new(revised),
            read_version: current.version,
        },
    };
    Decision::Write(change, updated)
}
