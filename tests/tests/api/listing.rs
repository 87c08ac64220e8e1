//! `GET /customers`: pages through the sharded listing index, newest first, and exact lookups
//! from the claims, against DynamoDB (moto).

use integration_tests::calls::{create, delete, list};
use integration_tests::{Stack, OTHER_TENANT, TENANT};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;

/// The ids of a page, and its cursor.
fn page(body: &Value) -> (Vec<String>, Option<String>) {
    let ids = body["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|c| c["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    (ids, body["next_cursor"].as_str().map(str::to_owned))
}

#[tokio::test]
async fn twenty_five_customers_over_three_pages_newest_first() {
    let stack = Stack::new().await;
    // By instant: RFC 3339 strings do not sort (`…39Z` is after `…39.277Z`).
    let mut created: Vec<(time::OffsetDateTime, String)> = Vec::new();
    for i in 0..25 {
        let (status, body) = create(
            &stack,
            TENANT,
            &json!({"first_name": format!("C{i}"), "email": format!("c{i}@example.com")}),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        let customer = &body["data"];
        let created_at = customer["created_at"].as_str().unwrap_or_default();
        created.push((
            time::OffsetDateTime::parse(created_at, &Rfc3339).expect("RFC 3339"),
            customer["id"].as_str().unwrap_or_default().to_owned(),
        ));
    }
    create(
        &stack,
        OTHER_TENANT,
        &json!({"first_name": "X", "email": "x@example.com"}),
    )
    .await;
    created.sort_unstable_by(|a, b| b.cmp(a));
    let newest_first: Vec<String> = created.into_iter().map(|(_, id)| id).collect();

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut sizes = Vec::new();
    loop {
        let mut query = vec![("limit", "10")];
        if let Some(cursor) = cursor.as_deref() {
            query.push(("cursor", cursor));
        }
        let (status, body) = list(&stack, TENANT, &query).await;
        assert_eq!(status, 200, "{body}");
        let (ids, next) = page(&body);
        sizes.push(ids.len());
        seen.extend(ids);
        match next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(sizes, [10, 10, 5]);
    assert_eq!(seen, newest_first, "no duplicates, no gaps, newest first");
}

#[tokio::test]
async fn tampered_and_foreign_cursors_and_bad_queries_are_400() {
    let stack = Stack::new().await;
    for i in 0..3 {
        create(
            &stack,
            TENANT,
            &json!({"first_name": "C", "email": format!("c{i}@example.com")}),
        )
        .await;
    }
    let (_, body) = list(&stack, TENANT, &[("limit", "1")]).await;
    let cursor = page(&body).1.expect("a next page");
    let mut tampered = cursor.clone().into_bytes();
    tampered[5] = if tampered[5] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap_or_default();
    for (tenant, cursor) in [(TENANT, tampered.as_str()), (OTHER_TENANT, cursor.as_str())] {
        let (status, problem) = list(&stack, tenant, &[("cursor", cursor)]).await;
        assert_eq!(
            (status, problem["code"].as_str(), problem["field"].as_str()),
            (400, Some("invalid_cursor"), Some("?cursor")),
            "{tenant}"
        );
    }
    for (query, field, code) in [
        (vec![("limit", "101")], "?limit", "out_of_range"),
        (vec![("sort", "name")], "?sort", "unknown_parameter"),
        (vec![("email", "not-an-email")], "?email", "invalid_email"),
        (
            vec![("mobile", "0512345678")],
            "?mobile",
            "country_required",
        ),
        (
            vec![("email", "a@b.co"), ("card_number", "1")],
            "?card_number",
            "conflicting_value",
        ),
    ] {
        let (status, problem) = list(&stack, TENANT, &query).await;
        assert_eq!(status, 400, "{query:?}: {problem}");
        assert_eq!(problem["code"], "validation_failed");
        assert_eq!(problem["errors"][0]["field"], field, "{query:?}");
        assert_eq!(problem["errors"][0]["code"], code, "{query:?}");
    }
}

#[tokio::test]
async fn each_lookup_finds_a_customer_created_just_before() {
    let stack = Stack::new().await;
    let (_, body) = create(
        &stack,
        TENANT,
        &json!({"first_name": "Ann", "email": "Ann@Example.com", "mobile": "0512345678", "mobile_country": "SA",
            "identifiers": {"external_id": "crm-7", "card_number": "9000 0007"}}),
    )
    .await;
    let ann = body["data"].clone();
    let lookups: [&[(&str, &str)]; 5] = [
        &[("email", "ann@example.COM")],
        &[("mobile", "+966512345678")],
        &[("mobile", "0512345678"), ("mobile_country", "SA")],
        &[("external_id", "crm-7")],
        &[("card_number", "9000-0007")],
    ];
    for query in lookups {
        let (status, body) = list(&stack, TENANT, query).await;
        assert_eq!(status, 200, "{query:?}: {body}");
        assert_eq!(
            body,
            json!({"data": [ann.clone()], "next_cursor": null}),
            "{query:?}"
        );
    }
    for (tenant, query) in [
        (TENANT, [("email", "bo@example.com")]),
        (OTHER_TENANT, [("email", "ann@example.com")]),
        (TENANT, [("external_id", "crm-8")]),
    ] {
        let (status, body) = list(&stack, tenant, &query).await;
        assert_eq!(
            (status, body),
            (200, json!({"data": [], "next_cursor": null})),
            "{tenant} {query:?}"
        );
    }
}

#[tokio::test]
async fn erased_customers_are_neither_listed_nor_found() {
    let stack = Stack::new().await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let (_, body) = create(
            &stack,
            TENANT,
            &json!({"first_name": "C", "email": format!("c{i}@example.com")}),
        )
        .await;
        ids.push(body["data"]["id"].as_str().unwrap_or_default().to_owned());
    }
    assert_eq!(delete(&stack, TENANT, &ids[1]).await.0, 204);
    let (_, body) = list(&stack, TENANT, &[]).await;
    let (listed, next) = page(&body);
    assert_eq!(listed.len(), 2);
    assert!(!listed.contains(&ids[1]));
    assert_eq!(next, None);
    let (_, found) = list(&stack, TENANT, &[("email", "c1@example.com")]).await;
    assert_eq!(found["data"], json!([]));
}
