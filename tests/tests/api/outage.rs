//! DynamoDB going away mid-test: every request gets a 503 with Retry-After, never a 500 or a
//! stack trace, through the handler and through the gateway.

use integration_tests::{read, token, Event, Stack, READ_WRITE, TENANT};
use serde_json::json;

#[tokio::test]
async fn dynamodb_outage_is_503_with_retry_after() {
    let mut stack = Stack::with_own_moto().await;
    let app = stack.app();
    let body = json!({"first_name": "A", "email": "a@example.com"});
    let (status, created) = read(
        &create_customer::handle(
            &app,
            Event::new("POST /customers")
                .json(&body)
                .by_tenant(TENANT)
                .request(),
        )
        .await,
    );
    assert_eq!(status, 201);
    let id = created["data"]["id"].as_str().unwrap().to_owned();

    stack.kill_dynamodb();

    let other = json!({"first_name": "B", "email": "b@example.com"});
    let response = create_customer::handle(
        &app,
        Event::new("POST /customers")
            .json(&other)
            .by_tenant(TENANT)
            .request(),
    )
    .await;
    assert_eq!(response.headers()["retry-after"], "2");
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let (status, problem) = read(&response);
    assert_eq!(
        (status, problem["code"].as_str()),
        (503, Some("service_unavailable"))
    );

    let response = get_customer::handle(
        &app,
        Event::new("GET /customers/{id}")
            .path_parameter("id", &id)
            .by_tenant(TENANT)
            .request(),
    )
    .await;
    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(read(&response).0, 503);
}

#[tokio::test]
async fn dynamodb_outage_through_the_gateway() {
    let mut stack = Stack::with_own_moto().await;
    let gateway = stack.gateway().await;
    let token = token(Some(TENANT), READ_WRITE, &[]);
    stack.kill_dynamodb();
    let response = reqwest::Client::new()
        .post(format!("{}/customers", gateway.url()))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(r#"{"first_name":"A","email":"a@example.com"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "2");
    let text = response.text().await.unwrap();
    let problem: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(problem["code"], "service_unavailable");
    assert!(
        !text.contains("panicked") && !text.contains("dispatch"),
        "{text}"
    );
}
