//! `PATCH /customers/{id}`: a JSON Merge Patch of a customer, merged into what is stored at
//! each attempt and revised (`update.rs`).

use super::{review_warning, revise, Customers, DocumentUpdate, Updated};
use crate::api::show::details_json;
use crate::api::{parse_customer_patch, CustomerPatch, DocumentPatch, Parsed};
use crate::domain::{Customer, CustomerId, GroupId, Principal};
use crate::support::seal::SealKey;
use crate::use_cases::error::unknown_groups;
use crate::use_cases::executor::{Decision, Refusal, Retry, Write};
use crate::use_cases::idempotency::{Answer, Keyed};
use crate::use_cases::ports::{DocumentChecker, StoredCustomer, WriteStore};
use crate::use_cases::targets::{CustomerAt, Precondition};
use crate::use_cases::Error;
use serde_json::{Map, Value};
use time::OffsetDateTime;

/// A patch, its new document checked.
struct Patch {
    patch: Map<String, Value>,
    document: DocumentUpdate,
    /// The first attempt's parse, for the version it was made against.
    parsed: Option<(u64, Parsed<CustomerPatch>)>,
    group_pointers: Vec<(GroupId, String)>,
    /// For a customer stored before seals existed (see `revise`).
    spare_seal: SealKey,
}

impl Write for Patch {
    type Outcome = Updated;
    type Target = CustomerAt;

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
        if let DocumentUpdate::Replace(checked) = &self.document {
            warnings.extend(review_warning(&checked.record));
        }
        self.group_pointers = patched.group_pointers;
        Ok(revise(
            stored,
            patched.details,
            &self.document,
            warnings,
            &self.spare_seal,
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
        let prepare = async move |stored: &StoredCustomer, now: OffsetDateTime| {
            let mut parsed = parse(&stored.customer, &patch, now)?;
            let document = match std::mem::replace(&mut parsed.value.document, DocumentPatch::Keep)
            {
                DocumentPatch::Keep => DocumentUpdate::Keep,
                DocumentPatch::Remove => DocumentUpdate::Remove,
                DocumentPatch::Replace(document) => {
                    DocumentUpdate::Replace(self.check_document(tenant, document, now).await?)
                }
            };
            Ok(Patch {
                patch,
                document,
                parsed: Some((stored.customer.version, parsed)),
                group_pointers: Vec::new(),
                spare_seal: SealKey::generate()?,
            })
        };
        self.executor.run(tenant, keyed, target, prepare).await
    }
}
