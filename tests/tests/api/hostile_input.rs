//! Hostile bodies: strict JSON (one meaning per body), numbers kept to the digit or refused,
//! and text that shows what it holds. Through the real handlers, against moto.

use integration_tests::calls::{call, create, create_group, customer, errors, get, list, send};
use integration_tests::{read, Event, Stack, TENANT};
use serde_json::{json, Value};

async fn create_raw(stack: &Stack, body: &str) -> (u16, Value) {
    let event = Event::new("POST /customers")
        .header("content-type", "application/json")
        .raw_body(body)
        .by_tenant(TENANT);
    call(stack, event).await
}

async fn stored_count(stack: &Stack) -> usize {
    let (status, body) = list(stack, TENANT, &[]).await;
    assert_eq!(status, 200, "{body}");
    body["data"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn duplicate_members_are_refused_on_their_pointer_and_nothing_is_written() {
    let stack = Stack::new().await;
    let address = r#"{"line1": "1 Main St", "city": "Springfield", "country": "US"}"#;
    for (body, pointer) in [
        (
            r#"{"first_name": "A", "first_name": "B", "email": "ann@example.com"}"#.to_owned(),
            "/first_name",
        ),
        (
            format!(
                r#"{{"first_name": "Ann", "email": "ann@example.com", "addresses": [{address}, {{"line1": "2 Elm St", "city": "Springfield", "city": "Shelbyville", "country": "US"}}]}}"#
            ),
            "/addresses/1/city",
        ),
        (
            r#"{"first_name": "Ann", "email": "ann@example.com", "metadata": {"tier": "gold", "tier": "silver"}}"#.to_owned(),
            "/metadata/tier",
        ),
    ] {
        let (status, problem) = create_raw(&stack, &body).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (400, Some("validation_failed")),
            "{problem}"
        );
        assert_eq!(errors(&problem), vec![(pointer, "duplicate_member")]);
    }
    assert_eq!(stored_count(&stack).await, 0);
    // The email was never claimed: the same customer, sent once, is created.
    let (status, body) = create(
        &stack,
        TENANT,
        &json!({"first_name": "Ann", "email": "ann@example.com"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");

    // A merge patch is held to the same rule.
    let id = body["data"]["id"].as_str().unwrap_or_default().to_owned();
    let event = customer("PATCH", &id)
        .header("content-type", "application/merge-patch+json")
        .raw_body(r#"{"company": "A", "company": null}"#)
        .by_tenant(TENANT);
    let (status, problem) = call(&stack, event).await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(errors(&problem), vec![("/company", "duplicate_member")]);
    assert_eq!(get(&stack, TENANT, &id).await.1["data"]["version"], 1);
}

#[tokio::test]
async fn numbers_keep_every_digit_or_are_refused() {
    let stack = Stack::new().await;
    for number in ["-9223372036854775809", "123456789012345678901234567890"] {
        let body = format!(
            r#"{{"first_name": "Ann", "email": "ann@example.com", "metadata": {{"n": {number}}}}}"#
        );
        let (status, problem) = create_raw(&stack, &body).await;
        assert_eq!(status, 400, "{problem}");
        assert_eq!(
            errors(&problem),
            vec![("/metadata/n", "number_out_of_range")],
            "{number}"
        );
    }
    assert_eq!(stored_count(&stack).await, 0);

    // 2^53 + 1 is where doubles start to round; 12345678901234567890 needs all 64 bits.
    let body = r#"{"first_name": "Ann", "email": "ann@example.com", "metadata": {"big": 9007199254740993, "bigger": 12345678901234567890, "min": -9223372036854775808, "whole": 1e2, "half": 1.50, "tenth": 0.1}}"#;
    let event = Event::new("POST /customers")
        .header("content-type", "application/json")
        .raw_body(body)
        .by_tenant(TENANT);
    let created = send(&stack.app(), event).await;
    let (status, body) = read(&created);
    assert_eq!(status, 201, "{body}");
    let id = body["data"]["id"].as_str().unwrap_or_default().to_owned();
    let fetched = send(&stack.app(), customer("GET", &id).by_tenant(TENANT)).await;
    for response in [&created, &fetched] {
        let text = match response.body() {
            lambda_http::Body::Text(text) => text.clone(),
            other => panic!("{other:?}"),
        };
        for digits in [
            r#""big":9007199254740993"#,
            r#""bigger":12345678901234567890"#,
            r#""min":-9223372036854775808"#,
            // Numbers come back as the same number, in one spelling.
            r#""whole":100}"#,
            r#""half":1.5"#,
            r#""tenth":0.1"#,
        ] {
            assert!(text.contains(digits), "{digits} in {text}");
        }
    }
}

/// Every text field, by pointer, with a value around the character under test.
fn with_text(pointer: &str, text: &str) -> Value {
    let mut body = json!({
        "first_name": "Ann", "last_name": "Lee", "company": "Acme", "notes": "Call first",
        "email": "ann@example.com",
        "addresses": [{"first_name": "Ann", "last_name": "Lee", "line1": "1 Main St", "line2": "Unit 2", "city": "Springfield", "state": "IL", "country": "US"}],
        "identifiers": {"external_id": "crm-1"},
        "metadata": {"note": "fine"}
    });
    if let Some(slot) = body.pointer_mut(pointer) {
        *slot = Value::String(text.to_owned());
    }
    body
}

const TEXT_FIELDS: [&str; 13] = [
    "/first_name",
    "/last_name",
    "/company",
    "/notes",
    "/addresses/0/first_name",
    "/addresses/0/last_name",
    "/addresses/0/line1",
    "/addresses/0/line2",
    "/addresses/0/city",
    "/addresses/0/state",
    "/identifiers/external_id",
    "/metadata/note",
    // Checked as one with the others below: a group's name and description.
    "/name",
];

#[tokio::test]
async fn invisible_and_direction_changing_characters_are_refused_in_every_text_field() {
    let stack = Stack::new().await;
    for character in ['\u{202E}', '\u{200B}', '\u{2066}', '\u{0007}'] {
        for pointer in TEXT_FIELDS {
            let text = format!("Ze{character}ro");
            let (status, problem) = if pointer == "/name" {
                create_group(&stack, TENANT, &json!({"name": text})).await
            } else {
                create(&stack, TENANT, &with_text(pointer, &text)).await
            };
            assert_eq!(status, 400, "{pointer} {problem}");
            assert_eq!(
                errors(&problem),
                vec![(pointer, "invalid_character")],
                "U+{:04X} in {pointer}",
                u32::from(character)
            );
        }
        let (status, problem) = create_group(
            &stack,
            TENANT,
            &json!({"name": "VIP", "description": format!("Top\u{202E}buyers")}),
        )
        .await;
        assert_eq!(status, 400, "{problem}");
        assert_eq!(
            errors(&problem),
            vec![("/description", "invalid_character")]
        );
    }
    // The issue's spoof, exactly: U+202E U+200B "Zero" as a first name.
    let (status, problem) = create(
        &stack,
        TENANT,
        &with_text("/first_name", "\u{202E}\u{200B}Zero"),
    )
    .await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(stored_count(&stack).await, 0);
}

#[tokio::test]
async fn joiners_stay_and_spellings_that_read_alike_are_one() {
    let stack = Stack::new().await;
    // Devanagari "Kshatriya" as commonly typed: KA, VIRAMA, ZERO WIDTH JOINER, SSA, ...
    let name = "\u{915}\u{94D}\u{200D}\u{937}\u{924}\u{94D}\u{930}\u{93F}\u{92F}";
    let decomposed = "Cafe\u{301}";
    let (status, body) = create(
        &stack,
        TENANT,
        &json!({"first_name": name, "last_name": decomposed, "email": "k@example.com"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["data"]["first_name"], name);
    assert_eq!(body["data"]["last_name"], "Caf\u{E9}");
    let id = body["data"]["id"].as_str().unwrap_or_default();
    assert_eq!(get(&stack, TENANT, id).await.1["data"], body["data"]);

    assert_eq!(
        create_group(&stack, TENANT, &json!({"name": "Caf\u{E9}"}))
            .await
            .0,
        201
    );
    let (status, problem) = create_group(&stack, TENANT, &json!({"name": decomposed})).await;
    assert_eq!(
        (status, problem["code"].as_str(), problem["field"].as_str()),
        (409, Some("group_name_taken"), Some("/name"))
    );
}

/// Whatever the create accepts, GET returns exactly as the 201 showed it: generated bodies
/// through the real handlers and DynamoDB's item format (moto), bytes compared.
#[test]
fn whatever_is_accepted_is_read_back_as_the_201_showed_it() {
    use proptest::test_runner::{Config, TestRunner};
    use shared::testing::strategies;

    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => panic!("{e}"),
    };
    let stack = runtime.block_on(Stack::new());
    let app = stack.app();
    let mut runner = TestRunner::new(Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    });
    let accepted = std::cell::Cell::new(0);
    let result = runner.run(&strategies::customer_body(), |body| {
        runtime.block_on(async {
            let event = Event::new("POST /customers")
                .json(&Value::Object(body.clone()))
                .by_tenant(TENANT);
            let created = send(&app, event).await;
            let (status, created_body) = read(&created);
            assert!(status < 500, "{status} for {body:?}: {created_body}");
            if status != 201 {
                return;
            }
            accepted.set(accepted.get() + 1);
            let id = created_body["data"]["id"].as_str().unwrap_or_default();
            let fetched = send(&app, customer("GET", id).by_tenant(TENANT)).await;
            let (status, fetched_body) = read(&fetched);
            assert_eq!(status, 200);
            assert_eq!(
                serde_json::to_string(&fetched_body["data"]).ok(),
                serde_json::to_string(&created_body["data"]).ok(),
                "for {body:?}"
            );
        });
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
    assert!(
        accepted.get() > 3,
        "only {} bodies accepted",
        accepted.get()
    );
}
