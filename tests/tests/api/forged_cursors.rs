//! Cursors carry no secret, so a client can write one with a right checksum. Against DynamoDB
//! (moto): whatever it writes, a listing only ever reads the caller's own tenant (the store
//! rebuilds every key from it), and a position not exactly as the store writes them is 400
//! `invalid_cursor`, never a 5xx or a restarted listing.

use integration_tests::calls::{create, create_group, list};
use integration_tests::{read, Event, Stack, OTHER_TENANT, TENANT};
use serde_json::{json, Value};
use shared::domain::TenantId;
use shared::use_cases::cursor::{seal_payload, Listing};
use time::format_description::well_known::Rfc3339;

async fn list_groups(stack: &Stack, tenant: &str, query: &[(&str, &str)]) -> (u16, Value) {
    let mut event = Event::new("GET /customer-groups").by_tenant(tenant);
    for (name, value) in query {
        event = event.query(name, value);
    }
    read(&list_customer_groups::handle(&stack.app(), event.request()).await)
}

/// A cursor as a client can write it: any payload, with the checksum for its tenant.
fn written(tenant: &str, listing: Listing, payload: Value) -> String {
    let tenant = TenantId::parse(tenant).expect("tenant");
    seal_payload(&tenant, listing, payload.to_string().as_bytes())
}

/// An item's place in a listing, as the store writes it (`{millis:015}#{id}`).
fn position(item: &Value) -> String {
    let created = time::OffsetDateTime::parse(item["created_at"].as_str().unwrap(), &Rfc3339)
        .expect("RFC 3339");
    let millis = created.unix_timestamp_nanos() / 1_000_000;
    format!("{millis:015}#{}", item["id"].as_str().unwrap())
}

/// The listing shard of a customer: its id's last hex digit, modulo the 8 shards
/// (docs/data-model.md, "Listing and lookups").
fn shard(customer: &Value) -> String {
    let id = customer["id"].as_str().unwrap();
    let last = id.chars().last().and_then(|c| c.to_digit(16)).unwrap();
    (last % 8).to_string()
}

fn ids(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_written_group_cursor_reads_only_the_callers_own_groups() {
    let stack = Stack::new().await;
    // The other tenant's groups before and after the caller's: a listing that read their
    // partition from the place the cursor names would show the later one.
    let (_, theirs) = create_group(&stack, OTHER_TENANT, &json!({"name": "Theirs"})).await;
    let theirs = theirs["data"].clone();
    let mut own = Vec::new();
    for i in 0..3 {
        let (status, body) = create_group(&stack, TENANT, &json!({"name": format!("G{i}")})).await;
        assert_eq!(status, 201, "{body}");
        own.push(body["data"].clone());
    }
    create_group(&stack, OTHER_TENANT, &json!({"name": "Theirs later"})).await;
    let mut by_position = own.clone();
    by_position.sort_by_key(position);
    let own_ids: Vec<String> = by_position
        .iter()
        .map(|g| g["id"].as_str().unwrap().to_owned())
        .collect();

    // Another tenant's group as the place to start: the caller's own listing, from there
    // (every group of its own is later), and nothing of the other tenant's.
    let cursor = written(
        TENANT,
        Listing::CustomerGroups,
        json!({"l": "g", "k": {"after": position(&theirs)}}),
    );
    let (status, body) = list_groups(&stack, TENANT, &[("cursor", &cursor)]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ids(&body), own_ids, "{body}");

    // Its own first group as the place: the groups after it, as a cursor the API wrote would.
    let cursor = written(
        TENANT,
        Listing::CustomerGroups,
        json!({"l": "g", "k": {"after": position(&by_position[0])}}),
    );
    let (status, body) = list_groups(&stack, TENANT, &[("cursor", &cursor)]).await;
    assert_eq!(status, 200, "{body}");
    let after_first: Vec<String> = by_position[1..]
        .iter()
        .map(|g| g["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids(&body), after_first);

    let id = own[0]["id"].as_str().unwrap();
    for start in [
        json!({"after": "x"}),
        json!({"after": format!("1#{id}")}),
        json!({"after": format!("-00000000000001#{id}")}),
        json!({"after": format!("000000000000001#{}", id.to_uppercase())}),
        json!({"after": "000000000000001#not-an-id"}),
        json!({"after": position(&own[0]), "pk": "TENANT#other#GROUPS"}),
        json!({}),
    ] {
        let cursor = written(
            TENANT,
            Listing::CustomerGroups,
            json!({"l": "g", "k": start}),
        );
        let (status, problem) = list_groups(&stack, TENANT, &[("cursor", &cursor)]).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (400, Some("invalid_cursor")),
            "{start}: {problem}"
        );
    }
}

#[tokio::test]
async fn a_written_customer_cursor_reads_only_the_callers_own_customers() {
    let stack = Stack::new().await;
    // Other-tenant customers before and after the caller's, several, so that some share a
    // shard with the caller's: a listing that read their partitions would show them.
    let mut foreign = Vec::new();
    for i in 0..3 {
        let body = json!({"first_name": "T", "email": format!("t{i}@example.com")});
        let (_, body) = create(&stack, OTHER_TENANT, &body).await;
        foreign.push(body["data"]["id"].as_str().unwrap().to_owned());
    }
    let mut own = Vec::new();
    for i in 0..4 {
        let body = json!({"first_name": "C", "email": format!("c{i}@example.com")});
        let (status, body) = create(&stack, TENANT, &body).await;
        assert_eq!(status, 201, "{body}");
        own.push(body["data"]["id"].as_str().unwrap().to_owned());
    }
    let (_, theirs) = create(
        &stack,
        OTHER_TENANT,
        &json!({"first_name": "T", "email": "t-last@example.com"}),
    )
    .await;
    let theirs = theirs["data"].clone();

    // Its shard told to resume after the other tenant's newest customer: the caller's own
    // customers, every one (all are older, and the other shards start from the top), and none
    // of the other tenant's.
    let place = position(&theirs);
    let start: serde_json::Map<String, Value> = [(shard(&theirs), Value::String(place.clone()))]
        .into_iter()
        .collect();
    let cursor = written(TENANT, Listing::Customers, json!({"l": "c", "k": start}));
    let (status, body) = list(&stack, TENANT, &[("cursor", &cursor)]).await;
    assert_eq!(status, 200, "{body}");
    let mut listed = ids(&body);
    listed.sort();
    let mut expected = own.clone();
    expected.sort();
    assert_eq!(listed, expected, "{body}");
    assert!(foreign
        .iter()
        .all(|id| !body.to_string().contains(id.as_str())));

    let wrong_shard = ((shard(&theirs).parse::<u32>().unwrap() + 1) % 8).to_string();
    for start in [
        json!({ (wrong_shard.clone()): place }),
        json!({"8": "done"}),
        json!({"01": "done"}),
        json!({"0": "x"}),
        json!({ (shard(&theirs)): format!("1#{}", theirs["id"].as_str().unwrap()) }),
    ] {
        let cursor = written(TENANT, Listing::Customers, json!({"l": "c", "k": start}));
        let (status, problem) = list(&stack, TENANT, &[("cursor", &cursor)]).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (400, Some("invalid_cursor")),
            "{start}: {problem}"
        );
    }
}
