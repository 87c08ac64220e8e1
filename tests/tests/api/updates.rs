//! `PATCH /customers/{id}`: merge-patch semantics, unique values swapped in one transaction,
//! `If-Match`, and concurrent patches, against DynamoDB and S3 (moto).

use integration_tests::calls::{call, create, customer, get, list, patch, send};
use integration_tests::{identity_document, read, Stack, OTHER_TENANT, TENANT};
use serde_json::{json, Value};
use shared::testing::png;

async fn ann(stack: &Stack) -> String {
    let (status, body) = create(
        stack,
        TENANT,
        &json!({"first_name": "Ann", "last_name": "Lee", "email": "ann@example.com", "company": "Acme",
            "metadata": {"tier": "gold", "points": 10},
            "identifiers": {"external_id": "crm-1", "card_number": "C1", "card_status": "ACTIVE"},
            "addresses": [{"line1": "1 Main St", "city": "Springfield", "country": "US", "is_default": true}]}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["data"]["id"].as_str().unwrap_or_default().to_owned()
}

/// The claims in the table: (field, value after the kind, owner).
async fn claims(stack: &Stack) -> Vec<(String, String, String)> {
    let mut claims: Vec<(String, String, String)> = stack
        .items()
        .await
        .iter()
        .filter(|i| i["entity"].as_s().is_ok_and(|e| e == "claim"))
        .map(|i| {
            let pk = i["pk"].as_s().cloned().unwrap_or_default();
            let value = pk.splitn(4, '#').nth(3).unwrap_or_default().to_owned();
            let owner = i
                .get("customer_id")
                .and_then(|o| o.as_s().ok())
                .cloned()
                .unwrap_or_default();
            let field = i["field"].as_s().cloned().unwrap_or_default();
            (field, value, owner)
        })
        .collect();
    claims.sort();
    claims
}

#[tokio::test]
async fn a_merge_patch_changes_what_it_names_and_nothing_else() {
    let stack = Stack::new().await;
    let id = ann(&stack).await;
    let (_, before) = get(&stack, TENANT, &id).await;
    let (status, body) = patch(
        &stack,
        TENANT,
        &id,
        &json!({"last_name": null, "company": "Acme Ltd", "metadata": {"points": 12, "tier": null},
            "identifiers": {"card_status": "SUSPENDED"},
            "addresses": [{"line1": "2 High St", "city": "Leeds", "country": "GB", "is_default": true}]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let after = &body["data"];
    assert_eq!(after["version"], 2);
    assert_ne!(after["updated_at"], before["data"]["updated_at"]);
    assert_eq!(after["created_at"], before["data"]["created_at"]);
    assert!(after.get("last_name").is_none());
    assert_eq!(after["first_name"], "Ann");
    assert_eq!(after["company"], "Acme Ltd");
    assert_eq!(after["metadata"], json!({"points": 12}));
    assert_eq!(
        after["identifiers"],
        json!({"external_id": "crm-1", "card_number": "C1", "card_status": "SUSPENDED"})
    );
    assert_eq!(after["addresses"][0]["city"], "Leeds");
    assert_eq!(after["addresses"].as_array().map(Vec::len), Some(1));
    assert_eq!(body["warnings"], json!([]));
    let (_, read_back) = get(&stack, TENANT, &id).await;
    assert_eq!(
        &read_back["data"], after,
        "what PATCH returns is what is stored"
    );
}

#[tokio::test]
async fn read_only_and_unknown_fields_and_every_rule_fail_at_once() {
    let stack = Stack::new().await;
    let id = ann(&stack).await;
    let (status, problem) = patch(
        &stack,
        TENANT,
        &id,
        &json!({"id": "x", "created_by": "me", "link_existing": true, "first_name": null,
            "email": "nope", "groups": ["not-a-group"], "addresses": [{"line1": "x", "city": "y", "country": "ZZ"}]}),
    )
    .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (400, Some("validation_failed"))
    );
    let errors = integration_tests::calls::errors(&problem);
    assert_eq!(
        errors,
        [
            ("/created_by", "read_only_field"),
            ("/id", "read_only_field"),
            ("/link_existing", "unknown_field"),
            ("/first_name", "required"),
            ("/email", "invalid_email"),
            ("/addresses/0/country", "invalid_country"),
            ("/groups/0", "unknown_group"),
        ]
    );
    let (_, unchanged) = get(&stack, TENANT, &id).await;
    assert_eq!(unchanged["data"]["version"], 1);
}

#[tokio::test]
async fn only_merge_patch_or_json_bodies_are_taken() {
    let stack = Stack::new().await;
    let id = ann(&stack).await;
    let body = r#"{"company":"X"}"#;
    let mut versions = Vec::new();
    for media in [
        "application/merge-patch+json",
        "application/json; charset=utf-8",
    ] {
        let (status, body) = call(
            &stack,
            customer("PATCH", &id)
                .header("content-type", media)
                .raw_body(body)
                .by_tenant(TENANT),
        )
        .await;
        assert_eq!(status, 200, "{media}: {body}");
        versions.push(body["data"]["version"].clone());
    }
    assert_eq!(
        versions,
        [json!(2), json!(2)],
        "the second patch changed nothing"
    );
    let response = send(
        &stack.app(),
        customer("PATCH", &id)
            .header("content-type", "text/plain")
            .raw_body(body)
            .by_tenant(TENANT),
    )
    .await;
    assert_eq!(
        response.headers()["accept-patch"],
        "application/merge-patch+json, application/json"
    );
    let (status, problem) = read(&response);
    assert_eq!(
        (status, problem["code"].as_str()),
        (415, Some("unsupported_media_type"))
    );
}

#[tokio::test]
async fn moving_an_email_frees_the_old_one_at_once() {
    let stack = Stack::new().await;
    let id = ann(&stack).await;
    let (status, _) = patch(&stack, TENANT, &id, &json!({"email": "ann@new.example"})).await;
    assert_eq!(status, 200);
    let (status, body) = create(
        &stack,
        TENANT,
        &json!({"first_name": "Bo", "email": "ann@example.com"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (_, found) = list(&stack, TENANT, &[("email", "ann@new.example")]).await;
    assert_eq!(found["data"][0]["id"], id.as_str());
}

#[tokio::test]
async fn a_value_of_another_customer_is_409_on_its_field_and_nothing_changes() {
    let stack = Stack::new().await;
    let id = ann(&stack).await;
    create(
        &stack,
        TENANT,
        &json!({"first_name": "Bo", "email": "bo@example.com", "mobile": "+19203751411"}),
    )
    .await;
    let claims_before = claims(&stack).await;
    for (body, code, field) in [
        (
            json!({"email": "BO@example.com", "company": "X"}),
            "email_taken",
            "/email",
        ),
        (
            json!({"mobile": "(920) 375-1411", "mobile_country": "US"}),
            "mobile_taken",
            "/mobile",
        ),
    ] {
        let (status, problem) = patch(&stack, TENANT, &id, &body).await;
        assert_eq!(
            (status, problem["code"].as_str(), problem["field"].as_str()),
            (409, Some(code), Some(field)),
            "{body}"
        );
    }
    assert_eq!(claims(&stack).await, claims_before);
    let (_, unchanged) = get(&stack, TENANT, &id).await;
    assert_eq!(unchanged["data"]["version"], 1);
}

#[tokio::test]
async fn the_same_value_in_another_spelling_touches_no_claim() {
    let stack = Stack::new().await;
    let id = ann(&stack).await;
    let before = stack.snapshot().await;
    let (status, body) = patch(
        &stack,
        TENANT,
        &id,
        &json!({"email": "ANN@Example.COM", "identifiers": {"card_number": "c-1"}}),
    )
    .await;
    assert_eq!((status, body["data"]["version"].as_u64()), (200, Some(1)));
    assert_eq!(stack.snapshot().await, before, "nothing was written");
}

#[tokio::test]
async fn twenty_concurrent_patches_moving_two_customers_onto_one_email_have_one_winner() {
    let stack = Stack::new().await;
    let (_, a) = create(
        &stack,
        TENANT,
        &json!({"first_name": "A", "email": "a@example.com"}),
    )
    .await;
    let (_, b) = create(
        &stack,
        TENANT,
        &json!({"first_name": "B", "email": "b@example.com"}),
    )
    .await;
    let ids = [a["data"]["id"].clone(), b["data"]["id"].clone()];
    let ids: Vec<String> = ids
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect();
    let app = stack.app();
    let patches = (0..20).map(|i| {
        let event = customer("PATCH", &ids[i % 2])
            .json(&json!({"email": "shared@example.com"}))
            .by_tenant(TENANT);
        send(&app, event)
    });
    let responses: Vec<(u16, Value)> = futures::future::join_all(patches)
        .await
        .iter()
        .map(read)
        .collect();
    let (_, owner) = list(&stack, TENANT, &[("email", "shared@example.com")]).await;
    let winner = owner["data"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(ids.contains(&winner), "{owner}");
    for (i, (status, body)) in responses.iter().enumerate() {
        let expected = if ids[i % 2] == winner { 200 } else { 409 };
        assert_eq!(*status, expected, "patch {i}: {body}");
    }
    let email_claims: Vec<(String, String, String)> = claims(&stack)
        .await
        .into_iter()
        .filter(|(field, _, _)| field == "email")
        .collect();
    let loser = ids
        .iter()
        .find(|id| **id != winner)
        .cloned()
        .unwrap_or_default();
    let loser_email = if loser == ids[0] {
        "a@example.com"
    } else {
        "b@example.com"
    };
    assert_eq!(
        email_claims,
        {
            let mut expected = vec![
                ("email".to_owned(), loser_email.to_owned(), loser.clone()),
                (
                    "email".to_owned(),
                    "shared@example.com".to_owned(),
                    winner.clone(),
                ),
            ];
            expected.sort();
            expected
        },
        "the winner's old email was released, the loser kept its own"
    );
}

#[tokio::test]
async fn if_match_names_the_version_read() {
    let stack = Stack::new().await;
    let id = ann(&stack).await;
    let response = send(&stack.app(), customer("GET", &id).by_tenant(TENANT)).await;
    assert_eq!(response.headers()["etag"], "\"1\"");
    let patch_if = |tag: &'static str, company: &'static str| {
        customer("PATCH", &id)
            .header("if-match", tag)
            .json(&json!({ "company": company }))
            .by_tenant(TENANT)
    };
    let matching = send(&stack.app(), patch_if("\"1\"", "One")).await;
    assert_eq!(matching.status(), 200);
    assert_eq!(matching.headers()["etag"], "\"2\"");
    let (status, problem) = call(&stack, patch_if("\"1\"", "Stale")).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (412, Some("precondition_failed"))
    );
    // A weak tag is a tag that never matches (RFC 9110's strong comparison): stale, 412.
    let (status, problem) = call(&stack, patch_if("W/\"2\"", "Weak")).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (412, Some("precondition_failed"))
    );
    // Not a tag at all (unquoted): the client's mistake, which no re-read would fix.
    for malformed in ["2", "\"2", "\"2\" \"3\""] {
        let (status, problem) = call(&stack, patch_if(malformed, "Malformed")).await;
        assert_eq!(
            (status, problem["code"].as_str(), problem["field"].as_str()),
            (400, Some("invalid_if_match"), Some("If-Match")),
            "{malformed}"
        );
    }
    let (status, body) = call(&stack, patch_if("*", "Any")).await;
    assert_eq!((status, body["data"]["version"].as_u64()), (200, Some(3)));
    let (_, read_back) = get(&stack, TENANT, &id).await;
    assert_eq!(read_back["data"]["company"], "Any");
}

#[tokio::test]
async fn ten_concurrent_patches_of_different_fields_all_land() {
    let stack = Stack::new().await;
    let id = ann(&stack).await;
    let fields = [
        json!({"last_name": "Lane"}),
        json!({"company": "Globex"}),
        json!({"notes": "prefers email"}),
        json!({"gender": "female"}),
        json!({"birthday": "1990-05-17"}),
        json!({"country": "CL"}),
        json!({"newsletter": true}),
        json!({"status": "pending"}),
        json!({"metadata": {"a": 1}}),
        json!({"metadata": {"b": 2}}),
    ];
    let app = stack.app();
    let patches = fields
        .iter()
        .map(|body| send(&app, customer("PATCH", &id).json(body).by_tenant(TENANT)));
    let statuses: Vec<u16> = futures::future::join_all(patches)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert_eq!(statuses, [200; 10]);
    let (_, body) = get(&stack, TENANT, &id).await;
    let c = &body["data"];
    assert_eq!(c["version"], 11);
    for (field, value) in [
        ("last_name", json!("Lane")),
        ("company", json!("Globex")),
        ("notes", json!("prefers email")),
        ("gender", json!("female")),
        ("birthday", json!("1990-05-17")),
        ("country", json!("CL")),
        ("newsletter", json!(true)),
        ("status", json!("pending")),
    ] {
        assert_eq!(c[field], value, "{field}");
    }
    assert_eq!(
        c["metadata"],
        json!({"tier": "gold", "points": 10, "a": 1, "b": 2})
    );
}

#[tokio::test]
async fn an_identity_document_is_replaced_and_removed_and_never_kept() {
    let stack = Stack::new().await;
    let passport = |number: &str| identity_document("PASSPORT", number, &png(640, 400), None);
    let (_, body) = create(
        &stack,
        TENANT,
        &json!({"first_name": "Ann", "email": "ann@example.com", "identity_document": passport("P1234567")}),
    )
    .await;
    let id = body["data"]["id"].as_str().unwrap_or_default().to_owned();
    let (status, body) = patch(
        &stack,
        TENANT,
        &id,
        &json!({"identity_document": passport("P7654321")}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["identity_document"]["number_last4"], "4321");
    assert!(stack.objects().await.is_empty(), "no image is left in S3");
    let (status, body) = create(
        &stack,
        TENANT,
        &json!({"first_name": "Bo", "email": "bo@example.com", "identity_document": passport("P1234567")}),
    )
    .await;
    assert_eq!(status, 201, "the old document is free: {body}");
    let (status, body) = patch(&stack, TENANT, &id, &json!({"identity_document": null})).await;
    assert_eq!(status, 200);
    assert!(body["data"].get("identity_document").is_none());
    let (status, body) = create(
        &stack,
        TENANT,
        &json!({"first_name": "Cy", "email": "cy@example.com", "identity_document": passport("P7654321")}),
    )
    .await;
    assert_eq!(status, 201, "the removed document is free: {body}");
    assert!(stack.objects().await.is_empty());
    let items = format!("{:?}", stack.items().await);
    assert!(
        !items.contains("7654321") && !items.contains("iVBOR"),
        "no number, no image"
    );
}

#[tokio::test]
async fn another_tenants_customer_is_not_found() {
    let stack = Stack::new().await;
    let id = ann(&stack).await;
    let (status, problem) = patch(&stack, OTHER_TENANT, &id, &json!({"company": "X"})).await;
    assert_eq!((status, problem["code"].as_str()), (404, Some("not_found")));
    let (status, _) = patch(&stack, TENANT, "not-a-uuid", &json!({})).await;
    assert_eq!(status, 404);
}
