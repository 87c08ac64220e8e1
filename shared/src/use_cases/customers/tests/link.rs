//! `create` with `link_existing`: a source account added to the customer the values belong to.

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
        stored.map(|stored| stored.customer),
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
    // After the create's own commit (refused: the values are taken), before the link's.
    f.store.before_nth(Op::Commit, 2, move |state| {
        if let Some(customer) = state.customer_mut(&tenant, owner.id) {
            customer.version += 1;
        }
        Ok(())
    });
    let linked = f.create(LINK()).await.expect("linked after a retry");
    assert_eq!(linked.customer.version, 3, "the other write is kept");
    assert_eq!(f.store.revisions(), 2, "two attempts to link");
}

#[tokio::test]
async fn a_value_claimed_meanwhile_by_another_customer_is_taken() {
    let f = fixture();
    existing(&f).await;
    let tenant = principal(TENANT).tenant;
    let other = CustomerId::random();
    f.store.before_nth(Op::Commit, 2, move |state| {
        let card = Claim::new(UniqueField::CardNumber, "C77");
        state
            .claims
            .insert((tenant.as_str().to_owned(), card), Owner::Customer(other));
        Ok(())
    });
    assert_eq!(
        f.create(LINK()).await,
        Err(Error::Taken(UniqueField::CardNumber))
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
        Err(Error::Taken(UniqueField::Mobile))
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
        Err(Error::Taken(UniqueField::Email))
    );
    assert_eq!(f.store.revisions(), 0, "no link was attempted");
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
        Err(Error::Taken(UniqueField::Email))
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
        Err(Error::Taken(UniqueField::Email))
    );
}

#[tokio::test(start_paused = true)]
async fn contention_that_outlasts_the_budget_is_contended_not_an_outage() {
    let f = fixture();
    let owner = existing(&f).await;
    let tenant = principal(TENANT).tenant;
    for _ in 0..1_000 {
        let tenant = tenant.clone();
        f.store.before(Op::Commit, move |state| {
            if let Some(customer) = state.customer_mut(&tenant, owner.id) {
                customer.version += 1;
            }
            Ok(())
        });
    }
    assert_eq!(f.create(LINK()).await, Err(Error::Contended));
    let attempts = f.store.revisions();
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
        Err(Error::Store(StoreError::Unavailable("timed out".into())))
    );
}

/// Found by the invariant test: a patch between reading the owners and reading the customer
/// released a value the link still counted as the customer's.
#[tokio::test]
async fn a_value_released_between_the_two_reads_is_read_again() {
    let f = fixture();
    let owner = existing(&f).await;
    let tenant = principal(TENANT).tenant;
    f.store.before(Op::Get, move |state| {
        let key = (
            tenant.as_str().to_owned(),
            Claim::new(UniqueField::Email, "ann@example.com"),
        );
        state.claims.remove(&key);
        let moved = Claim::new(UniqueField::Email, "ann@new.example");
        state.claims.insert(
            (tenant.as_str().to_owned(), moved),
            Owner::Customer(owner.id),
        );
        if let Some(customer) = state.customer_mut(&tenant, owner.id) {
            let email = crate::domain::Email::parse("ann@new.example").ok();
            customer.details.email = email.clone();
            customer.sources[0].identifiers.email = email;
            customer.version += 1;
        }
        Ok(())
    });
    assert_eq!(
        f.create(LINK()).await,
        Err(Error::Taken(UniqueField::Email))
    );
    let stored = f.store.state().customers.values().next().cloned();
    assert_eq!(
        stored.map(|c| c.customer.sources.len()),
        Some(1),
        "no account was added"
    );
    assert!(!f.store.state().claims.keys().any(|(_, c)| c.value == "C77"));
}
