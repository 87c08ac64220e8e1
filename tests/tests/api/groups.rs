//! Customer groups: create, unique names, signed pagination, and groups on customers checked
//! inside the create's transaction.

use integration_tests::calls::{create as create_customer, create_group, list as list_customers};
use integration_tests::{read, Event, Stack, OTHER_TENANT, TENANT};
use serde_json::{json, Value};

async fn list(stack: &Stack, tenant: &str, query: &[(&str, &str)]) -> (u16, Value) {
    let mut event = Event::new("GET /customer-groups").by_tenant(tenant);
    for (name, value) in query {
        event = event.query(name, value);
    }
    read(&list_customer_groups::handle(&stack.app(), event.request()).await)
}

#[tokio::test]
async fn groups_have_unique_names_per_tenant() {
    let stack = Stack::new().await;
    let (status, body) = create_group(
        &stack,
        TENANT,
        &json!({"name": " VIP ", "description": "Top buyers"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["data"]["name"], "VIP");
    assert_eq!(body["data"]["description"], "Top buyers");
    assert!(body["data"]["id"].is_string() && body["data"]["created_at"].is_string());

    let (status, body) = create_group(&stack, TENANT, &json!({"name": "vip"})).await;
    assert_eq!(
        (status, body["code"].as_str(), body["field"].as_str()),
        (409, Some("group_name_taken"), Some("/name"))
    );
    assert_eq!(
        create_group(&stack, OTHER_TENANT, &json!({"name": "VIP"}))
            .await
            .0,
        201
    );
    let (status, body) = create_group(&stack, TENANT, &json!({"name": "", "extra": 1})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("validation_failed"))
    );
}

#[tokio::test]
async fn listing_pages_through_every_group_once() {
    let stack = Stack::new().await;
    for i in 0..5 {
        assert_eq!(
            create_group(&stack, TENANT, &json!({"name": format!("Group {i}")}))
                .await
                .0,
            201
        );
    }
    create_group(&stack, OTHER_TENANT, &json!({"name": "Not yours"})).await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut query = vec![("limit", "2")];
        if let Some(c) = cursor.as_deref() {
            query.push(("cursor", c));
        }
        let (status, page) = list(&stack, TENANT, &query).await;
        assert_eq!(status, 200, "{page}");
        pages += 1;
        seen.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| g["name"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(pages, 3);
    assert_eq!(
        seen,
        ["Group 0", "Group 1", "Group 2", "Group 3", "Group 4"]
    );
    let (_, everything) = list(&stack, TENANT, &[]).await;
    assert_eq!(everything["data"].as_array().unwrap().len(), 5);
    assert_eq!(everything["next_cursor"], Value::Null);
}

#[tokio::test]
async fn tampered_or_foreign_cursors_and_bad_limits_are_400() {
    let stack = Stack::new().await;
    for i in 0..3 {
        create_group(&stack, TENANT, &json!({"name": format!("G{i}")})).await;
    }
    let (_, page) = list(&stack, TENANT, &[("limit", "1")]).await;
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let mut tampered = cursor.clone().into_bytes();
    tampered[3] = if tampered[3] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for bad in [tampered.as_str(), "not-a-cursor", "abc.def"] {
        let (status, problem) = list(&stack, TENANT, &[("cursor", bad)]).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (400, Some("invalid_cursor")),
            "{bad}"
        );
    }
    let (status, problem) = list(&stack, OTHER_TENANT, &[("cursor", &cursor)]).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (400, Some("invalid_cursor")),
        "another tenant's cursor"
    );
    for limit in ["0", "101", "x"] {
        let (status, problem) = list(&stack, TENANT, &[("limit", limit)]).await;
        assert_eq!(
            (status, problem["errors"][0]["field"].as_str()),
            (400, Some("?limit")),
            "{limit}"
        );
    }
    // A misspelt parameter is named, as on every listing, instead of a page of the default
    // size.
    let (status, problem) = list(&stack, TENANT, &[("limt", "1")]).await;
    assert_eq!(
        (
            status,
            problem["errors"][0]["field"].as_str(),
            problem["errors"][0]["code"].as_str()
        ),
        (400, Some("?limt"), Some("unknown_parameter"))
    );
}

/// A client that mixes up its cursors learns it at once: a page of one listing is never
/// continued from another's position (an empty page or the first page again would be a silent
/// gap in its sync).
#[tokio::test]
async fn a_cursor_continues_only_the_listing_that_issued_it() {
    let stack = Stack::new().await;
    for i in 0..2 {
        create_group(&stack, TENANT, &json!({"name": format!("G{i}")})).await;
        create_customer(
            &stack,
            TENANT,
            &json!({"first_name": "C", "email": format!("c{i}@example.com")}),
        )
        .await;
    }
    let (_, groups) = list(&stack, TENANT, &[("limit", "1")]).await;
    let groups_cursor = groups["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let (_, customers) = list_customers(&stack, TENANT, &[("limit", "1")]).await;
    let customers_cursor = customers["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();

    let (status, problem) = list_customers(&stack, TENANT, &[("cursor", &groups_cursor)]).await;
    assert_eq!(
        (status, problem["code"].as_str(), problem["field"].as_str()),
        (400, Some("invalid_cursor"), Some("?cursor")),
        "a groups cursor on /customers: {problem}"
    );
    let (status, problem) = list(&stack, TENANT, &[("cursor", &customers_cursor)]).await;
    assert_eq!(
        (status, problem["code"].as_str(), problem["field"].as_str()),
        (400, Some("invalid_cursor"), Some("?cursor")),
        "a customers cursor on /customer-groups: {problem}"
    );
    // Each still continues its own listing.
    let (status, _) = list(&stack, TENANT, &[("cursor", &groups_cursor)]).await;
    assert_eq!(status, 200);
    let (status, _) = list_customers(&stack, TENANT, &[("cursor", &customers_cursor)]).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn customers_belong_to_existing_groups_of_their_tenant_only() {
    let stack = Stack::new().await;
    let (_, vip) = create_group(&stack, TENANT, &json!({"name": "VIP"})).await;
    let (_, wholesale) = create_group(&stack, TENANT, &json!({"name": "Wholesale"})).await;
    let (_, foreign) = create_group(&stack, OTHER_TENANT, &json!({"name": "Elsewhere"})).await;
    let (vip, wholesale, foreign) = (
        vip["data"]["id"].as_str().unwrap().to_owned(),
        wholesale["data"]["id"].as_str().unwrap().to_owned(),
        foreign["data"]["id"].as_str().unwrap().to_owned(),
    );

    let (status, body) = create_customer(
        &stack,
        TENANT,
        &json!({"first_name": "A", "email": "a@example.com", "groups": [vip, wholesale, vip]}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["data"]["groups"], json!([vip, wholesale]));
    assert_eq!(body["warnings"][0]["code"], "duplicate_group_collapsed");

    let missing = uuid::Uuid::new_v4().to_string();
    for (groups, bad_index) in [(json!([vip, missing]), 1), (json!([foreign, wholesale]), 0)] {
        let customers_before = stack.count("customer").await;
        let (status, problem) = create_customer(
            &stack,
            TENANT,
            &json!({"first_name": "B", "email": "b@example.com", "groups": groups}),
        )
        .await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (400, Some("validation_failed")),
            "{problem}"
        );
        assert_eq!(
            problem["errors"],
            json!([{"field": format!("/groups/{bad_index}"), "code": "unknown_group", "message": problem["errors"][0]["message"]}])
        );
        assert_eq!(
            stack.count("customer").await,
            customers_before,
            "nothing was written"
        );
    }
    let (status, _) = create_customer(
        &stack,
        TENANT,
        &json!({"first_name": "B", "email": "b@example.com"}),
    )
    .await;
    assert_eq!(
        status, 201,
        "the failed creates left no claim on b@example.com"
    );
}
