//! `erase`: the customer and every value it held go at once; a tombstone remains.

use super::*;
use crate::domain::Tombstone;

impl Fixture {
    async fn erase(&self, id: CustomerId, precondition: Precondition) -> Result<(), Error> {
        fresh(
            self.customers
                .erase(
                    &principal(TENANT),
                    &id.to_string(),
                    precondition,
                    Some("req-1"),
                    None,
                )
                .await,
        )
    }
}

#[tokio::test]
async fn an_erasure_frees_every_value_and_leaves_a_tombstone_only() {
    let f = fixture();
    let ann = f
        .created(
            json!({"first_name": "Ann", "email": "ann@example.com", "source": "WEBSITE",
            "identity_document": passport("P1234567", 640)}),
        )
        .await;
    f.create(
        json!({"first_name": "Ann", "email": "ann@example.com", "mobile": "+19203751411",
        "source": "INSTORE", "link_existing": true}),
    )
    .await
    .expect("linked");
    f.erase(ann.id, Precondition::None).await.expect("erased");
    assert_eq!(f.customer_count(), 0);
    assert!(f.store.state().claims.is_empty(), "every claim released");
    let tombstones: Vec<Tombstone> = f.store.state().tombstones.values().cloned().collect();
    assert_eq!(
        tombstones,
        vec![Tombstone {
            id: ann.id,
            deleted_at: timestamp(NOW),
            deleted_by: principal(TENANT).subject,
            request_id: Some("req-1".into()),
            // Created (1), linked (2): the erasure is the third change.
            version: 3,
        }]
    );
    assert_eq!(
        f.customers
            .get(&principal(TENANT), &ann.id.to_string())
            .await,
        Err(Error::NotFound)
    );
    assert_eq!(
        f.erase(ann.id, Precondition::None).await,
        Err(Error::NotFound)
    );
    f.created(
        json!({"first_name": "Bo", "email": "ann@example.com", "mobile": "+19203751411",
        "identity_document": passport("P1234567", 640)}),
    )
    .await;
}

#[tokio::test]
async fn a_named_version_must_be_current() {
    let f = fixture();
    let ann = f
        .created(json!({"first_name": "Ann", "email": "ann@example.com"}))
        .await;
    assert_eq!(
        f.erase(ann.id, Precondition::Versions(vec![2])).await,
        Err(Error::PreconditionFailed)
    );
    assert_eq!(f.customer_count(), 1);
    f.erase(ann.id, Precondition::Versions(vec![1]))
        .await
        .expect("erased");
}

#[tokio::test]
async fn a_concurrent_change_is_read_again_unless_a_version_was_named() {
    let f = fixture();
    let ann = f
        .created(json!({"first_name": "Ann", "email": "ann@example.com"}))
        .await;
    let bo = f
        .created(json!({"first_name": "Bo", "email": "bo@example.com"}))
        .await;
    let tenant = principal(TENANT).tenant;
    for id in [ann.id, bo.id] {
        let tenant = tenant.clone();
        f.store.before(Op::Commit, move |state| {
            if let Some(customer) = state.customer_mut(&tenant, id) {
                customer.version += 1;
            }
            Ok(())
        });
    }
    f.erase(ann.id, Precondition::None)
        .await
        .expect("erased after a re-read");
    assert_eq!(
        f.erase(bo.id, Precondition::Versions(vec![1])).await,
        Err(Error::PreconditionFailed)
    );
}

#[tokio::test]
async fn another_tenant_cannot_erase_and_failures_are_passed_on() {
    let f = fixture();
    let ann = f
        .created(json!({"first_name": "Ann", "email": "ann@example.com"}))
        .await;
    let foreign = f
        .customers
        .erase(
            &principal("other"),
            &ann.id.to_string(),
            Precondition::None,
            None,
            None,
        )
        .await;
    assert_eq!(foreign, Err(Error::NotFound));
    f.store
        .fail_next(Op::Commit, StoreError::Unavailable("timed out".into()));
    assert_eq!(
        f.erase(ann.id, Precondition::None).await,
        Err(Error::Store(StoreError::Unavailable("timed out".into())))
    );
    assert_eq!(f.customer_count(), 1);
}
