//! Every branch of the customer use cases, against the in-memory store and bucket: no server,
//! a fixed clock.

use super::*;
use crate::documents::FingerprintKey;
use crate::domain::{timestamp, CustomerGroup, GroupId, Source, Text};
use crate::testing::{png, principal, BucketOp, MemoryBucket, MemoryStore, Op, Owner};
use serde_json::json;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-11-25 10:00:00.123456 UTC);
const TENANT: &str = "acme";

fn now() -> OffsetDateTime {
    NOW
}

type UseCase = Customers<MemoryStore, Documents<MemoryBucket>>;

struct Fixture {
    store: MemoryStore,
    bucket: MemoryBucket,
    customers: UseCase,
}

fn fixture() -> Fixture {
    let store = MemoryStore::new();
    let bucket = MemoryBucket::new();
    let key = FingerprintKey::new(&[7; 32]).expect("key");
    let documents = Documents::with_header_verifier(bucket.clone(), key);
    let customers = Customers::new(store.clone(), Some(documents), now as Clock);
    Fixture {
        store,
        bucket,
        customers,
    }
}

fn body(value: serde_json::Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

impl Fixture {
    async fn create(&self, value: serde_json::Value) -> Result<Created, CreateError> {
        self.customers.create(&principal(TENANT), body(value)).await
    }

    async fn created(&self, value: serde_json::Value) -> Customer {
        match self.create(value).await {
            Ok(created) => created.customer,
            Err(e) => panic!("create failed: {e:?}"),
        }
    }

    fn customer_count(&self) -> usize {
        self.store.state().customers.len()
    }

    fn claims_of(&self, id: CustomerId) -> Vec<Claim> {
        let tenant = principal(TENANT).tenant;
        self.store.state().claims_of(&tenant, Owner::Customer(id))
    }
}

fn passport(number: &str, width: u32) -> serde_json::Value {
    use base64::Engine;
    let image = base64::engine::general_purpose::STANDARD.encode(png(width, 400));
    json!({"type": "PASSPORT", "number": number, "country": "CL", "expires_on": "2031-06-30", "front_image": image})
}

#[tokio::test]
async fn a_create_stores_the_customer_with_every_claim() {
    let f = fixture();
    let created = f
        .create(json!({
            "first_name": "Ann", "email": "Ann@Example.com", "mobile": "+19203751411",
            "identifiers": {"external_id": "crm-1", "card_number": "9000 1"},
            "addresses": [{"line1": "1 Main St", "city": "Springfield", "country": "US"}]
        }))
        .await
        .expect("created");
    let customer = &created.customer;
    assert!(!created.linked);
    assert_eq!(customer.version, 1);
    assert_eq!(
        customer.created_at,
        timestamp(NOW),
        "the injected clock, in whole ms"
    );
    assert_eq!(customer.updated_at, customer.created_at);
    assert_eq!(customer.created_by.as_str(), "user-1");
    assert_eq!(
        created.warnings,
        vec![Warning::DefaultAddressAssigned {
            at: "/addresses/0/is_default".into()
        }]
    );
    let mut claims = f.claims_of(customer.id);
    claims.sort();
    assert_eq!(
        claims,
        vec![
            Claim::new(UniqueField::Email, "ann@example.com"),
            Claim::new(UniqueField::Mobile, "+19203751411"),
            Claim::new(UniqueField::ExternalId, "crm-1"),
            Claim::new(UniqueField::CardNumber, "90001"),
        ]
    );
    let stored = f.store.state().customers.values().next().cloned();
    assert_eq!(
        stored.as_ref(),
        Some(customer),
        "what is returned is what is stored"
    );
}

#[tokio::test]
async fn each_taken_value_is_reported_on_its_field_and_nothing_is_written() {
    let f = fixture();
    f.created(
        json!({"first_name": "Ann", "email": "ann@example.com", "mobile": "+19203751411",
        "identifiers": {"external_id": "crm-1", "card_number": "C1"}}),
    )
    .await;
    let cases = [
        (json!({"email": "ANN@example.com"}), UniqueField::Email),
        (
            json!({"mobile": "(920) 375-1411", "mobile_country": "US"}),
            UniqueField::Mobile,
        ),
        (
            json!({"identifiers": {"external_id": "crm-1"}}),
            UniqueField::ExternalId,
        ),
        (
            json!({"email": "bo@example.com", "identifiers": {"card_number": "c-1"}}),
            UniqueField::CardNumber,
        ),
    ];
    for (mut request, field) in cases {
        request["first_name"] = json!("Bo");
        assert_eq!(f.create(request).await, Err(CreateError::Taken(field)));
    }
    assert_eq!(f.customer_count(), 1);
    assert_eq!(
        f.store.state().claims.len(),
        4,
        "no claim of a failed create remains"
    );
}

#[tokio::test]
async fn a_taken_identity_document_is_reported_on_its_field() {
    let f = fixture();
    f.created(json!({"first_name": "Ann", "email": "ann@example.com", "identity_document": passport("P1234567", 640)}))
        .await;
    let again = f
        .create(json!({"first_name": "Bo", "email": "bo@example.com", "identity_document": passport("p-1234567", 640)}))
        .await;
    assert_eq!(
        again,
        Err(CreateError::Taken(UniqueField::IdentityDocument))
    );
    assert_eq!(f.customer_count(), 1);
    assert!(
        f.bucket.keys().is_empty(),
        "both documents' images were deleted"
    );
}

#[tokio::test]
async fn unknown_groups_are_reported_at_the_pointers_they_were_given_at() {
    let f = fixture();
    let tenant = principal(TENANT).tenant;
    let known = CustomerGroup::new(Text::parse("VIP").expect("name"), None, NOW);
    f.store
        .state()
        .groups
        .insert((tenant.as_str().to_owned(), known.id), known.clone());
    let (a, b) = (GroupId::random(), GroupId::random());
    let result = f
        .create(json!({"first_name": "Ann", "email": "ann@example.com",
            "groups": [known.id.to_string(), a.to_string(), b.to_string()]}))
        .await;
    assert_eq!(
        result,
        Err(CreateError::UnknownGroups(vec![
            "/groups/1".into(),
            "/groups/2".into()
        ]))
    );
    assert_eq!(f.customer_count(), 0);
    let member = f
        .created(json!({"first_name": "Ann", "email": "ann@example.com", "groups": [known.id.to_string()]}))
        .await;
    assert_eq!(member.details.groups, vec![known.id]);
}

#[tokio::test]
async fn an_invalid_body_reaches_neither_the_bucket_nor_the_store() {
    let f = fixture();
    let result = f
        .create(json!({"first_name": "", "email": "nope", "identity_document": passport("P1234567", 640)}))
        .await;
    let Err(CreateError::Invalid(errors)) = result else {
        panic!("{result:?}");
    };
    let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["/first_name", "/email"]);
    assert!(f.store.calls().is_empty());
    assert_eq!(f.bucket.calls(BucketOp::Put), 0);
}

#[tokio::test]
async fn a_verified_document_is_kept_as_a_summary_with_its_claim() {
    let f = fixture();
    let created = f
        .create(json!({"first_name": "Ann", "email": "ann@example.com", "identity_document": passport("P1234567", 640)}))
        .await
        .expect("created");
    let document = created
        .customer
        .identity_document
        .clone()
        .expect("document");
    assert_eq!(document.number_last4, "4567");
    assert_eq!(document.verification.status, VerificationStatus::Verified);
    assert_eq!(document.verification.checked_at, NOW);
    assert!(created.warnings.is_empty());
    let claims = f.claims_of(created.customer.id);
    assert!(claims
        .iter()
        .any(|c| c.field == UniqueField::IdentityDocument
            && c.value.len() == 64
            && !c.value.contains("1234567")));
    assert!(f.bucket.keys().is_empty());
    assert_eq!(f.bucket.calls(BucketOp::Delete), 1);
}

#[tokio::test]
async fn a_document_that_needs_review_is_accepted_with_a_warning() {
    let f = fixture();
    let created = f
        .create(json!({"first_name": "Ann", "email": "ann@example.com", "identity_document": passport("P1234567", 300)}))
        .await
        .expect("created");
    assert_eq!(
        created.warnings,
        vec![Warning::DocumentNeedsReview {
            reasons: vec![VerificationReason::ImageTooSmall]
        }]
    );
    assert!(f.bucket.keys().is_empty());
}

#[tokio::test]
async fn a_rejected_document_writes_nothing() {
    let f = fixture();
    let result = f
        .create(json!({"first_name": "Ann", "email": "ann@example.com", "identity_document": passport("12345", 640)}))
        .await;
    assert_eq!(
        result,
        Err(CreateError::DocumentRejected(vec![
            VerificationReason::NumberFormatInvalid
        ]))
    );
    assert!(!f.store.calls().contains(&Op::Insert));
    assert!(f.bucket.keys().is_empty());
}

#[tokio::test]
async fn document_storage_failing_writes_nothing() {
    let f = fixture();
    f.bucket.fail(
        BucketOp::Get,
        1,
        StagingError::Unavailable("SlowDown".into()),
    );
    let result = f
        .create(json!({"first_name": "Ann", "email": "ann@example.com", "identity_document": passport("P1234567", 640)}))
        .await;
    assert_eq!(
        result,
        Err(CreateError::Documents(StagingError::Unavailable(
            "SlowDown".into()
        )))
    );
    assert!(!f.store.calls().contains(&Op::Insert));
    assert!(
        f.bucket.keys().is_empty(),
        "deleted although verification failed"
    );
}

#[tokio::test]
async fn a_document_where_none_is_configured_is_refused() {
    let store = MemoryStore::new();
    let customers: UseCase = Customers::new(store.clone(), None, now as Clock);
    let result = customers
        .create(
            &principal(TENANT),
            body(json!({"first_name": "Ann", "email": "ann@example.com", "identity_document": passport("P1234567", 640)})),
        )
        .await;
    assert_eq!(result, Err(CreateError::DocumentsNotConfigured));
    assert!(store.calls().is_empty());
}

#[tokio::test]
async fn a_store_failure_is_passed_on() {
    let f = fixture();
    f.store.fail_next(
        Op::Insert,
        StoreError::Unavailable("ThrottlingException".into()),
    );
    let result = f
        .create(json!({"first_name": "Ann", "email": "ann@example.com"}))
        .await;
    assert_eq!(
        result,
        Err(CreateError::Store(StoreError::Unavailable(
            "ThrottlingException".into()
        )))
    );
}

mod link {
    use super::*;

    const LINK: fn() -> serde_json::Value = || {
        json!({"first_name": "Ann", "email": "ann@example.com", "source": "INSTORE",
            "identifiers": {"card_number": "C-77"}, "link_existing": true})
    };

    async fn existing(f: &Fixture) -> Customer {
        f.created(json!({"first_name": "Ann", "email": "ann@example.com", "source": "WEBSITE"}))
            .await
    }

    #[tokio::test]
    async fn a_link_adds_the_source_and_claims_the_free_values_for_the_customer() {
        let f = fixture();
        let owner = existing(&f).await;
        let linked = f.create(LINK()).await.expect("linked");
        assert!(linked.linked);
        assert_eq!(linked.customer.id, owner.id);
        assert_eq!(linked.customer.version, 2);
        assert_eq!(linked.customer.updated_at, timestamp(NOW));
        assert_eq!(
            linked.warnings,
            vec![Warning::SourceAccountLinked {
                source: Source::Instore
            }]
        );
        let sources: Vec<Source> = linked.customer.sources.iter().map(|a| a.source).collect();
        assert_eq!(sources, [Source::Website, Source::Instore]);
        assert!(f
            .claims_of(owner.id)
            .contains(&Claim::new(UniqueField::CardNumber, "C77")));
        let stored = f.store.state().customers.values().next().cloned();
        assert_eq!(
            stored,
            Some(linked.customer),
            "what is returned is what is stored"
        );
        assert_eq!(f.customer_count(), 1);
    }

    #[tokio::test]
    async fn a_customer_changed_meanwhile_is_read_again() {
        let f = fixture();
        let owner = existing(&f).await;
        let tenant = principal(TENANT).tenant;
        f.store.before(Op::LinkSource, move |state| {
            if let Some(customer) = state.customer_mut(&tenant, owner.id) {
                customer.version += 1;
            }
            Ok(())
        });
        let linked = f.create(LINK()).await.expect("linked after a retry");
        assert_eq!(linked.customer.version, 3, "the other write is kept");
        let links = f
            .store
            .calls()
            .iter()
            .filter(|op| **op == Op::LinkSource)
            .count();
        assert_eq!(links, 2);
    }

    #[tokio::test]
    async fn a_value_claimed_meanwhile_by_another_customer_is_taken() {
        let f = fixture();
        existing(&f).await;
        let tenant = principal(TENANT).tenant;
        let other = CustomerId::random();
        f.store.before(Op::LinkSource, move |state| {
            let card = Claim::new(UniqueField::CardNumber, "C77");
            state
                .claims
                .insert((tenant.as_str().to_owned(), card), Owner::Customer(other));
            Ok(())
        });
        assert_eq!(
            f.create(LINK()).await,
            Err(CreateError::Taken(UniqueField::CardNumber))
        );
    }

    #[tokio::test]
    async fn identifiers_of_two_customers_are_taken() {
        let f = fixture();
        existing(&f).await;
        f.created(json!({"first_name": "Bo", "mobile": "+19203751411"}))
            .await;
        let mut request = LINK();
        request["mobile"] = json!("+19203751411");
        assert_eq!(
            f.create(request).await,
            Err(CreateError::Taken(UniqueField::Mobile))
        );
        assert_eq!(f.customer_count(), 2);
    }

    #[tokio::test]
    async fn a_source_the_customer_has_is_taken() {
        let f = fixture();
        existing(&f).await;
        let mut request = LINK();
        request["source"] = json!("WEBSITE");
        assert_eq!(
            f.create(request).await,
            Err(CreateError::Taken(UniqueField::Email))
        );
        assert!(!f.store.calls().contains(&Op::LinkSource));
    }

    #[tokio::test]
    async fn values_freed_meanwhile_answer_the_collision_the_create_saw() {
        let f = fixture();
        existing(&f).await;
        f.store.before(Op::ClaimOwners, |state| {
            state.claims.clear();
            Ok(())
        });
        assert_eq!(
            f.create(LINK()).await,
            Err(CreateError::Taken(UniqueField::Email))
        );
    }

    #[tokio::test]
    async fn a_customer_erased_meanwhile_is_taken() {
        let f = fixture();
        existing(&f).await;
        f.store.before(Op::Get, |state| {
            state.customers.clear();
            Ok(())
        });
        assert_eq!(
            f.create(LINK()).await,
            Err(CreateError::Taken(UniqueField::Email))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn contention_that_outlasts_the_budget_is_contended_not_an_outage() {
        let f = fixture();
        let owner = existing(&f).await;
        let tenant = principal(TENANT).tenant;
        for _ in 0..1_000 {
            let tenant = tenant.clone();
            f.store.before(Op::LinkSource, move |state| {
                if let Some(customer) = state.customer_mut(&tenant, owner.id) {
                    customer.version += 1;
                }
                Ok(())
            });
        }
        assert_eq!(
            f.create(LINK()).await,
            Err(CreateError::Store(StoreError::Contended))
        );
        let attempts = f
            .store
            .calls()
            .iter()
            .filter(|op| **op == Op::LinkSource)
            .count();
        assert!(attempts > 5, "kept trying for the whole budget: {attempts}");
    }

    #[tokio::test]
    async fn a_store_failure_while_linking_is_passed_on() {
        let f = fixture();
        existing(&f).await;
        f.store
            .fail_next(Op::ClaimOwners, StoreError::Unavailable("timed out".into()));
        assert_eq!(
            f.create(LINK()).await,
            Err(CreateError::Store(StoreError::Unavailable(
                "timed out".into()
            )))
        );
    }
}

mod get {
    use super::*;

    #[tokio::test]
    async fn a_customer_is_read_by_its_own_tenant_only() {
        let f = fixture();
        let customer = f
            .created(json!({"first_name": "Ann", "email": "ann@example.com"}))
            .await;
        let id = customer.id.to_string();
        assert_eq!(
            f.customers
                .get(&principal(TENANT), &id.to_uppercase())
                .await,
            Ok(customer)
        );
        assert_eq!(
            f.customers.get(&principal("other"), &id).await,
            Err(GetError::NotFound)
        );
        assert_eq!(
            f.customers.get(&principal(TENANT), "not-a-uuid").await,
            Err(GetError::NotFound)
        );
    }

    #[tokio::test]
    async fn a_store_failure_is_passed_on() {
        let f = fixture();
        f.store
            .fail_next(Op::Get, StoreError::Unavailable("timed out".into()));
        let id = CustomerId::random().to_string();
        assert_eq!(
            f.customers.get(&principal(TENANT), &id).await,
            Err(GetError::Store(StoreError::Unavailable("timed out".into())))
        );
    }
}
