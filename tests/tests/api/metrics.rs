//! The functions' metrics: CloudWatch Embedded Metric Format documents in the log. Every
//! document a run of every route (and of the publisher) writes must be one CloudWatch accepts
//! (the EMF specification's structure), declare only metrics of the catalogue the dashboard
//! and alarms are checked against, and carry no tenant or personal value in a dimension.

use integration_tests::calls::{customer, send};
use integration_tests::{identity_document, read, workspace_root, Capture, Event, Stack, TENANT};
use local_gateway::template::Bindings;
use serde_json::{json, Value};
use shared::http::ColdStart;
use shared::support::metrics::{self, CATALOGUE, NAMESPACE, PUBLISHER_ROUTE};
use std::collections::BTreeSet;

const UNITS: &[&str] = &[
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
];

/// The personal values the run sends, none of which may be a dimension's value.
const PERSONAL: &[&str] = &[
    "Zebulon",
    "zebulon.q@example.org",
    "+19203751411",
    "98-765-4321-K",
    "Walnut Club",
];

/// Every route of the template, as API Gateway names them, and the publisher's.
fn routes() -> BTreeSet<String> {
    let functions = integration_tests::template()
        .functions(&Bindings::default())
        .expect("the template's functions");
    let mut routes: BTreeSet<String> = functions
        .iter()
        .flat_map(|f| f.routes.iter().map(|r| format!("{} {}", r.method, r.path)))
        .collect();
    routes.insert(PUBLISHER_ROUTE.to_owned());
    routes
}

/// One EMF document against the specification
/// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html)
/// and our rules; the metrics it declares, with their dimension names.
fn check(document: &Value, routes: &BTreeSet<String>) -> Vec<(String, Vec<String>)> {
    let aws = &document["_aws"];
    let timestamp = aws["Timestamp"]
        .as_i64()
        .unwrap_or_else(|| panic!("Timestamp, in ms: {document}"));
    let now = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    assert!((now - timestamp).abs() < 3_600_000, "{document}");
    let directives = aws["CloudWatchMetrics"]
        .as_array()
        .unwrap_or_else(|| panic!("CloudWatchMetrics: {document}"));
    assert!(!directives.is_empty(), "{document}");
    let mut declared = Vec::new();
    for directive in directives {
        assert_eq!(directive["Namespace"], NAMESPACE, "{document}");
        let sets = directive["Dimensions"].as_array().expect("Dimensions");
        assert_eq!(sets.len(), 1, "one dimension set per directive: {document}");
        let names: Vec<String> = sets[0]
            .as_array()
            .expect("a dimension set is an array")
            .iter()
            .map(|n| n.as_str().expect("a dimension name").to_owned())
            .collect();
        assert!((1..=30).contains(&names.len()), "{document}");
        for name in &names {
            let value = document[name.as_str()]
                .as_str()
                .unwrap_or_else(|| panic!("dimension {name} is a string member: {document}"));
            assert!(!value.is_empty() && value.len() <= 1024, "{document}");
            // A closed set each, so never a tenant's or a person's value.
            match name.as_str() {
                "Service" => assert_eq!(value, metrics::service()),
                "Route" => assert!(routes.contains(value), "route {value}"),
                "Code" => assert!(
                    value.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                    "code {value}"
                ),
                other => panic!("an unknown dimension {other}"),
            }
            assert_ne!(value, TENANT);
            assert!(PERSONAL.iter().all(|p| !value.contains(p)), "{value}");
        }
        let metrics = directive["Metrics"].as_array().expect("Metrics");
        assert!((1..=100).contains(&metrics.len()), "{document}");
        for metric in metrics {
            let name = metric["Name"].as_str().expect("Name");
            assert!((1..=255).contains(&name.len()));
            let unit = metric["Unit"].as_str().expect("Unit");
            assert!(UNITS.contains(&unit), "unit {unit}");
            let valid = match &document[name] {
                Value::Number(n) => n.as_f64().is_some(),
                Value::Array(values) => {
                    (1..=100).contains(&values.len()) && values.iter().all(Value::is_number)
                }
                _ => false,
            };
            assert!(valid, "metric {name} has a value: {document}");
            let known = CATALOGUE
                .iter()
                .find(|m| m.name == name)
                .unwrap_or_else(|| panic!("{name} is in the catalogue"));
            assert_eq!(known.unit.as_str(), unit);
            assert_eq!(known.dimensions, names.as_slice());
            declared.push((name.to_owned(), names.clone()));
        }
    }
    declared
}

/// Every route once or more (a document staged, a conflict, a refusal, a replay, a cold start),
/// and a stream batch through the publisher.
async fn every_route(stack: &Stack) {
    let app = stack.app();
    let (front, back) = (
        shared::testing::png(640, 400),
        shared::testing::png(620, 400),
    );
    let document = identity_document("NATIONAL_ID", "98-765-4321-K", &front, Some(&back));
    let body = json!({"first_name": "Zebulon", "email": "zebulon.q@example.org",
        "mobile": "+19203751411", "identity_document": document});
    let mut first = Event::new("POST /customers")
        .json(&body)
        .by_tenant(TENANT)
        .request();
    first.extensions_mut().insert(ColdStart(true));
    let (status, created) = read(&create_customer::handle(&app, first).await);
    assert_eq!(status, 201, "{created}");
    let id = created["data"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let again = Event::new("POST /customers")
        .json(&json!({"first_name": "Ann", "email": "zebulon.q@example.org"}));
    assert_eq!(send(&app, again.by_tenant(TENANT)).await.status(), 409);
    let group = Event::new("POST /customer-groups").json(&json!({"name": "Walnut Club"}));
    assert_eq!(send(&app, group.by_tenant(TENANT)).await.status(), 201);
    let patch = || {
        customer("PATCH", &id)
            .json(&json!({"last_name": "Quixotic"}))
            .header("idempotency-key", "metrics-patch")
            .by_tenant(TENANT)
    };
    assert_eq!(send(&app, patch()).await.status(), 200);
    let replay = send(&app, patch()).await;
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    for event in [
        customer("GET", &id),
        Event::new("GET /customers").query("email", "zebulon.q@example.org"),
        Event::new("GET /customers"),
        Event::new("GET /customer-groups"),
        Event::new("GET /countries"),
        // No token: the public routes are counted like the others, with no tenant.
        Event::new("GET /docs"),
        Event::new("GET /openapi.json"),
        customer("DELETE", &id),
    ] {
        let (status, body) = read(&send(&app, event.by_tenant(TENANT)).await);
        assert!(status < 300, "{status} {body}");
    }
    let events = shared::lambda::EventsApp::new(&stack.settings(), &stack.sdk).expect("events");
    let listed = list_events::handle(
        &events,
        Event::new("GET /events").by_tenant(TENANT).request(),
    );
    assert_eq!(listed.await.status(), 200);
    let publisher = shared::lambda::publisher(&stack.settings(), &stack.sdk).expect("publisher");
    let fixture = workspace_root().join("events").join("publish-events.json");
    let batch = std::fs::read_to_string(fixture).expect("the stream fixture");
    let batch = serde_json::from_str(&batch).expect("a stream batch");
    let published = shared::lambda::publish(&publisher, batch, true).await;
    assert!(published.expect("published").batch_item_failures.is_empty());
}

#[tokio::test]
async fn every_metric_document_is_valid_emf_with_no_tenant_or_personal_value_in_a_dimension() {
    let stack = Stack::new().await;
    let (capture, _guard) = Capture::start();
    every_route(&stack).await;

    let routes = routes();
    let documents = capture.metrics();
    // One per request (14) and one per batch.
    assert_eq!(documents.len(), 15, "{}", capture.text());
    let declared: BTreeSet<(String, Vec<String>)> =
        documents.iter().flat_map(|d| check(d, &routes)).collect();
    // The run emits every metric of the catalogue, so the catalogue is what the functions
    // emit (the dashboard and alarms are checked against it in `template`).
    let expected: BTreeSet<(String, Vec<String>)> = CATALOGUE
        .iter()
        .map(|m| {
            (
                m.name.to_owned(),
                m.dimensions.iter().map(|d| d.to_string()).collect(),
            )
        })
        .collect();
    assert_eq!(declared, expected);
    let routes_seen: BTreeSet<&str> = documents
        .iter()
        .filter_map(|d| d["Route"].as_str())
        .collect();
    assert_eq!(
        routes_seen.len(),
        routes.len(),
        "every route and the publisher: {routes_seen:?}"
    );

    // What the documents say is what happened.
    let of =
        |route: &str| -> Vec<&Value> { documents.iter().filter(|d| d["Route"] == route).collect() };
    let creates = of("POST /customers");
    assert_eq!(creates[0]["ColdStart"], 1);
    assert_eq!(creates[0]["Status2xx"], 1);
    assert_eq!(
        creates[0]["DocumentRetention"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(creates[1]["ColdStart"], 0);
    assert_eq!(
        (creates[1]["Status4xx"].clone(), creates[1]["Code"].clone()),
        (json!(1), json!("email_taken"))
    );
    assert_eq!(creates[1]["Conflicts"], 1);
    let patches = of("PATCH /customers/{id}");
    assert_eq!(
        (patches[0]["Replays"].clone(), patches[1]["Replays"].clone()),
        (json!(0), json!(1))
    );
    let batch = &of(PUBLISHER_ROUTE)[0];
    assert_eq!(batch["StreamRecords"], 4, "{batch}");
    assert_eq!(batch["StreamRecordsFailed"], 0);
    assert_eq!(batch["ColdStart"], 1);
}
