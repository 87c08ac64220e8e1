//! `PATCH /customers/{id}`: a JSON Merge Patch of a customer, as one transaction that swaps the
//! claims of the unique values it changes.

use super::{review_warning, Customers};
use crate::api::show::details_json;
use crate::api::{parse_customer_patch, CustomerPatch, DocumentPatch, Parsed};
use crate::domain::{
    Customer, CustomerDetails, CustomerId, DocumentChange, GroupId, Principal, Warning,
};
use crate::use_cases::error::unknown_groups;
use crate::use_cases::executor::{Decision, Refusal, Retry, Write};
use crate::use_cases::idempotency::{Answer, Keyed};
use crate::use_cases::ports::{
    Change, CheckedDocument, DocumentChecker, StoredCustomer, WriteStore, Written,
};
use crate::use_cases::targets::{CustomerAt, Precondition};
use crate::use_cases::Error;
use serde_json::{Map, Value};
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
/// groups it newly names.
pub fn revise(
    stored: &StoredCustomer,
    details: CustomerDetails,
    document: &DocumentUpdate,
    warnings: Vec<Warning>,
    now: OffsetDateTime,
) -> Decision<Updated> {
    let current = &stored.customer;
    if details == current.details && *document == DocumentUpdate::Keep {
        let customer = current.clone();
        return Decision::Unchanged(Updated { customer, warnings });
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

/// A patch, its new document checked.
struct Patch {
    target: CustomerAt,
    patch: Map<String, Value>,
    document: DocumentUpdate,
    document_warning: Option<Warning>,
    /// The first attempt's parse, for the version it was made against.
    parsed: Option<(u64, Parsed<CustomerPatch>)>,
    group_pointers: Vec<(GroupId, String)>,
}

impl Write for Patch {
    type Outcome = Updated;
    type Target = CustomerAt;

    fn target(&self) -> CustomerAt {
        self.target.clone()
    }

    /// The patch applies to what is stored now: after a concurrent change, it is merged into
    /// what that change left (never losing it).
    fn decide(
        &mut self,
        stored: &StoredCustomer,
        now: OffsetDateTime,
    ) -> Result<Decision<Updated>, Error> {
        let parsed = match self.parsed.take() {
            Some((version, parsed)) if version == stored.customer.version => parsed,
            _ => parse(&stored.customer, &self.patch, now)?,
        };
        let Parsed {
            value: patched,
            mut warnings,
        } = parsed;
        warnings.extend(self.document_warning.clone());
        self.group_pointers = patched.group_pointers;
        Ok(revise(
            stored,
            patched.details,
            &self.document,
            warnings,
            now,
        ))
    }

    fn refused(&mut self, refusal: Refusal) -> Result<Retry, Error> {
        match refusal {
            Refusal::Taken(field) => Err(Error::Taken(field)),
            Refusal::UnknownGroups(missing) => Err(unknown_groups(&missing, &self.group_pointers)),
        }
    }
}

/// The patch applied to `current`'s details as GET shows them.
fn parse(
    current: &Customer,
    patch: &Map<String, Value>,
    now: OffsetDateTime,
) -> Result<Parsed<CustomerPatch>, Error> {
    let shown = details_json(&current.details).ok_or(Error::Unrepresentable)?;
    Ok(parse_customer_patch(shown, patch, now.date())?)
}

impl<S: WriteStore, D: DocumentChecker> Customers<S, D> {
    /// Applies `patch` to the customer: to the version `precondition` names, or else to the
    /// current one. A patch that changes nothing writes nothing (but the record of a keyed
    /// one). A new identity document is checked once, exactly as on create, before the first
    /// write.
    pub async fn update(
        &self,
        principal: &Principal,
        id: &str,
        patch: Map<String, Value>,
        precondition: Precondition,
        keyed: Option<&Keyed<'_, Updated>>,
    ) -> Result<Answer<Updated>, Error> {
        let id = CustomerId::parse(id).ok_or(Error::NotFound)?;
        let target = CustomerAt { id, precondition };
        let tenant = &principal.tenant;
        let first = target.clone();
        let prepare = async move |stored: &StoredCustomer, now: OffsetDateTime| {
            let mut parsed = parse(&stored.customer, &patch, now)?;
            let (document, document_warning) =
                match std::mem::replace(&mut parsed.value.document, DocumentPatch::Keep) {
                    DocumentPatch::Keep => (DocumentUpdate::Keep, None),
                    DocumentPatch::Remove => (DocumentUpdate::Remove, None),
                    DocumentPatch::Replace(document) => {
                        let checked = self.check_document(tenant, document, now).await?;
                        let warning = review_warning(&checked.record);
                        (DocumentUpdate::Replace(checked), warning)
                    }
                };
            Ok(Patch {
                target,
                patch,
                document,
                document_warning,
                parsed: Some((stored.customer.version, parsed)),
                group_pointers: Vec::new(),
            })
        };
        self.executor.run(tenant, keyed, first, prepare).await
    }
}
