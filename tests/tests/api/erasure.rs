//! `DELETE /customers/{id}`: the customer and every value it held go in one transaction; a
//! tombstone without personal data remains. Against DynamoDB (moto).

use integration_tests::calls::{call, create, customer, delete, get, list, send};
use integration_tests::{Stack, OTHER_TENANT, TENANT};
use serde_json::json;

#[tokio::test]
async fn an_erasure_is_204_then_404_and_every_value_is_free_at_once() {
    let stack = Stack::new().await;
    let (_, body) = create(
        &stack,
        TENANT,
        &json!({"first_name": "Zebulon", "last_name": "Quixotic", "email": "zeb@example.org",
            "mobile": "+19203751411", "source": "WEBSITE",
            "identifiers": {"external_id": "crm-9", "card_number": "C9"}}),
    )
    .await;
    let id = body["data"]["id"].as_str().unwrap_or_default().to_owned();
    let (status, linked) = create(
        &stack,
        TENANT,
        &json!({"first_name": "Zebulon", "email": "zeb@example.org", "mobile": "+19203751412",
            "source": "INSTORE", "link_existing": true}),
    )
    .await;
    assert_eq!(
        status, 200,
        "a second mobile through a source account: {linked}"
    );

    let response = send(&stack.app(), customer("DELETE", &id).by_tenant(TENANT)).await;
    assert_eq!(response.status(), 204);
    assert!(matches!(response.body(), lambda_http::Body::Empty));
    assert_eq!(get(&stack, TENANT, &id).await.0, 404);
    let (status, problem) = delete(&stack, TENANT, &id).await;
    assert_eq!((status, problem["code"].as_str()), (404, Some("not_found")));
    let (_, found) = list(&stack, TENANT, &[("mobile", "+19203751412")]).await;
    assert_eq!(found["data"], json!([]));

    let reuse = json!({"first_name": "New", "email": "zeb@example.org", "mobile": "+19203751412",
        "identifiers": {"external_id": "crm-9", "card_number": "C9"}});
    assert_eq!(
        create(&stack, TENANT, &reuse).await.0,
        201,
        "every value is free"
    );

    let items = stack.snapshot().await;
    let tombstones: Vec<&serde_json::Value> = items
        .iter()
        .filter(|i| i["entity"] == "tombstone")
        .collect();
    assert_eq!(tombstones.len(), 1);
    let tombstone = tombstones[0].as_object().expect("object");
    let mut attributes: Vec<&str> = tombstone.keys().map(String::as_str).collect();
    attributes.sort_unstable();
    assert_eq!(
        attributes,
        [
            "deleted_at",
            "deleted_by",
            "entity",
            "id",
            "layout",
            "pk",
            "request_id",
            "sk",
            "tenant_id"
        ],
        "no personal data: {tombstone:?}"
    );
    assert_eq!(tombstone["id"], id.as_str());
    assert_eq!(tombstone["deleted_by"], "user-1");
    assert_eq!(tombstone["request_id"], "test-request");
    // The new customer reuses the email and the second mobile; nothing else of the erased one
    // is anywhere in the table.
    let text = serde_json::to_string(&items).unwrap_or_default();
    for personal in ["Zebulon", "Quixotic", "+19203751411"] {
        assert!(!text.contains(personal), "{personal} remains: {text}");
    }
}

#[tokio::test]
async fn if_match_guards_an_erasure_and_other_tenants_get_404() {
    let stack = Stack::new().await;
    let (_, body) = create(
        &stack,
        TENANT,
        &json!({"first_name": "Ann", "email": "ann@example.com"}),
    )
    .await;
    let id = body["data"]["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(delete(&stack, OTHER_TENANT, &id).await.0, 404);
    let (status, problem) = call(
        &stack,
        customer("DELETE", &id)
            .header("if-match", "\"2\"")
            .by_tenant(TENANT),
    )
    .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (412, Some("precondition_failed"))
    );
    assert_eq!(get(&stack, TENANT, &id).await.0, 200, "nothing was erased");
    let (status, _) = call(
        &stack,
        customer("DELETE", &id)
            .header("if-match", "\"1\"")
            .by_tenant(TENANT),
    )
    .await;
    assert_eq!(status, 204);
}
