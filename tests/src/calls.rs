//! The API's routes called through their real handlers, with the functions' own wiring against
//! a test's stack, as one caller of a tenant.

use crate::events::Event;
use crate::stack::Stack;
use lambda_http::{Body, Response};
use serde_json::Value;
use shared::lambda::App;

/// A response's status and JSON body (`null` when there is none).
pub fn read(response: &lambda_http::Response<lambda_http::Body>) -> (u16, Value) {
    let body = match response.body() {
        lambda_http::Body::Text(t) => serde_json::from_str(t).unwrap_or(Value::Null),
        lambda_http::Body::Binary(b) => serde_json::from_slice(b).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    (response.status().as_u16(), body)
}

/// `event` through the handler of the function its route names, with the functions' wiring.
pub async fn send(app: &App, event: Event) -> Response<Body> {
    let route = event.route_key();
    let request = event.request();
    match route.as_str() {
        "POST /customers" => create_customer::handle(app, request).await,
        "GET /customers" => list_customers::handle(app, request).await,
        "GET /customers/{id}" => get_customer::handle(app, request).await,
        "PATCH /customers/{id}" => update_customer::handle(app, request).await,
        "DELETE /customers/{id}" => delete_customer::handle(app, request).await,
        "POST /customer-groups" => create_customer_group::handle(app, request).await,
        "GET /customer-groups" => list_customer_groups::handle(app, request).await,
        "GET /countries" => list_countries::handle(app, request).await,
        "GET /docs" | "GET /openapi.json" => api_docs::handle(app, request).await,
        other => panic!("no function serves {other}"),
    }
}

/// `event` against `stack`: its status and JSON body.
pub async fn call(stack: &Stack, event: Event) -> (u16, Value) {
    read(&send(&stack.app(), event).await)
}

/// `POST /customers` as `tenant`.
pub async fn create(stack: &Stack, tenant: &str, body: &Value) -> (u16, Value) {
    call(
        stack,
        Event::new("POST /customers").json(body).by_tenant(tenant),
    )
    .await
}

/// `GET /customers/{id}` as `tenant`.
pub async fn get(stack: &Stack, tenant: &str, id: &str) -> (u16, Value) {
    call(stack, customer("GET", id).by_tenant(tenant)).await
}

/// `PATCH /customers/{id}` as `tenant`, with `body` as a merge patch.
pub async fn patch(stack: &Stack, tenant: &str, id: &str, body: &Value) -> (u16, Value) {
    let event = customer("PATCH", id)
        .header("content-type", "application/merge-patch+json")
        .raw_body(&body.to_string())
        .by_tenant(tenant);
    call(stack, event).await
}

/// `DELETE /customers/{id}` as `tenant`.
pub async fn delete(stack: &Stack, tenant: &str, id: &str) -> (u16, Value) {
    call(stack, customer("DELETE", id).by_tenant(tenant)).await
}

/// `GET /customers` with `query`, as `tenant`.
pub async fn list(stack: &Stack, tenant: &str, query: &[(&str, &str)]) -> (u16, Value) {
    let mut event = Event::new("GET /customers").by_tenant(tenant);
    for (name, value) in query {
        event = event.query(name, value);
    }
    call(stack, event).await
}

/// `POST /customer-groups` as `tenant`.
pub async fn create_group(stack: &Stack, tenant: &str, body: &Value) -> (u16, Value) {
    call(
        stack,
        Event::new("POST /customer-groups")
            .json(body)
            .by_tenant(tenant),
    )
    .await
}

/// An event on one customer's route.
pub fn customer(method: &str, id: &str) -> Event {
    Event::new(&format!("{method} /customers/{{id}}")).path_parameter("id", id)
}

/// Sends every body to the create handler at once, as `tenant`; the responses, in body order.
pub async fn create_concurrently(
    stack: &Stack,
    tenant: &str,
    bodies: &[Value],
) -> Vec<(u16, Value)> {
    let app = stack.app();
    let requests = bodies.iter().map(|body| {
        let event = Event::new("POST /customers").json(body).by_tenant(tenant);
        create_customer::handle(&app, event.request())
    });
    futures::future::join_all(requests)
        .await
        .iter()
        .map(read)
        .collect()
}

/// The (field, code) of each error of a problem, in order.
pub fn errors(problem: &Value) -> Vec<(&str, &str)> {
    problem["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e["field"].as_str().unwrap_or(""),
                e["code"].as_str().unwrap_or(""),
            )
        })
        .collect()
}

/// A race for one unique value: exactly one create won (201), every other one got 409.
pub fn assert_one_winner(responses: &[(u16, Value)]) {
    let statuses: Vec<u16> = responses.iter().map(|(status, _)| *status).collect();
    let count = |status: u16| statuses.iter().filter(|s| **s == status).count();
    assert_eq!(count(201), 1, "{statuses:?}");
    assert_eq!(count(409), statuses.len() - 1, "{statuses:?}");
}

/// An `identity_document` member for a request body.
pub fn identity_document(doc_type: &str, number: &str, front: &[u8], back: Option<&[u8]>) -> Value {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut document = serde_json::json!({
        "type": doc_type,
        "number": number,
        "country": "CL",
        "expires_on": "2031-06-30",
        "front_image": format!("data:image/png;base64,{}", b64.encode(front)),
    });
    if let Some(back) = back {
        document["back_image"] = Value::String(b64.encode(back));
    }
    document
}
