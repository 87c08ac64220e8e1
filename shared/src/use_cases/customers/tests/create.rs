//! `create`: a customer with every claim, or nothing written.

use super::*;
use crate::documents::{FingerprintError, StagingError};
use crate::use_cases::ports::DocumentStorageError;

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
        stored.map(|stored| stored.customer).as_ref(),
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
        assert_eq!(f.create(request).await, Err(Error::Taken(field)));
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
    assert_eq!(again, Err(Error::Taken(UniqueField::IdentityDocument)));
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
    let Err(Error::Invalid(errors)) = result else {
        panic!("not invalid: {result:?}");
    };
    let fields: Vec<(&str, &str)> = errors
        .0
        .iter()
        .map(|e| (e.field.as_str(), e.code))
        .collect();
    assert_eq!(
        fields,
        [
            ("/groups/1", "unknown_group"),
            ("/groups/2", "unknown_group")
        ]
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
    let Err(Error::Invalid(errors)) = result else {
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
    assert_eq!(
        f.key.calls(),
        1,
        "one MAC per request that carries a document"
    );
}

#[tokio::test]
async fn a_create_without_a_document_asks_the_key_nothing() {
    let f = fixture();
    f.create(json!({"first_name": "Ann", "email": "ann@example.com"}))
        .await
        .expect("created");
    assert_eq!(f.key.calls(), 0);
}

#[tokio::test]
async fn the_fingerprint_key_failing_writes_nothing_and_keeps_no_image() {
    for (error, expected) in [
        (
            FingerprintError::Unavailable("ThrottlingException".into()),
            DocumentStorageError::Unavailable("ThrottlingException".into()),
        ),
        (
            FingerprintError::Refused("AccessDeniedException".into()),
            DocumentStorageError::Internal("AccessDeniedException".into()),
        ),
    ] {
        let f = fixture();
        f.key.fail_next(error);
        let result = f
            .create(json!({"first_name": "Ann", "email": "ann@example.com", "identity_document": passport("P1234567", 640)}))
            .await;
        assert_eq!(result, Err(Error::Documents(expected)));
        assert!(!f.store.calls().contains(&Op::Commit));
        assert!(f.bucket.keys().is_empty());
    }
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
        Err(Error::DocumentRejected(vec![
            VerificationReason::NumberFormatInvalid
        ]))
    );
    assert!(!f.store.calls().contains(&Op::Commit));
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
        Err(Error::Documents(DocumentStorageError::Unavailable(
            "SlowDown".into()
        )))
    );
    assert!(!f.store.calls().contains(&Op::Commit));
    assert!(
        f.bucket.keys().is_empty(),
        "deleted although verification failed"
    );
}

#[tokio::test]
async fn a_document_where_none_is_configured_is_refused() {
    let store = MemoryStore::new();
    let customers: UseCase = Customers::new(store.clone(), now as Clock);
    let result = customers
        .create(
            &principal(TENANT),
            body(json!({"first_name": "Ann", "email": "ann@example.com", "identity_document": passport("P1234567", 640)})),
            None,
        )
        .await;
    assert_eq!(result, Err(Error::DocumentsNotConfigured));
    assert!(store.calls().is_empty());
}

#[tokio::test]
async fn a_store_failure_is_passed_on() {
    let f = fixture();
    f.store.fail_next(
        Op::Commit,
        StoreError::Unavailable("ThrottlingException".into()),
    );
    let result = f
        .create(json!({"first_name": "Ann", "email": "ann@example.com"}))
        .await;
    assert_eq!(
        result,
        Err(Error::Store(StoreError::Unavailable(
            "ThrottlingException".into()
        )))
    );
}
