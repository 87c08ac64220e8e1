//! `list`: pages newest first with cursors bound to the tenant and the listing, and exact
//! lookups.

use super::*;
use crate::testing::query as params;

impl Fixture {
    async fn list(&self, tenant: &str, pairs: &[(&str, &str)]) -> Result<CustomerPage, Error> {
        self.customers
            .list(&principal(tenant), &params(pairs))
            .await
    }

    /// `n` customers created a second apart, oldest first.
    async fn customers(&self, n: usize) -> Vec<CustomerId> {
        let tenant = principal(TENANT).tenant;
        let mut ids = Vec::new();
        for i in 0..n {
            let c = self
                .created(json!({"first_name": "C", "email": format!("c{i}@example.com")}))
                .await;
            let at = NOW + time::Duration::seconds(i as i64);
            if let Some(stored) = self.store.state().customer_mut(&tenant, c.id) {
                stored.created_at = at;
            }
            ids.push(c.id);
        }
        ids
    }
}

#[tokio::test]
async fn pages_run_newest_first_without_gaps_or_repeats() {
    let f = fixture();
    let mut ids = f.customers(25).await;
    ids.reverse();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut query = vec![("limit", "10")];
        if let Some(cursor) = &cursor {
            query.push(("cursor", cursor));
        }
        let page = f.list(TENANT, &query).await.expect("page");
        pages += 1;
        seen.extend(page.customers.iter().map(|c| c.id));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids);
}

#[tokio::test]
async fn cursors_are_bound_to_their_tenant_and_cannot_be_edited() {
    let f = fixture();
    f.customers(3).await;
    let page = f.list(TENANT, &[("limit", "1")]).await.expect("page");
    let cursor = page.next_cursor.expect("more");
    assert_eq!(
        f.list("other", &[("cursor", &cursor)]).await,
        Err(Error::InvalidCursor)
    );
    let edited = format!("{}x", cursor);
    assert_eq!(
        f.list(TENANT, &[("cursor", &edited)]).await,
        Err(Error::InvalidCursor)
    );
}

#[tokio::test]
async fn a_lookup_finds_the_one_customer_holding_the_value() {
    let f = fixture();
    let ann = f
        .created(
            json!({"first_name": "Ann", "email": "ann@example.com", "mobile": "+966512345678",
            "identifiers": {"external_id": "crm-1", "card_number": "C-1"}}),
        )
        .await;
    for query in [
        [("email", "ANN@example.com"), ("limit", "5")],
        [("mobile", "0512345678"), ("mobile_country", "SA")],
        [("external_id", "crm-1"), ("limit", "1")],
        [("card_number", "c1"), ("limit", "1")],
    ] {
        let page = f.list(TENANT, &query).await.expect("page");
        assert_eq!(page.customers, vec![ann.clone()], "{query:?}");
        assert_eq!(page.next_cursor, None);
    }
    for (tenant, query) in [
        (TENANT, [("email", "bo@example.com")]),
        ("other", [("email", "ann@example.com")]),
    ] {
        let page = f.list(tenant, &query).await.expect("page");
        assert!(page.customers.is_empty(), "{tenant} {query:?}");
    }
    let unkeyed: UseCase = Customers::new(f.store.clone(), now as Clock);
    let found = unkeyed
        .list(&principal(TENANT), &params(&[("email", "ann@example.com")]))
        .await
        .expect("a lookup needs no cursor key");
    assert_eq!(found.customers.len(), 1);
}

#[tokio::test]
async fn a_malformed_query_reads_nothing() {
    let f = fixture();
    let result = f
        .list(TENANT, &[("email", "nope"), ("colour", "red")])
        .await;
    let Err(Error::Invalid(errors)) = result else {
        panic!("{result:?}");
    };
    let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["?colour", "?email"]);
    assert!(f.store.calls().is_empty());
}
