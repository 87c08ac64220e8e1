//! The `events/` fixtures (what `sam local invoke -e` sends) through the handlers: HTTP API
//! (payload 2.0) and REST API (payload 1.0) events, against DynamoDB (moto).

use integration_tests::{read, workspace_root, Stack};
use serde_json::Value;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(workspace_root().join("events").join(name)).expect("fixture")
}

fn request(event: &str) -> lambda_http::Request {
    lambda_http::request::from_str(event).expect("a valid API Gateway event")
}

/// Creates from `create`, then reads the new customer back with `get` (its id swapped in).
async fn round_trip(stack: &Stack, create: &str, get: &str) -> (Value, Value) {
    let app = stack.app();
    let (status, created) = read(&create_customer::handle(&app, request(&fixture(create))).await);
    assert_eq!(status, 201, "{create}: {created}");
    let id = created["data"]["id"].as_str().unwrap();
    let fixed_id = "3f0a2d4e-8c1b-4f5a-9e7d-2b6c8a1f0e93";

    let (status, missing) = read(&get_customer::handle(&app, request(&fixture(get))).await);
    assert_eq!(
        (status, missing["code"].as_str()),
        (404, Some("not_found")),
        "{get}"
    );

    let event = fixture(get).replace(fixed_id, id);
    let (status, fetched) = read(&get_customer::handle(&app, request(&event)).await);
    assert_eq!(status, 200, "{get}: {fetched}");
    (created, fetched)
}

#[tokio::test]
async fn http_api_events() {
    let stack = Stack::new().await;
    let (created, fetched) = round_trip(&stack, "create-customer.json", "get-customer.json").await;
    let customer = &created["data"];
    assert_eq!(customer["email"], "ann.lee@example.com");
    assert_eq!(customer["mobile"], "+966512345678");
    assert_eq!(customer["country"], "SA");
    assert_eq!(
        customer["created_by"],
        "7c1d3a52-5f0e-4b8e-9a59-0b8a8a2f6d11"
    );
    assert_eq!(fetched["data"], *customer);
}

#[tokio::test]
async fn rest_api_events() {
    let stack = Stack::new().await;
    let (created, fetched) = round_trip(
        &stack,
        "create-customer-rest.json",
        "get-customer-rest.json",
    )
    .await;
    let customer = &created["data"];
    assert_eq!(customer["country"], "US");
    assert_eq!(customer["addresses"][0]["line1"], "Main St 742");
    assert_eq!(customer["addresses"][0]["is_default"], true);
    assert_eq!(fetched["data"], *customer);
}

#[tokio::test]
async fn events_without_claims_fail_closed() {
    let stack = Stack::new().await;
    let app = stack.app();
    let mut event: Value = serde_json::from_str(&fixture("create-customer.json")).unwrap();
    event["requestContext"]
        .as_object_mut()
        .unwrap()
        .remove("authorizer");
    let response = create_customer::handle(&app, request(&event.to_string())).await;
    let (status, problem) = read(&response);
    assert_eq!(
        (status, problem["code"].as_str()),
        (401, Some("unauthorized"))
    );
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    assert_eq!(stack.count("customer").await, 0);
}

#[tokio::test]
async fn http_api_event_with_an_identity_document() {
    let stack = Stack::new().await;
    let app = stack.app();
    let (status, created) = read(
        &create_customer::handle(
            &app,
            request(&fixture("create-customer-with-document.json")),
        )
        .await,
    );
    assert_eq!(status, 201, "{created}");
    let document = &created["data"]["identity_document"];
    assert_eq!(document["type"], "NATIONAL_ID");
    assert_eq!(document["country"], "CL");
    assert_eq!(document["expires_on"], "2031-08-31");
    assert_eq!(document["number_last4"], "6785");
    assert_eq!(document["verification"]["status"], "verified");
    assert!(stack.objects().await.is_empty());
}

#[tokio::test]
async fn group_and_country_events() {
    let stack = Stack::new().await;
    let app = stack.app();
    let (status, group) = read(
        &create_customer_group::handle(&app, request(&fixture("create-customer-group.json"))).await,
    );
    assert_eq!(
        (status, group["data"]["name"].as_str()),
        (201, Some("VIP")),
        "{group}"
    );
    let (status, page) = read(
        &list_customer_groups::handle(&app, request(&fixture("list-customer-groups.json"))).await,
    );
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["data"][0]["id"], group["data"]["id"]);
    assert_eq!(page["next_cursor"], Value::Null);
    let (status, countries) =
        read(&list_countries::handle(&app, request(&fixture("list-countries.json"))).await);
    assert_eq!(status, 200);
    assert_eq!(countries["data"][0]["code"], "SA");
}

/// `sam local invoke` with the lifecycle fixtures: list, look up, patch and erase the customer
/// `create-customer.json` registers (the fixtures' fixed id swapped for its id).
#[tokio::test]
async fn lifecycle_events() {
    let stack = Stack::new().await;
    let app = stack.app();
    let (status, created) =
        read(&create_customer::handle(&app, request(&fixture("create-customer.json"))).await);
    assert_eq!(status, 201, "{created}");
    let id = created["data"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let with_id = |name: &str| fixture(name).replace("3f0a2d4e-8c1b-4f5a-9e7d-2b6c8a1f0e93", &id);

    let (status, page) =
        read(&list_customers::handle(&app, request(&fixture("list-customers.json"))).await);
    assert_eq!(
        (status, page["data"][0]["id"].as_str()),
        (200, Some(id.as_str())),
        "{page}"
    );
    let (status, found) =
        read(&list_customers::handle(&app, request(&fixture("lookup-customer.json"))).await);
    assert_eq!(
        (status, found["data"][0]["id"].as_str()),
        (200, Some(id.as_str())),
        "{found}"
    );

    let response = update_customer::handle(&app, request(&with_id("update-customer.json"))).await;
    assert_eq!(response.headers()["etag"], "\"2\"");
    let (status, updated) = read(&response);
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["data"]["email"], "ann@lee.example");
    assert_eq!(updated["data"]["metadata"]["tier"], "platinum");
    assert!(updated["data"].get("last_name").is_none());

    let response = delete_customer::handle(&app, request(&with_id("delete-customer.json"))).await;
    assert_eq!(response.status(), 204);
    let (status, _) =
        read(&get_customer::handle(&app, request(&with_id("get-customer.json"))).await);
    assert_eq!(status, 404);
}

/// `publish-events.json` (a stream batch: a customer created, updated and erased, a group
/// created, as Lambda delivers it) through the publisher's own wiring; then `list-events.json`
/// finds the customer's three events.
#[tokio::test]
async fn the_stream_fixture_publishes_and_the_events_fixture_lists_it() {
    let stack = Stack::new().await;
    let publisher = shared::lambda::publisher(&stack.settings(), &stack.sdk).expect("publisher");
    let batch: lambda_http::aws_lambda_events::dynamodb::Event =
        serde_json::from_str(&fixture("publish-events.json")).expect("a stream batch");
    let response = shared::lambda::publish(&publisher, batch, false)
        .await
        .expect("every record read");
    assert!(response.batch_item_failures.is_empty(), "{response:?}");
    let app = shared::lambda::EventsApp::new(&stack.settings(), &stack.sdk).expect("events app");
    let (status, page) =
        read(&list_events::handle(&app, request(&fixture("list-events.json"))).await);
    assert_eq!(status, 200, "{page}");
    let told: Vec<(&str, u64)> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap(),
                e["data"]["version"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        told,
        [
            ("customer.deleted", 3),
            ("customer.updated", 2),
            ("customer.created", 1)
        ]
    );
    assert_eq!(
        page["data"][1]["data"]["changed"],
        serde_json::json!(["email", "sources"])
    );
    assert_eq!(stack.bus_messages().await.len(), 4, "the group's event too");
}
