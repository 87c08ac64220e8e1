//! Change events end to end: the real function binaries behind the local gateway, whose event
//! source mapping feeds the publisher from moto's stream of this stack's table; `GET /events`
//! through its handler, and what reached EventBridge through a rule to an SQS queue.

use integration_tests::calls::{create, create_group, customer, delete, patch, read, send};
use integration_tests::{Event, Stack};
use serde_json::{json, Value};
use shared::lambda::EventsApp;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// How long a change may take to show: the stream is polled every few hundred milliseconds.
const PATIENCE: Duration = Duration::from_secs(20);

/// `GET /events` with `query`, as `tenant`.
pub async fn list_events(stack: &Stack, tenant: &str, query: &[(&str, &str)]) -> (u16, Value) {
    let app = EventsApp::new(&stack.settings(), &stack.sdk).expect("the events wiring");
    let mut event = Event::new("GET /events").by_tenant(tenant);
    for (name, value) in query {
        event = event.query(name, value);
    }
    read(&list_events::handle(&app, event.request()).await)
}

/// The subject's events, newest first, once there are at least `count` (or what there is when
/// patience runs out).
pub async fn subject_events(
    stack: &Stack,
    tenant: &str,
    subject: &str,
    count: usize,
) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let (status, page) =
            list_events(stack, tenant, &[("subject", subject), ("limit", "100")]).await;
        assert_eq!(status, 200, "{page}");
        let events = page["data"].as_array().cloned().unwrap_or_default();
        if events.len() >= count || tokio::time::Instant::now() >= deadline {
            return events;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Every event of the subject, newest first, following the cursors.
pub async fn all_subject_events(stack: &Stack, tenant: &str, subject: &str) -> Vec<Value> {
    let mut events = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut query = vec![("subject", subject), ("limit", "100")];
        if let Some(cursor) = &cursor {
            query.push(("cursor", cursor));
        }
        let (status, page) = list_events(stack, tenant, &query).await;
        assert_eq!(status, 200, "{page}");
        events.extend(page["data"].as_array().cloned().unwrap_or_default());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return events,
        }
    }
}

/// Bus deliveries (EventBridge envelopes), accumulated until every id of `ids` has arrived.
async fn bus_deliveries(stack: &Stack, ids: &BTreeSet<String>) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let mut received = Vec::new();
    loop {
        received.extend(stack.bus_messages().await);
        let seen: BTreeSet<String> = received
            .iter()
            .filter_map(|m| m["detail"]["id"].as_str().map(str::to_owned))
            .collect();
        if ids.is_subset(&seen) || tokio::time::Instant::now() >= deadline {
            return received;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn summary(events: &[Value]) -> Vec<(String, u64)> {
    events
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap_or_default().to_owned(),
                e["data"]["version"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_change_is_one_thin_event_in_get_events_and_on_the_bus() {
    let stack = Stack::new().await;
    let _gateway = stack.gateway().await;
    let personal = [
        "Zelda",
        "Quixote",
        "zelda.q@example.com",
        "zq@example.org",
        "+447911123456",
        "7911123456",
        "prefers mornings",
        "secret-77",
        "EXT-9931",
        "Gold tier",
    ];
    let body = json!({
        "first_name": "Zelda", "last_name": "Quixote", "email": "zelda.q@example.com",
        "mobile": "+447911123456", "notes": "prefers mornings",
        "metadata": {"crm": "secret-77"}, "identifiers": {"external_id": "EXT-9931"}
    });
    let (status, created) = create(&stack, "acme", &body).await;
    assert_eq!(status, 201, "{created}");
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    let (status, _) = patch(&stack, "acme", &id, &json!({"email": "zq@example.org"})).await;
    assert_eq!(status, 200);
    assert_eq!(delete(&stack, "acme", &id).await.0, 204);
    let (status, group) = create_group(&stack, "acme", &json!({"name": "Gold tier"})).await;
    assert_eq!(status, 201, "{group}");
    let group_id = group["data"]["id"].as_str().unwrap().to_owned();

    let events = subject_events(&stack, "acme", &id, 3).await;
    assert_eq!(
        summary(&events),
        [
            ("customer.deleted".to_owned(), 3),
            ("customer.updated".to_owned(), 2),
            ("customer.created".to_owned(), 1)
        ],
        "newest first, numbered 1..n: {events:#?}"
    );
    // The registering source account lists the email too: it moved with it.
    assert_eq!(events[1]["data"]["changed"], json!(["email", "sources"]));
    for event in &events {
        assert_eq!(event["specversion"], "1.0");
        assert_eq!(event["subject"], id.as_str());
        assert_eq!(event["tenant"], "acme");
        assert_eq!(event["datacontenttype"], "application/json");
        assert!(event["time"].as_str().is_some_and(|t| t.ends_with('Z')));
    }
    let group_events = subject_events(&stack, "acme", &group_id, 1).await;
    assert_eq!(
        summary(&group_events),
        [("customer_group.created".to_owned(), 1)]
    );

    // The tenant's listing reads an index, which may lag the events' own items a little.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let all = loop {
        let (status, all) = list_events(&stack, "acme", &[]).await;
        assert_eq!(status, 200);
        if all["data"].as_array().map(Vec::len) == Some(4) {
            break all;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "four events listed: {all:#}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(all["next_cursor"], Value::Null);
    let (_, others) = list_events(&stack, "globex", &[]).await;
    assert_eq!(
        others["data"],
        json!([]),
        "another tenant sees none of them"
    );

    let ids: BTreeSet<String> = events
        .iter()
        .chain(&group_events)
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    let deliveries = bus_deliveries(&stack, &ids).await;
    let delivered: BTreeMap<String, &Value> = deliveries
        .iter()
        .map(|m| (m["detail"]["id"].as_str().unwrap_or_default().to_owned(), m))
        .collect();
    for event in events.iter().chain(&group_events) {
        let id = event["id"].as_str().unwrap();
        let message = delivered
            .get(id)
            .unwrap_or_else(|| panic!("{id} not on the bus"));
        assert_eq!(&message["detail"], event, "the same CloudEvent on the bus");
        assert_eq!(message["detail-type"], event["type"]);
        assert_eq!(message["source"], event["source"]);
    }

    let everything = format!(
        "{} {} {:?}",
        serde_json::to_string(&all).unwrap(),
        serde_json::to_string(&deliveries).unwrap(),
        stack.event_items().await
    );
    for value in personal {
        assert!(!everything.contains(value), "an event holds {value:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_patch_that_changes_nothing_and_a_replayed_keyed_write_publish_nothing() {
    let stack = Stack::new().await;
    let _gateway = stack.gateway().await;
    let app = stack.app();
    let keyed = || {
        Event::new("POST /customers")
            .json(&json!({"first_name": "Ann", "email": "ann@example.com"}))
            .header("idempotency-key", "create-ann")
            .by_tenant("acme")
    };
    let (status, first) = read(&send(&app, keyed()).await);
    assert_eq!(status, 201);
    let (status, _) = read(&send(&app, keyed()).await);
    assert_eq!(status, 201, "replayed");
    let id = first["data"]["id"].as_str().unwrap().to_owned();
    let (status, same) = patch(&stack, "acme", &id, &json!({"email": "ANN@example.com"})).await;
    assert_eq!((status, same["data"]["version"].as_u64()), (200, Some(1)));
    // A real change after them: once its event is there, the ones before it would be too.
    let (status, _) = patch(&stack, "acme", &id, &json!({"notes": "called back"})).await;
    assert_eq!(status, 200);
    let events = subject_events(&stack, "acme", &id, 2).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let settled = subject_events(&stack, "acme", &id, 2).await;
    assert_eq!(events, settled);
    assert_eq!(
        summary(&settled),
        [
            ("customer.updated".to_owned(), 2),
            ("customer.created".to_owned(), 1)
        ]
    );
    assert_eq!(settled[0]["data"]["changed"], json!(["notes"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_concurrent_patches_make_versions_two_to_eleven_one_event_each() {
    let stack = Stack::new().await;
    let _gateway = stack.gateway().await;
    let (status, created) = create(
        &stack,
        "acme",
        &json!({"first_name": "Ann", "email": "ann@example.com"}),
    )
    .await;
    assert_eq!(status, 201);
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    let app = stack.app();
    let patches = (0..10).map(|i| {
        let event = customer("PATCH", &id)
            .header("content-type", "application/merge-patch+json")
            .raw_body(&json!({"notes": format!("note {i}")}).to_string())
            .by_tenant("acme");
        send(&app, event)
    });
    for response in futures::future::join_all(patches).await {
        assert_eq!(read(&response).0, 200);
    }
    let events = subject_events(&stack, "acme", &id, 11).await;
    let versions: Vec<u64> = summary(&events).into_iter().rev().map(|(_, v)| v).collect();
    assert_eq!(versions, (1..=11).collect::<Vec<_>>(), "{events:#?}");
    assert!(events[..10]
        .iter()
        .all(|e| e["type"] == "customer.updated" && e["data"]["changed"] == json!(["notes"])));
}

#[tokio::test(flavor = "multi_thread")]
async fn get_events_pages_filters_and_refuses_what_it_cannot_read() {
    let stack = Stack::new().await;
    let _gateway = stack.gateway().await;
    let mut ids = BTreeSet::new();
    for i in 0..5 {
        let body = json!({"first_name": "Ann", "email": format!("ann{i}@example.com")});
        let (status, created) = create(&stack, "acme", &body).await;
        assert_eq!(status, 201);
        ids.insert(created["data"]["id"].as_str().unwrap().to_owned());
    }
    let last = ids.iter().next().unwrap().clone();
    assert_eq!(
        patch(&stack, "acme", &last, &json!({"notes": "x"})).await.0,
        200
    );
    subject_events(&stack, "acme", &last, 2).await;
    // The index lags the table a little: wait until the tenant's listing holds all six.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while list_events(&stack, "acme", &[("limit", "100")]).await.1["data"]
        .as_array()
        .map_or(0, Vec::len)
        < 6
    {
        assert!(tokio::time::Instant::now() < deadline, "six events listed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let mut query = vec![("limit", "2"), ("type", "customer.created")];
        if let Some(cursor) = &cursor {
            query.push(("cursor", cursor.as_str()));
        }
        let (status, page) = list_events(&stack, "acme", &query).await;
        assert_eq!(status, 200, "{page}");
        let times: Vec<&str> = page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["time"].as_str().unwrap())
            .collect();
        assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
        for event in page["data"].as_array().unwrap() {
            assert_eq!(event["type"], "customer.created");
            seen.push(event["subject"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5, "each created event once: {seen:?}");
    assert_eq!(seen.iter().cloned().collect::<BTreeSet<_>>(), ids);

    let (_, customers) = integration_tests::calls::list(&stack, "acme", &[("limit", "1")]).await;
    let foreign = customers["next_cursor"].as_str().unwrap().to_owned();
    let (_, page) = list_events(&stack, "acme", &[("limit", "1")]).await;
    let own = page["next_cursor"].as_str().unwrap().to_owned();
    for (query, field, code) in [
        (
            vec![("cursor", foreign.as_str())],
            "?cursor",
            "invalid_cursor",
        ),
        (
            vec![("cursor", "e30.AAAAAAAAAAAAAAAA")],
            "?cursor",
            "invalid_cursor",
        ),
        (vec![("type", "customer.merged")], "?type", "invalid_value"),
        (
            vec![("subject", "ann@example.com")],
            "?subject",
            "invalid_format",
        ),
        (vec![("limit", "101")], "?limit", "out_of_range"),
    ] {
        let (status, problem) = list_events(&stack, "acme", &query).await;
        assert_eq!(status, 400, "{query:?}: {problem}");
        let found = problem["code"] == code
            || problem["errors"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|e| e["field"] == field && e["code"] == code);
        assert!(found, "{query:?}: {problem}");
    }
    let (status, problem) = list_events(&stack, "globex", &[("cursor", own.as_str())]).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (400, Some("invalid_cursor"))
    );
}

/// Customers created before the publisher runs: its first batch holds all their events.
async fn created_before_the_publisher(stack: &Stack, count: usize) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for i in 0..count {
        let body = json!({"first_name": "Ann", "email": format!("ann{i}@example.com")});
        let (status, created) = create(stack, "acme", &body).await;
        assert_eq!(status, 201, "{created}");
        ids.insert(created["data"]["id"].as_str().unwrap().to_owned());
    }
    ids
}

/// Waits until the events table holds `count` events; then checks that `GET /events` lists
/// each subject exactly once, at version 1, and that every event reached the bus at least once.
/// Returns how many deliveries the bus had.
async fn one_event_each_and_all_on_the_bus(stack: &Stack, subjects: &BTreeSet<String>) -> usize {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while stack.event_items().await.len() < subjects.len() {
        assert!(tokio::time::Instant::now() < deadline, "every event kept");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        stack.event_items().await.len(),
        subjects.len(),
        "one item per change"
    );
    let mut listed = Vec::new();
    for subject in subjects {
        let events = subject_events(stack, "acme", subject, 1).await;
        assert_eq!(
            summary(&events),
            [("customer.created".to_owned(), 1)],
            "{subject}"
        );
        listed.push(events[0]["id"].as_str().unwrap().to_owned());
    }
    let ids: BTreeSet<String> = listed.into_iter().collect();
    let deliveries = bus_deliveries(stack, &ids).await;
    let delivered: BTreeSet<String> = deliveries
        .iter()
        .filter_map(|m| m["detail"]["id"].as_str().map(str::to_owned))
        .collect();
    assert!(
        ids.is_subset(&delivered),
        "every event on the bus at least once"
    );
    deliveries.len()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_that_fails_part_way_is_retried_from_where_it_failed() {
    let stack = Stack::with_dynamodb_faults().await;
    let subjects = created_before_the_publisher(&stack, 30).await;
    let faults = stack.faults.as_ref().expect("a fault proxy");
    // The batch's 30 events are kept 25 to a call: every attempt at the second call fails.
    faults.set(integration_tests::Faults {
        fail_dynamodb: Some(("BatchWriteItem", 2..=4)),
        ..Default::default()
    });
    let _gateway = stack.gateway().await;
    let delivered = one_event_each_and_all_on_the_bus(&stack, &subjects).await;
    assert_eq!(delivered, 30, "each event put once");
    // One call for the first 25, three attempts at the other 5, then the batch again from the
    // first record that failed (not from its start): one call for those 5.
    assert_eq!(faults.calls("BatchWriteItem"), 5);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let bus = stack.bus_messages().await;
    assert!(bus.is_empty(), "no event put twice: {bus:?}");
    assert_eq!(
        stack.failure_messages().await,
        Vec::<Value>::new(),
        "nothing given up"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_publisher_that_dies_mid_batch_leaves_one_event_per_change_after_redelivery() {
    let stack = Stack::with_dynamodb_faults().await;
    let subjects = created_before_the_publisher(&stack, 30).await;
    let faults = stack.faults.as_ref().expect("a fault proxy");
    faults.set(integration_tests::Faults {
        hold_dynamodb: Some(("BatchWriteItem", 2)),
        ..Default::default()
    });
    let gateway = stack.gateway().await;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while faults.calls("BatchWriteItem") < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the publisher reached its second write"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Killed with 25 events kept and none published: the stream has not moved on.
    gateway.stop().await;
    assert_eq!(stack.event_items().await.len(), 25);
    assert_eq!(stack.bus_messages().await, Vec::<Value>::new());
    faults.set(integration_tests::Faults::default());
    // A new publisher gets the batch again from the shard's start.
    let _gateway = stack.gateway().await;
    let delivered = one_event_each_and_all_on_the_bus(&stack, &subjects).await;
    assert!(delivered >= 30);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customer_stored_before_seals_gets_its_seal_without_an_event() {
    let stack = Stack::new().await;
    let _gateway = stack.gateway().await;
    // An item as the code before seals wrote it (no `seal`), at version 2.
    let item = shared::testing::dynamo_json::item(include_str!(
        "../../../shared/src/store/items/layouts/customer-unmarked.json"
    ));
    let id = "c27ff17d-d8d1-41f3-ae2c-b536b3329256";
    assert!(!item.contains_key("seal"));
    stack
        .dynamodb
        .put_item()
        .table_name(&stack.table)
        .set_item(Some(item))
        .send()
        .await
        .expect("an unsealed customer");
    let before = subject_events(&stack, "acme", id, 1).await;
    assert_eq!(summary(&before), [("customer.created".to_owned(), 2)]);
    // Changes nothing, but writes the item again at its version, with a seal.
    let (status, same) = patch(&stack, "acme", id, &json!({"company": "Acme"})).await;
    assert_eq!(
        (status, same["data"]["version"].as_u64()),
        (200, Some(2)),
        "{same}"
    );
    let (status, _) = patch(&stack, "acme", id, &json!({"notes": "sealed now"})).await;
    assert_eq!(status, 200);
    let after = subject_events(&stack, "acme", id, 2).await;
    assert_eq!(
        summary(&after),
        [
            ("customer.updated".to_owned(), 3),
            ("customer.created".to_owned(), 2)
        ]
    );
    assert_eq!(after[1], before[0], "the created event untouched");
    let ids: BTreeSet<String> = after
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    let deliveries = bus_deliveries(&stack, &ids).await;
    assert_eq!(deliveries.len(), 2, "no third event: {deliveries:#?}");
}
