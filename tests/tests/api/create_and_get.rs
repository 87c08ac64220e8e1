//! The create and read use cases through the function handlers, against DynamoDB (moto).

use integration_tests::calls::{create, get};
use integration_tests::{assert_one_winner, create_concurrently, Stack, OTHER_TENANT, TENANT};
use serde_json::json;

#[tokio::test]
async fn created_customer_is_normalised_and_read_back_identically() {
    let stack = Stack::new().await;
    let (status, body) = create(
        &stack,
        TENANT,
        &json!({
            "first_name": " Ann ", "last_name": "Lee", "email": "Ann.Lee@Example.COM",
            "mobile": "0512345678", "mobile_country": "SA", "country": "USA",
            "gender": "female", "birthday": "1990-05-17", "newsletter": true, "source": "website",
            "company": "Acme", "notes": "VIP\nprefers email", "metadata": {"tier": "gold", "points": 12.5, "vip": true},
            "addresses": [{"line1": "1 Main St", "city": "Springfield", "country": "US", "zipcode": "62701", "phone": "+19203751411"}]
        }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let customer = &body["data"];
    assert_eq!(customer["first_name"], "Ann");
    assert_eq!(customer["email"], "ann.lee@example.com");
    assert_eq!(customer["mobile"], "+966512345678");
    assert_eq!(customer["country"], "US");
    assert_eq!(customer["source"], "WEBSITE");
    assert_eq!(customer["status"], "active");
    assert_eq!(customer["version"], 1);
    assert_eq!(customer["created_by"], "user-1");
    assert_eq!(customer["created_at"], customer["updated_at"]);
    assert_eq!(customer["addresses"][0]["is_default"], true);
    assert_eq!(body["warnings"][0]["code"], "default_address_assigned");

    let id = customer["id"].as_str().unwrap();
    let (status, read_back) = get(&stack, TENANT, id).await;
    assert_eq!(status, 200);
    assert_eq!(
        &read_back["data"], customer,
        "a read returns exactly what the create returned"
    );
    assert_eq!(stack.count("customer").await, 1);
    assert_eq!(stack.count("claim").await, 2);
}

#[tokio::test]
async fn same_email_in_other_case_is_409_on_email() {
    let stack = Stack::new().await;
    assert_eq!(
        create(
            &stack,
            TENANT,
            &json!({"first_name": "A", "email": "dup@example.com"})
        )
        .await
        .0,
        201
    );
    let (status, body) = create(
        &stack,
        TENANT,
        &json!({"first_name": "B", "email": "DUP@Example.com"}),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(body["code"], "email_taken");
    assert_eq!(body["field"], "/email");
    assert_eq!(stack.count("customer").await, 1);
}

#[tokio::test]
async fn same_mobile_written_two_ways_is_409_on_mobile() {
    let stack = Stack::new().await;
    let first = create(
        &stack,
        TENANT,
        &json!({"first_name": "A", "mobile": "+966512345678"}),
    )
    .await;
    assert_eq!(first.0, 201);
    let (status, body) = create(
        &stack,
        TENANT,
        &json!({"first_name": "B", "mobile": "051 234 5678", "mobile_code_country": "+966"}),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(body["code"], "mobile_taken");
    assert_eq!(body["field"], "/mobile");
}

#[tokio::test]
async fn a_create_that_loses_on_one_field_leaves_none_of_its_claims() {
    let stack = Stack::new().await;
    assert_eq!(
        create(
            &stack,
            TENANT,
            &json!({"first_name": "A", "mobile": "+19203751411"})
        )
        .await
        .0,
        201
    );
    let (status, body) = create(
        &stack,
        TENANT,
        &json!({"first_name": "B", "email": "fresh@example.com", "mobile": "+19203751411"}),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (409, Some("mobile_taken")));
    // The losing create's email claim was in the same transaction: it must not exist.
    assert_eq!(stack.count("customer").await, 1);
    assert_eq!(stack.count("claim").await, 1);
    let (status, _) = create(
        &stack,
        TENANT,
        &json!({"first_name": "C", "email": "fresh@example.com"}),
    )
    .await;
    assert_eq!(status, 201, "the email is still free");
}

#[tokio::test]
async fn uniqueness_is_per_tenant() {
    let stack = Stack::new().await;
    let body = json!({"first_name": "A", "email": "shared@example.com", "mobile": "+19203751411"});
    assert_eq!(create(&stack, TENANT, &body.clone()).await.0, 201);
    assert_eq!(create(&stack, OTHER_TENANT, &body).await.0, 201);
}

#[tokio::test]
async fn another_tenants_customer_is_not_found() {
    let stack = Stack::new().await;
    let (_, body) = create(
        &stack,
        TENANT,
        &json!({"first_name": "A", "email": "a@example.com"}),
    )
    .await;
    let id = body["data"]["id"].as_str().unwrap();
    let (status, problem) = get(&stack, OTHER_TENANT, id).await;
    assert_eq!(status, 404);
    assert_eq!(problem["code"], "not_found");
    let (missing_status, missing) =
        get(&stack, OTHER_TENANT, &uuid::Uuid::new_v4().to_string()).await;
    assert_eq!(missing_status, 404);
    assert_eq!(
        missing["detail"], problem["detail"],
        "a foreign id looks exactly like a missing one"
    );
    assert_eq!(get(&stack, TENANT, "not-a-uuid").await.0, 404);
}

#[tokio::test]
async fn fifty_concurrent_creates_with_one_email_make_one_customer() {
    let stack = Stack::new().await;
    let bodies = (0..50)
        .map(|i| json!({"first_name": format!("Racer {i}"), "email": "race@example.com", "mobile": format!("+1920375{:04}", 1000 + i)}))
        .collect::<Vec<_>>();
    let responses = create_concurrently(&stack, TENANT, &bodies).await;
    assert_eq!(responses.len(), 50);
    assert_one_winner(&responses);
    assert_eq!(stack.count("customer").await, 1);
    // The winner's email and mobile claims; no loser left a mobile claim behind.
    assert_eq!(stack.count("claim").await, 2);
}

#[tokio::test]
async fn stored_item_is_tenant_prefixed_and_typed() {
    let stack = Stack::new().await;
    let (_, body) = create(
        &stack,
        TENANT,
        &json!({"first_name": "A", "email": "a@example.com", "metadata": {"n": 3}}),
    )
    .await;
    let id = body["data"]["id"].as_str().unwrap();
    let items = stack.items().await;
    let customer = items
        .iter()
        .find(|i| i["entity"].as_s().unwrap() == "customer")
        .unwrap();
    assert_eq!(
        customer["pk"].as_s().unwrap(),
        &format!("TENANT#{TENANT}#CUSTOMER#{id}")
    );
    assert_eq!(customer["version"].as_n().unwrap(), "1");
    assert!(customer["metadata"].as_m().unwrap()["n"].as_n().is_ok());
    let claim = items
        .iter()
        .find(|i| i["entity"].as_s().unwrap() == "claim")
        .unwrap();
    assert_eq!(
        claim["pk"].as_s().unwrap(),
        &format!("TENANT#{TENANT}#EMAIL#a@example.com")
    );
    assert_eq!(claim["customer_id"].as_s().unwrap(), id);
}
