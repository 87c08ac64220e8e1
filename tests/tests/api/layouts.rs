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
        stack
            .dynamodb
            .put_item()
            .table_name(&stack.table)
            .set_item(Some(item))
            .send()
            .await
            .expect("put");
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
