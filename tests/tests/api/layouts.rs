//! A customer stored by the code before items carried a layout, read, found and changed through
//! the real handlers against DynamoDB (moto) as if nothing had changed: no migration of the
//! table comes with a change of the code's types.

use integration_tests::calls::{create, get, list, patch};
use integration_tests::{AttributeValue, Stack};
use serde_json::{json, Value};
use shared::testing::dynamo_json;

const LAYOUTS: &str = "../shared/src/store/items/layouts";

fn layout(name: &str) -> String {
    let path = integration_tests::workspace_root()
        .join("tests")
        .join(LAYOUTS)
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `item` into the table as it is, as the previous code would have written it.
async fn put(stack: &Stack, item: std::collections::HashMap<String, AttributeValue>) {
    stack
        .dynamodb
        .put_item()
        .table_name(&stack.table)
        .set_item(Some(item))
        .send()
        .await
        .expect("put");
}

#[tokio::test]
async fn a_customer_of_the_previous_layout_is_shown_found_and_changed_as_it_was_written() {
    let stack = Stack::new().await;
    let item = dynamo_json::item(&layout("customer-unmarked.json"));
    let shown: Value = serde_json::from_str(&layout("customer-unmarked.shown.json")).expect("JSON");
    let id = shown["id"].as_str().expect("id").to_owned();
    let tenant = "acme";
    // The customer and the claim of its email, as the previous code wrote them.
    let claim = dynamo_json::item(&format!(
        r##"{{"pk": {{"S": "TENANT#{tenant}#EMAIL#ann.lee@example.com"}}, "sk": {{"S": "CLAIM"}},
            "entity": {{"S": "claim"}}, "tenant_id": {{"S": "{tenant}"}},
            "field": {{"S": "email"}}, "customer_id": {{"S": "{id}"}}}}"##
    ));
    for item in [item, claim] {
        put(&stack, item).await;
    }

    let (status, body) = get(&stack, tenant, &id).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"], shown, "shown exactly as before");

    let (status, found) = list(&stack, tenant, &[("email", "Ann.Lee@example.com")]).await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["data"][0]["id"], id.as_str());

    let (status, taken) = create(
        &stack,
        tenant,
        &json!({"first_name": "Eve", "email": "ann.lee@example.com"}),
    )
    .await;
    assert_eq!((status, taken["code"].as_str()), (409, Some("email_taken")));

    let (status, patched) = patch(&stack, tenant, &id, &json!({"company": "Acme Ltd"})).await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["data"]["version"], 3);
    assert_eq!(patched["data"]["company"], "Acme Ltd");
    let mut expected = shown.clone();
    for member in ["company", "version", "updated_at"] {
        expected[member] = patched["data"][member].clone();
    }
    assert_eq!(patched["data"], expected, "everything else as it was");

    let stored = stack
        .items()
        .await
        .into_iter()
        .find(|i| {
            i.get("entity")
                .and_then(|e| e.as_s().ok())
                .map(String::as_str)
                == Some("customer")
        })
        .expect("the customer");
    assert_eq!(
        stored.get("layout"),
        Some(&AttributeValue::N("1".into())),
        "now marked"
    );
    assert_eq!(
        stored.get("document_claim"),
        Some(&AttributeValue::S("ab".repeat(32))),
        "its document's claim value kept"
    );
}

/// A customer stored before seals existed gets one at its first write, even a keyed patch that
/// changes nothing (at its version), and its reply is recorded sealed under it. The seal is
/// written once: a write that would give it another (a second writer that also read it
/// without one) is refused by DynamoDB as stale, so a sealed reply always opens.
#[tokio::test]
async fn a_customer_without_a_seal_takes_one_once_and_its_keyed_replies_are_sealed() {
    use shared::store::DynamoStore;
    use shared::support::clients::LazyClient;
    use shared::support::seal::SealKey;
    use shared::use_cases::ports::{Change, Commit, CustomerReader, StoreError, Written};

    let stack = Stack::new().await;
    let item = dynamo_json::item(&layout("customer-minimal-unmarked.json"));
    assert!(!item.contains_key("seal"));
    let id = item["id"].as_s().expect("id").to_owned();
    let tenant = item["tenant_id"].as_s().expect("tenant").to_owned();
    put(&stack, item).await;
    let (_, before) = get(&stack, &tenant, &id).await;

    let keyed_patch = || {
        integration_tests::calls::customer("PATCH", &id)
            .header("content-type", "application/merge-patch+json")
            .header("idempotency-key", "k-nothing")
            .raw_body("{}")
            .by_tenant(&tenant)
    };
    let app = stack.app();
    let (status, first) =
        integration_tests::read(&integration_tests::calls::send(&app, keyed_patch()).await);
    assert_eq!(status, 200, "{first}");
    assert_eq!(
        first["data"], before["data"],
        "nothing a client sees changed"
    );
    let items = stack.snapshot().await;
    let customer = items
        .iter()
        .find(|i| i["entity"] == "customer")
        .expect("customer");
    let record = items
        .iter()
        .find(|i| i["entity"] == "idempotency")
        .expect("record");
    assert!(customer["seal"].is_string(), "a seal: {customer}");
    assert_eq!(record["layout"], 2, "sealed: {record}");
    assert_eq!(record["sealed_for"], id.as_str());
    let (status, again) =
        integration_tests::read(&integration_tests::calls::send(&app, keyed_patch()).await);
    assert_eq!((status, &again), (200, &first), "the sealed reply opens");

    // Another seal at that version is refused; the kept one is accepted.
    let client = stack.dynamodb.clone();
    let store = DynamoStore::new(LazyClient::new(move || client.clone()), stack.table.clone());
    let tenant = shared::domain::TenantId::parse(&tenant).expect("tenant");
    let customer_id = shared::domain::CustomerId::parse(&id).expect("id");
    let stored = store
        .get(&tenant, customer_id)
        .await
        .expect("read")
        .expect("there");
    let read_version = stored.customer.version;
    let write = |seal| {
        let mut customer = stored.clone();
        customer.seal = seal;
        Change::of(Written::Customer {
            customer: Box::new(customer),
            read_version,
        })
    };
    let other = write(Some(SealKey::generate().expect("randomness")));
    assert_eq!(
        store.commit(&tenant, &other, None).await,
        Err(StoreError::Stale)
    );
    let same = write(stored.seal.clone());
    assert_eq!(store.commit(&tenant, &same, None).await, Ok(()));
}
