//! Each write's rules as a plain function of what is stored, the request and the time: a
//! change, nothing to change, or a domain error. No store, no async, no HTTP.

use crate::api::parse_new_customer;
use crate::domain::{
    timestamp, Claim, Customer, CustomerDetails, CustomerGroup, CustomerId, DocumentRecord,
    DocumentType, GroupId, GroupName, Source, Subject, Tombstone, UniqueField, Verification,
    Warning,
};
use crate::support::seal::SealKey;
use crate::use_cases::customers::{erase, link, register, revise, DocumentUpdate};
use crate::use_cases::executor::Decision;
use crate::use_cases::groups::new_group;
use crate::use_cases::ports::{Change, CheckedDocument, StoredCustomer, Written};
use crate::use_cases::targets::Holding;
use crate::use_cases::Error;
use serde_json::{json, Value};
use time::macros::datetime;
use time::OffsetDateTime;

const NOW: OffsetDateTime = datetime!(2026-11-25 10:00:00.123456 UTC);
const LATER: OffsetDateTime = datetime!(2026-11-26 08:30:00 UTC);

fn details(body: Value) -> CustomerDetails {
    let body = body.as_object().cloned().unwrap_or_default();
    match parse_new_customer(&body, NOW.date()) {
        Ok(parsed) => parsed.value.details,
        Err(errors) => panic!("invalid: {errors:?}"),
    }
}

fn stored(body: Value, document_claim: Option<&str>) -> StoredCustomer {
    let by = Subject::parse("user-1").expect("subject");
    let customer = Customer::register(CustomerId::random(), details(body), None, by, NOW);
    StoredCustomer {
        customer,
        document_claim: document_claim.map(str::to_owned),
        seal: Some(key()),
    }
}

fn key() -> SealKey {
    SealKey::generate().expect("randomness")
}

fn claim(field: UniqueField, value: &str) -> Claim {
    Claim::new(field, value)
}

fn sorted(mut claims: Vec<Claim>) -> Vec<Claim> {
    claims.sort();
    claims
}

fn written<T: std::fmt::Debug>(decision: Decision<T>) -> (Change, T) {
    match decision {
        Decision::Write(change, outcome) => (change, outcome),
        other => panic!("expected a change: {other:?}"),
    }
}

#[test]
fn a_registration_takes_every_value_it_holds_and_requires_its_groups() {
    let group = GroupId::random();
    let ann = stored(
        json!({"first_name": "Ann", "email": "Ann@Example.com", "mobile": "+19203751411",
            "identifiers": {"external_id": "crm-1"}, "groups": [group.to_string()]}),
        Some("fp-1"),
    );
    let warnings = [Warning::DuplicateGroupCollapsed {
        at: "/groups/1".into(),
    }];
    let (change, created) = written(register(&ann, &warnings));
    assert_eq!(change.record, Written::NewCustomer(Box::new(ann.clone())));
    assert_eq!(
        sorted(change.take),
        [
            claim(UniqueField::Email, "ann@example.com"),
            claim(UniqueField::Mobile, "+19203751411"),
            claim(UniqueField::ExternalId, "crm-1"),
            claim(UniqueField::IdentityDocument, "fp-1"),
        ]
    );
    assert!(change.release.is_empty());
    assert_eq!(change.groups, [group]);
    assert_eq!(created.customer, ann.customer);
    assert_eq!(created.warnings, warnings);
    assert!(!created.linked);
}

#[test]
fn a_revision_that_changes_nothing_writes_nothing() {
    let ann = stored(
        json!({"first_name": "Ann", "email": "ann@example.com"}),
        None,
    );
    let same = details(json!({"first_name": "Ann", "email": "ANN@example.com"}));
    match revise(&ann, same, &DocumentUpdate::Keep, Vec::new(), &key(), LATER) {
        Decision::Unchanged(updated) => assert_eq!(updated.customer, ann.customer),
        other => panic!("{other:?}"),
    }
}

/// A customer stored before seals existed is given one at its first write, even a patch that
/// changes nothing a client sees (at its version: no new version, no new `updated_at`), so
/// that the reply a keyed patch records is sealed; it keeps its key from then on.
#[test]
fn a_customer_without_a_seal_takes_the_spare_one_at_its_version() {
    let mut ann = stored(
        json!({"first_name": "Ann", "email": "ann@example.com"}),
        None,
    );
    ann.seal = None;
    let spare = key();
    let same = ann.customer.details.clone();
    let (change, updated) = written(revise(
        &ann,
        same,
        &DocumentUpdate::Keep,
        Vec::new(),
        &spare,
        LATER,
    ));
    assert_eq!(updated.customer, ann.customer, "nothing a client sees");
    assert!(change.take.is_empty() && change.release.is_empty());
    let Written::Customer {
        customer,
        read_version,
    } = &change.record
    else {
        panic!("{:?}", change.record);
    };
    assert_eq!((*read_version, customer.customer.version), (1, 1));
    assert_eq!(customer.seal.as_ref(), Some(&spare));
    assert_eq!(change.record.sealing().map(|s| s.key), Some(spare.clone()));

    let sealed = StoredCustomer {
        seal: Some(key()),
        ..ann.clone()
    };
    let patched = details(json!({"first_name": "Bo", "email": "ann@example.com"}));
    let (change, _) = written(revise(
        &sealed,
        patched,
        &DocumentUpdate::Keep,
        Vec::new(),
        &spare,
        LATER,
    ));
    assert_eq!(
        change.record.sealing().map(|s| s.key),
        sealed.seal,
        "its own key kept"
    );
}

#[test]
fn a_revision_swaps_the_claims_of_the_values_it_changes_one_version_on() {
    let group = GroupId::random();
    let ann = stored(
        json!({"first_name": "Ann", "email": "ann@example.com", "mobile": "+19203751411",
            "groups": [group.to_string()]}),
        Some("fp-1"),
    );
    let added = GroupId::random();
    let patched = details(json!({"first_name": "Ann", "email": "ann@new.example",
        "mobile": "+19203751411", "groups": [group.to_string(), added.to_string()]}));
    let (change, updated) = written(revise(
        &ann,
        patched,
        &DocumentUpdate::Keep,
        Vec::new(),
        &key(),
        LATER,
    ));
    assert_eq!(change.take, [claim(UniqueField::Email, "ann@new.example")]);
    assert_eq!(
        change.release,
        [claim(UniqueField::Email, "ann@example.com")]
    );
    assert_eq!(change.groups, [added], "only the groups it newly names");
    let Written::Customer {
        customer,
        read_version,
    } = change.record
    else {
        panic!("not a revision: {:?}", change.record);
    };
    assert_eq!(read_version, 1);
    assert_eq!(customer.customer, updated.customer);
    assert_eq!(customer.document_claim.as_deref(), Some("fp-1"), "kept");
    assert_eq!(updated.customer.version, 2);
    assert_eq!(updated.customer.updated_at, timestamp(LATER));
    let registered = &updated.customer.sources[0].identifiers;
    assert_eq!(
        registered.email.as_ref().map(|e| e.as_str()),
        Some("ann@new.example")
    );
}

#[test]
fn a_revision_replaces_or_removes_the_identity_document_with_its_claim() {
    let ann = stored(
        json!({"first_name": "Ann", "email": "ann@example.com"}),
        Some("fp-1"),
    );
    let same = || ann.customer.details.clone();
    let record = DocumentRecord {
        doc_type: DocumentType::Passport,
        country: crate::domain::CountryCode::parse("CL").expect("country"),
        expires_on: None,
        number_last4: "4321".into(),
        verification: Verification::from_reasons(Vec::new(), NOW),
    };
    let checked = CheckedDocument {
        record: record.clone(),
        fingerprint: "fp-2".into(),
    };
    let replace = DocumentUpdate::Replace(checked);
    let (change, updated) = written(revise(&ann, same(), &replace, Vec::new(), &key(), LATER));
    assert_eq!(change.take, [claim(UniqueField::IdentityDocument, "fp-2")]);
    assert_eq!(
        change.release,
        [claim(UniqueField::IdentityDocument, "fp-1")]
    );
    assert_eq!(updated.customer.identity_document, Some(record));
    let (change, updated) = written(revise(
        &ann,
        same(),
        &DocumentUpdate::Remove,
        Vec::new(),
        &key(),
        LATER,
    ));
    assert!(change.take.is_empty());
    assert_eq!(
        change.release,
        [claim(UniqueField::IdentityDocument, "fp-1")]
    );
    assert_eq!(updated.customer.identity_document, None);
}

#[test]
fn an_erasure_frees_every_value_and_leaves_its_tombstone_at_the_version_read() {
    let ann = stored(
        json!({"first_name": "Ann", "email": "ann@example.com", "identifiers": {"card_number": "C1"}}),
        Some("fp-1"),
    );
    let tombstone = Tombstone {
        id: ann.customer.id,
        deleted_at: timestamp(LATER),
        deleted_by: Subject::parse("operator").expect("subject"),
        request_id: Some("req-1".into()),
        version: 2,
    };
    let (change, ()) = written(erase(&ann, &tombstone));
    assert_eq!(
        change.record,
        Written::Erased {
            tombstone,
            read_version: 1
        }
    );
    assert_eq!(
        sorted(change.release),
        [
            claim(UniqueField::Email, "ann@example.com"),
            claim(UniqueField::CardNumber, "C1"),
            claim(UniqueField::IdentityDocument, "fp-1"),
        ]
    );
    assert!(change.take.is_empty() && change.groups.is_empty());
}

#[test]
fn an_erasure_after_contention_is_the_version_after_the_one_it_read_at_last() {
    let mut ann = stored(
        json!({"first_name": "Ann", "email": "ann@example.com"}),
        None,
    );
    let made_at_first_read = Tombstone {
        id: ann.customer.id,
        deleted_at: timestamp(LATER),
        deleted_by: Subject::parse("operator").expect("subject"),
        request_id: None,
        version: 2,
    };
    // Patched twice by others before this attempt read it again.
    ann.customer.version = 3;
    let (change, ()) = written(erase(&ann, &made_at_first_read));
    let Written::Erased {
        tombstone,
        read_version,
    } = change.record
    else {
        panic!("an erasure");
    };
    assert_eq!((tombstone.version, read_version), (4, 3));
}

#[test]
fn a_group_takes_its_name_whatever_its_case() {
    let group = CustomerGroup::new(GroupName::parse("VIP").expect("name"), None, NOW);
    let (change, created) = written(new_group(&group));
    assert_eq!(change.record, Written::NewGroup(group.clone()));
    assert_eq!(change.take, [claim(UniqueField::GroupName, "vip")]);
    assert_eq!(created.group, group);
}

/// The customer an opt-in create would have registered from `source`, and its claims.
fn request(source: &str) -> (StoredCustomer, Vec<Claim>) {
    let body = json!({"first_name": "Ann", "email": "ann@example.com",
        "identifiers": {"card_number": "C77"}, "source": source});
    let request = stored(body, None);
    let claims = request.customer.claims().into_iter().collect();
    (request, claims)
}

#[test]
fn a_link_adds_the_source_and_takes_the_free_values_at_the_version_read() {
    let owner = stored(
        json!({"first_name": "Ann", "email": "ann@example.com"}),
        Some("fp-1"),
    );
    let (request, claims) = request("INSTORE");
    let holding = Holding {
        owners: claims
            .iter()
            .map(|c| (c.field == UniqueField::Email).then_some(owner.customer.id))
            .collect(),
        customer: Some(owner.clone()),
    };
    let decision = link(&holding, &request, &claims, &[], UniqueField::Email, LATER);
    let (change, created) = written(decision.expect("linked"));
    assert_eq!(change.take, [claim(UniqueField::CardNumber, "C77")]);
    let Written::Customer {
        customer,
        read_version,
    } = change.record
    else {
        panic!("not a revision");
    };
    assert_eq!(read_version, 1);
    assert_eq!(customer.document_claim.as_deref(), Some("fp-1"));
    assert_eq!(customer.seal, owner.seal, "the customer's own key");
    assert!(created.linked);
    assert_eq!(created.customer.version, 2);
    let sources: Vec<Source> = created.customer.sources.iter().map(|a| a.source).collect();
    assert_eq!(sources, [Source::Api, Source::Instore]);
    assert_eq!(created.customer.updated_at, timestamp(LATER));
    assert_eq!(
        created.warnings,
        [Warning::SourceAccountLinked {
            source: Source::Instore
        }]
    );
}

#[test]
fn a_link_is_refused_or_read_again_when_the_holders_say_so() {
    let owner = stored(
        json!({"first_name": "Ann", "email": "ann@example.com"}),
        None,
    );
    let (request, claims) = request("INSTORE");
    let holding = |owners: Vec<Option<CustomerId>>, customer: Option<&StoredCustomer>| Holding {
        owners,
        customer: customer.cloned(),
    };
    let id = owner.customer.id;
    let decide = |holding: Holding, request: &StoredCustomer| {
        link(&holding, request, &claims, &[], UniqueField::Mobile, LATER)
    };
    // Everything freed meanwhile: the collision the create saw.
    let free = holding(vec![None, None], Some(&owner));
    assert_eq!(
        decide(free, &request),
        Err(Error::Taken(UniqueField::Mobile))
    );
    // Values of two customers: the first value of the other one.
    let two = holding(vec![Some(id), Some(CustomerId::random())], Some(&owner));
    assert_eq!(
        decide(two, &request),
        Err(Error::Taken(UniqueField::CardNumber))
    );
    // The holder erased since: its value.
    let gone = holding(vec![Some(id), None], None);
    assert_eq!(
        decide(gone, &request),
        Err(Error::Taken(UniqueField::Email))
    );
    // A source it has already.
    let (same_source, _) = self::request("API");
    let known = holding(vec![Some(id), None], Some(&owner));
    assert_eq!(
        decide(known, &same_source),
        Err(Error::Taken(UniqueField::Email))
    );
    // A value read as its own that it no longer holds: read again.
    let moved = holding(vec![Some(id), Some(id)], Some(&owner));
    assert!(matches!(decide(moved, &request), Ok(Decision::Reread)));
}

/// A holder stored before seals existed takes the request's key with the link.
#[test]
fn a_link_to_a_customer_without_a_seal_gives_it_the_requests() {
    let mut owner = stored(
        json!({"first_name": "Ann", "email": "ann@example.com"}),
        None,
    );
    owner.seal = None;
    let (request, claims) = request("INSTORE");
    let owners = claims
        .iter()
        .map(|c| (c.field == UniqueField::Email).then_some(owner.customer.id))
        .collect();
    let holding = Holding {
        owners,
        customer: Some(owner),
    };
    let decision = link(&holding, &request, &claims, &[], UniqueField::Email, LATER);
    let (change, _) = written(decision.expect("linked"));
    assert_eq!(change.record.sealing().map(|s| s.key), request.seal);
}
