//! The API's routes called through their real handlers, with the functions' own wiring against
//! a test's stack, as one caller of a tenant.

use crate::events::Event;
use crate::stack::Stack;
use serde_json::Value;

/// A response's status and JSON body (`null` when there is none).
pub fn read(response: &lambda_http::Response<lambda_http::Body>) -> (u16, Value) {
    let body = match response.body() {
        lambda_http::Body::Text(t) => serde_json::from_str(t).unwrap_or(Value::Null),
        lambda_http::Body::Binary(b) => serde_json::from_slice(b).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    (response.status().as_u16(), body)
}

/// `POST /customers` as `tenant`.
pub async fn create(stack: &Stack, tenant: &str, body: &Value) -> (u16, Value) {
    let event = Event::new("POST /customers").json(body).by_tenant(tenant);
    read(&create_customer::handle(&stack.app(), event.request()).await)
}

/// `GET /customers/{id}` as `tenant`.
pub async fn get(stack: &Stack, tenant: &str, id: &str) -> (u16, Value) {
    let event = Event::new("GET /customers/{id}")
        .path_parameter("id", id)
        .by_tenant(tenant);
    read(&get_customer::handle(&stack.app(), event.request()).await)
}

/// `POST /customer-groups` as `tenant`.
pub async fn create_group(stack: &Stack, tenant: &str, body: &Value) -> (u16, Value) {
    let event = Event::new("POST /customer-groups")
        .json(body)
        .by_tenant(tenant);
    read(&create_customer_group::handle(&stack.app(), event.request()).await)
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
