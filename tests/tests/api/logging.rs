//! What the functions log: one JSON line per request with its outcome, and never a name,
//! email, phone or other personal value.

use integration_tests::{read, Capture, Event, Stack, TENANT};
use serde_json::json;
use tracing::Instrument;

#[tokio::test]
async fn request_lines_carry_outcome_and_no_personal_data() {
    let stack = Stack::new().await;
    let app = stack.app();
    let (capture, _guard) = Capture::start();
    let personal = json!({
        "first_name": "Zebulon", "last_name": "Quixotic", "email": "zebulon.q@example.org",
        "mobile": "+19203751411", "company": "Secretive Ltd", "notes": "allergic to walnuts",
        "addresses": [{"line1": "42 Hidden Lane", "city": "Nowhereville", "country": "US", "phone": "+19203751412"}]
    });
    // The first request in the span the functions' runtime loop opens around an invocation.
    let invocation = shared::support::log_format::invocation(
        "lambda-request-1",
        Some("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"),
        "arn:aws:lambda:us-east-1:123456789012:function:create-customer",
        true,
    );
    let ok = create_customer::handle(
        &app,
        Event::new("POST /customers")
            .json(&personal)
            .by_tenant(TENANT)
            .request(),
    )
    .instrument(invocation)
    .await;
    assert_eq!(ok.status(), 201);
    let dup = create_customer::handle(
        &app,
        Event::new("POST /customers")
            .json(&personal)
            .by_tenant(TENANT)
            .request(),
    )
    .await;
    assert_eq!(dup.status(), 409);
    let mut invalid = personal.clone();
    invalid["email"] = json!("zebulon-at-example");
    let bad = create_customer::handle(
        &app,
        Event::new("POST /customers")
            .json(&invalid)
            .by_tenant(TENANT)
            .request(),
    )
    .await;
    assert_eq!(bad.status(), 400);

    let text = capture.text();
    for secret in [
        "Zebulon",
        "Quixotic",
        "zebulon",
        "9203751411",
        "920) 375",
        "Secretive",
        "walnuts",
        "Hidden Lane",
        "Nowhereville",
    ] {
        assert!(
            !text.contains(secret),
            "the log contains {secret:?}:\n{text}"
        );
    }
    let lines = capture.lines_of("request");
    assert_eq!(lines.len(), 3, "{text}");
    let statuses: Vec<u64> = lines
        .iter()
        .map(|l| l["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [201, 409, 400]);
    for line in &lines {
        assert_eq!(line["route"], "POST /customers");
        assert_eq!(line["tenant"], TENANT);
        assert_eq!(line["request_id"], "test-request");
        assert!(line["latency_ms"].as_f64().is_some());
    }
    assert_eq!(lines[1]["error_code"], "email_taken");
    // Powertools' keys, the invocation's on the line written inside it.
    for line in &lines {
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["service"], shared::support::metrics::service());
        let timestamp = line["timestamp"].as_str().unwrap_or_default();
        assert!(
            time::OffsetDateTime::parse(timestamp, &time::format_description::well_known::Rfc3339)
                .is_ok(),
            "{line}"
        );
        assert!(line.get("trace_header").is_none(), "{line}");
    }
    assert_eq!(lines[0]["function_request_id"], "lambda-request-1");
    assert_eq!(
        lines[0]["xray_trace_id"],
        "1-5759e988-bd862e3fe1be46a994272793"
    );
    assert_eq!(lines[0]["cold_start"], true);
    assert_eq!(
        lines[0]["function_arn"],
        "arn:aws:lambda:us-east-1:123456789012:function:create-customer"
    );
    assert!(lines[1].get("function_request_id").is_none());
}

#[tokio::test]
async fn a_create_with_a_document_logs_retention_but_no_number_or_image() {
    use base64::Engine;
    let stack = Stack::new().await;
    let app = stack.app();
    let (capture, _guard) = Capture::start();
    let front = shared::testing::png(640, 400);
    let back = shared::testing::png(620, 400);
    let document =
        integration_tests::identity_document("NATIONAL_ID", "98-765-4321-K", &front, Some(&back));
    let body =
        json!({"first_name": "Zebulon", "email": "zeb@example.org", "identity_document": document});
    let response = create_customer::handle(
        &app,
        Event::new("POST /customers")
            .json(&body)
            .by_tenant(TENANT)
            .request(),
    )
    .await;
    assert_eq!(response.status(), 201);

    let text = capture.text();
    let b64 = base64::engine::general_purpose::STANDARD;
    for secret in [
        "987654321K",
        "98-765-4321-K",
        "9876543",
        "Zebulon",
        "zeb@example.org",
    ] {
        assert!(
            !text.contains(secret),
            "the log contains {secret:?}:\n{text}"
        );
    }
    // Any 24 consecutive base64 characters of either image would betray image bytes.
    for image in [&front, &back] {
        let encoded = b64.encode(image);
        for start in (0..encoded.len().saturating_sub(24)).step_by(997) {
            assert!(
                !text.contains(&encoded[start..start + 24]),
                "image bytes in the log"
            );
        }
    }
    let deletions = capture.lines_of("document image deleted");
    assert_eq!(deletions.len(), 2, "{text}");
    for line in &deletions {
        assert!(line["document_retention_ms"]
            .as_f64()
            .is_some_and(|ms| ms >= 0.0));
        assert!(line["side"] == "front" || line["side"] == "back");
    }
}

#[tokio::test]
async fn request_lines_report_the_dynamodb_capacity_consumed() {
    let stack = Stack::new().await;
    let app = stack.app();
    let (capture, _guard) = Capture::start();
    let body = json!({"first_name": "Ann", "email": "capacity@example.com"});
    let created = create_customer::handle(
        &app,
        Event::new("POST /customers")
            .json(&body)
            .by_tenant(TENANT)
            .request(),
    )
    .await;
    let (status, customer) = read(&created);
    assert_eq!(status, 201);
    let id = customer["data"]["id"].as_str().unwrap();
    let got = get_customer::handle(
        &app,
        Event::new("GET /customers/{id}")
            .path_parameter("id", id)
            .by_tenant(TENANT)
            .request(),
    )
    .await;
    assert_eq!(got.status(), 200);
    let refused = create_customer::handle(
        &app,
        Event::new("POST /customers")
            .json(&json!({"email": "x"}))
            .by_tenant(TENANT)
            .request(),
    )
    .await;
    assert_eq!(refused.status(), 400);

    let text = capture.text();
    let lines = capture.lines_of("request");
    assert_eq!(lines.len(), 3, "{text}");
    // What DynamoDB reports is what the line says. moto reports GetItem's capacity, though as
    // for an eventually consistent read (0.5; DynamoDB charges 1 for this consistent one), and
    // leaves TransactWriteItems' empty (`make bench` computes it from the items instead).
    assert_eq!(lines[1]["consumed_rcu"].as_f64(), Some(0.5), "{text}");
    assert_eq!(lines[1]["consumed_wcu"].as_f64(), Some(0.0), "{text}");
    assert!(lines[0]["consumed_wcu"].as_f64().is_some(), "{text}");
    // A request refused before the store consumes nothing.
    assert_eq!(lines[2]["consumed_rcu"].as_f64(), Some(0.0), "{text}");
    assert_eq!(lines[2]["consumed_wcu"].as_f64(), Some(0.0), "{text}");
}

#[tokio::test]
async fn lookups_patches_and_erasures_log_their_route_and_no_personal_data() {
    use integration_tests::calls::{customer, send};
    let stack = Stack::new().await;
    let app = stack.app();
    let (capture, _guard) = Capture::start();
    let created = send(
        &app,
        Event::new("POST /customers")
            .json(&json!({"first_name": "Zebulon", "email": "zebulon.q@example.org"}))
            .by_tenant(TENANT),
    )
    .await;
    let (_, body) = read(&created);
    let id = body["data"]["id"].as_str().unwrap_or_default().to_owned();
    let lookup = Event::new("GET /customers")
        .query("email", "zebulon.q@example.org")
        .by_tenant(TENANT);
    assert_eq!(send(&app, lookup).await.status(), 200);
    let patch = customer("PATCH", &id)
        .json(&json!({"last_name": "Quixotic", "mobile": "+19203751411"}))
        .by_tenant(TENANT);
    assert_eq!(send(&app, patch).await.status(), 200);
    let taken = customer("PATCH", &id)
        .json(&json!({"email": "nope"}))
        .by_tenant(TENANT);
    assert_eq!(send(&app, taken).await.status(), 400);
    assert_eq!(
        send(&app, customer("DELETE", &id).by_tenant(TENANT))
            .await
            .status(),
        204
    );

    let text = capture.text();
    for secret in ["Zebulon", "zebulon", "Quixotic", "9203751411"] {
        assert!(
            !text.contains(secret),
            "the log contains {secret:?}:\n{text}"
        );
    }
    let routes: Vec<(String, u64)> = capture
        .lines_of("request")
        .iter()
        .map(|l| {
            (
                l["route"].as_str().unwrap_or_default().to_owned(),
                l["status"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        routes,
        [
            ("POST /customers".to_owned(), 201),
            ("GET /customers".to_owned(), 200),
            ("PATCH /customers/{id}".to_owned(), 200),
            ("PATCH /customers/{id}".to_owned(), 400),
            ("DELETE /customers/{id}".to_owned(), 204),
        ]
    );
}

#[tokio::test]
async fn a_keyed_request_logs_a_hash_of_its_key_and_whether_it_was_replayed() {
    use integration_tests::calls::send;
    let stack = Stack::new().await;
    let app = stack.app();
    let (capture, _guard) = Capture::start();
    let key = "client-secret-key-4f1c9a";
    let create = || {
        Event::new("POST /customers")
            .json(&json!({"first_name": "Zebulon", "email": "zebulon.q@example.org"}))
            .header("idempotency-key", key)
            .by_tenant(TENANT)
    };
    assert_eq!(send(&app, create()).await.status(), 201);
    assert_eq!(send(&app, create()).await.status(), 201);

    let text = capture.text();
    for secret in [key, "4f1c9a", "Zebulon", "zebulon"] {
        assert!(
            !text.contains(secret),
            "the log contains {secret:?}:\n{text}"
        );
    }
    let lines = capture.lines_of("request");
    assert_eq!(lines.len(), 2, "{text}");
    let hashes: Vec<&str> = lines
        .iter()
        .filter_map(|l| l["idempotency_key"].as_str())
        .collect();
    // The same key hashes alike, so that a retry can be told from its first request.
    assert_eq!(hashes.len(), 2, "{text}");
    assert_eq!(hashes[0], hashes[1]);
    assert_eq!(hashes[0].len(), 16);
    assert!(hashes[0].bytes().all(|b| b.is_ascii_hexdigit()));
    let replayed: Vec<Option<bool>> = lines.iter().map(|l| l["replayed"].as_bool()).collect();
    assert_eq!(replayed, [Some(false), Some(true)]);
}
