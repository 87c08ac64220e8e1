//! `DELETE /customers/{id}`: the customer and every value it held go in one transaction; a
//! tombstone without personal data remains. Against DynamoDB (moto).

use integration_tests::calls::{call, create, customer, delete, get, list, send};
use integration_tests::{read, Stack, OTHER_TENANT, TENANT};
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
            "tenant_id",
            "version"
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

/// The replies of a customer's keyed writes are copies of its personal data for a day: an
/// erasure reaches them too. Keyed create, linked create and patches (one that changes
/// nothing) before the erasure; after it, no item of the table holds a personal value of the
/// customer, each retry is 410 `customer_erased` without any of them, and the keyed erasure
/// itself still replays its 204.
#[tokio::test]
async fn an_erasure_leaves_no_personal_value_in_any_item_records_included() {
    let stack = Stack::new().await;
    let app = stack.app();
    let keyed = |event: integration_tests::Event, key: &str| event.header("idempotency-key", key);
    let create = json!({"first_name": "Zebulon", "last_name": "Quixotic",
        "email": "zeb.quixotic@example.org", "mobile": "+19203751411",
        "notes": "Prefers Thursday deliveries", "identifiers": {"external_id": "crm-zq"},
        "source": "WEBSITE"});
    let link = json!({"first_name": "Zebulon", "email": "zeb.quixotic@example.org",
        "source": "INSTORE", "identifiers": {"card_number": "CARDZQ77"}, "link_existing": true});
    let change = json!({"company": "Quixotic Holdings", "last_name": "Quixotic-Vance"});
    let requests = [
        (
            "k-create",
            integration_tests::Event::new("POST /customers").json(&create),
        ),
        (
            "k-link",
            integration_tests::Event::new("POST /customers").json(&link),
        ),
    ];
    let mut id = String::new();
    let mut first_answers = Vec::new();
    for (key, event) in requests {
        let (status, body) = read(&send(&app, keyed(event.by_tenant(TENANT), key)).await);
        assert!(matches!(status, 200 | 201), "{key}: {body}");
        id = body["data"]["id"].as_str().unwrap_or_default().to_owned();
        first_answers.push((key, body));
    }
    let patch = |body: &serde_json::Value, key: &str| {
        keyed(
            customer("PATCH", &id)
                .header("content-type", "application/merge-patch+json")
                .raw_body(&body.to_string())
                .by_tenant(TENANT),
            key,
        )
    };
    for (key, body) in [("k-patch", &change), ("k-nothing", &json!({}))] {
        let (status, answer) = read(&send(&app, patch(body, key)).await);
        assert_eq!(status, 200, "{key}: {answer}");
    }
    let personal = [
        "Zebulon",
        "Quixotic",
        "zeb.quixotic@example.org",
        "+19203751411",
        "Thursday",
        "crm-zq",
        "CARDZQ77",
    ];
    let before = stack.snapshot().await;
    let records: Vec<&serde_json::Value> = before
        .iter()
        .filter(|item| item["entity"] == "idempotency")
        .collect();
    assert_eq!(records.len(), 4);
    let (all, records) = (
        serde_json::to_string(&before).unwrap_or_default(),
        serde_json::to_string(&records).unwrap_or_default(),
    );
    for value in personal {
        // The customer holds them; the four records do not (their bodies are sealed).
        assert!(all.contains(value), "{value} was stored");
        assert!(!records.contains(value), "{value} in a record: {records}");
    }

    let erase = || keyed(customer("DELETE", &id).by_tenant(TENANT), "k-erase");
    assert_eq!(send(&app, erase()).await.status(), 204);

    let items = stack.snapshot().await;
    let text = serde_json::to_string(&items).unwrap_or_default();
    for value in personal {
        assert!(!text.contains(value), "{value} remains: {text}");
    }
    assert_eq!(
        stack.count("idempotency").await,
        5,
        "the records stay, sealed"
    );

    let retries = [
        (
            "k-create",
            integration_tests::Event::new("POST /customers").json(&create),
        ),
        (
            "k-link",
            integration_tests::Event::new("POST /customers").json(&link),
        ),
        ("k-patch", patch(&change, "k-patch")),
        ("k-nothing", patch(&json!({}), "k-nothing")),
    ];
    for (key, event) in retries {
        let event = if key.starts_with("k-patch") || key == "k-nothing" {
            event
        } else {
            keyed(event.by_tenant(TENANT), key)
        };
        let response = send(&app, event).await;
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let (status, problem) = read(&response);
        assert_eq!(
            (status, problem["code"].as_str(), content_type.as_str()),
            (410, Some("customer_erased"), "application/problem+json"),
            "{key}: {problem}"
        );
        let shown = problem.to_string();
        for value in personal {
            assert!(!shown.contains(value), "{key}: {value} in {shown}");
        }
    }
    let replay = send(&app, erase()).await;
    assert_eq!(replay.status(), 204, "a keyed erasure still replays");
    assert_eq!(
        replay
            .headers()
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    assert_eq!(
        stack.count("customer").await,
        0,
        "nothing written by the retries"
    );
}
