//! `get`: a customer of the caller's tenant only.

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
        Err(Error::NotFound)
    );
    assert_eq!(
        f.customers.get(&principal(TENANT), "not-a-uuid").await,
        Err(Error::NotFound)
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
        Err(Error::Store(StoreError::Unavailable("timed out".into())))
    );
}
