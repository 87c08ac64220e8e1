//! End to end over HTTP: the local gateway (API Gateway's routing and JWT authorizer) in
//! front of the real function binaries, against DynamoDB (moto).

use base64::Engine;
use integration_tests::{jwt, token, Stack, OTHER_TENANT, READ_WRITE, TENANT};
use serde_json::{json, Value};

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn post(url: &str, token: Option<&str>, body: &str) -> reqwest::Response {
    let mut request = client()
        .post(format!("{url}/customers"))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("request")
}

async fn json_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn create_then_get_over_http() {
    let stack = Stack::new().await;
    let gateway = stack.gateway().await;
    let token = token(Some(TENANT), READ_WRITE, &[]);
    let response = post(
        &gateway.url(),
        Some(&token),
        r#"{"first_name":"Ann","email":"ann@example.com"}"#,
    )
    .await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(response.headers()["content-type"], "application/json");
    let (_, created) = json_of(response).await;
    assert_eq!(
        location,
        format!("/customers/{}", created["data"]["id"].as_str().unwrap())
    );

    let response = client()
        .get(format!("{}{location}", gateway.url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let (status, fetched) = json_of(response).await;
    assert_eq!(status, 200);
    assert_eq!(fetched["data"], created["data"]);

    let other = token_for(OTHER_TENANT);
    let response = client()
        .get(format!("{}{location}", gateway.url()))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    let (status, problem) = json_of(response).await;
    assert_eq!((status, problem["code"].as_str()), (404, Some("not_found")));
}

fn token_for(tenant: &str) -> String {
    token(Some(tenant), READ_WRITE, &[])
}

#[tokio::test]
async fn bad_tokens_get_the_gateways_401() {
    let stack = Stack::new().await;
    let gateway = stack.gateway().await;
    let config = jwt();
    let mint = |edit: &dyn Fn(&mut serde_json::Map<String, Value>)| {
        let mut claims = config.claims("user-1", 3600);
        claims.insert("tenant_id".into(), TENANT.into());
        claims.insert("scope".into(), READ_WRITE.into());
        edit(&mut claims);
        config.mint(&claims).unwrap()
    };
    let expired = mint(&|c| {
        c.insert("exp".into(), json!(local_gateway::jwt::now_epoch() - 30));
    });
    let not_yet = mint(&|c| {
        c.insert("nbf".into(), json!(local_gateway::jwt::now_epoch() + 600));
    });
    let wrong_issuer = mint(&|c| {
        c.insert("iss".into(), json!("https://evil.example"));
    });
    let wrong_audience = mint(&|c| {
        c.insert("aud".into(), json!("another-api"));
    });
    let mut other_key = config.clone();
    other_key.secret = "some-other-secret-some-other-secret".into();
    let badly_signed = other_key.mint(&config.claims("user-1", 3600)).unwrap();
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let alg_none = format!(
        "{}.{}.",
        b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
        b64.encode(serde_json::to_vec(&config.claims("user-1", 3600)).unwrap())
    );
    let cases: Vec<(&str, Option<String>)> = vec![
        ("missing", None),
        ("expired", Some(expired)),
        ("not yet valid", Some(not_yet)),
        ("wrong issuer", Some(wrong_issuer)),
        ("wrong audience", Some(wrong_audience)),
        ("badly signed", Some(badly_signed)),
        ("alg none", Some(alg_none)),
        ("garbage", Some("not.a.jwt".into())),
    ];
    for (case, token) in cases {
        let response = post(
            &gateway.url(),
            token.as_deref(),
            r#"{"first_name":"A","email":"a@example.com"}"#,
        )
        .await;
        let www = response
            .headers()
            .get("www-authenticate")
            .map(|v| v.to_str().unwrap().to_owned());
        let (status, body) = json_of(response).await;
        assert_eq!(status, 401, "{case}");
        assert_eq!(body, json!({"message": "Unauthorized"}), "{case}");
        assert!(www.unwrap_or_default().starts_with("Bearer"), "{case}");
    }
    assert_eq!(stack.count("customer").await, 0);
}

#[tokio::test]
async fn scope_and_tenant_are_enforced_by_the_function() {
    let stack = Stack::new().await;
    let gateway = stack.gateway().await;
    let body = r#"{"first_name":"A","email":"a@example.com"}"#;

    let read_only = token(Some(TENANT), "customers.read", &[]);
    let (status, problem) = json_of(post(&gateway.url(), Some(&read_only), body).await).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (403, Some("insufficient_scope"))
    );

    let no_tenant = token(None, READ_WRITE, &[]);
    let (status, problem) = json_of(post(&gateway.url(), Some(&no_tenant), body).await).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (403, Some("tenant_required"))
    );

    let combined = token(Some(TENANT), "customers.read_write", &[]);
    assert_eq!(
        post(&gateway.url(), Some(&combined), body).await.status(),
        201
    );

    let write_only = token(Some(TENANT), "customers.write", &[]);
    let id = uuid::Uuid::new_v4();
    let response = client()
        .get(format!("{}/customers/{id}", gateway.url()))
        .bearer_auth(&write_only)
        .send()
        .await
        .unwrap();
    let (status, problem) = json_of(response).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (403, Some("insufficient_scope"))
    );
    assert_eq!(stack.count("customer").await, 1);
}

#[tokio::test]
async fn malformed_requests_get_precise_problems() {
    let stack = Stack::new().await;
    let gateway = stack.gateway().await;
    let token = token(Some(TENANT), READ_WRITE, &[]);
    let url = format!("{}/customers", gateway.url());

    let response = client()
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let (status, problem) = json_of(response).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (415, Some("unsupported_media_type"))
    );
    assert!(problem["request_id"].is_string());

    for body in ["{not json", "[1,2]", "\"text\"", ""] {
        let (status, problem) = json_of(post(&gateway.url(), Some(&token), body).await).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (400, Some("invalid_json")),
            "{body:?}"
        );
    }

    let huge = format!(
        r#"{{"first_name":"A","email":"a@example.com","notes":"{}"}}"#,
        "x".repeat(6 * 1024 * 1024)
    );
    let (status, problem) = json_of(post(&gateway.url(), Some(&token), &huge).await).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (413, Some("payload_too_large"))
    );

    let (status, problem) = json_of(
        post(
            &gateway.url(),
            Some(&token),
            r#"{"first_name":"","email":"x","nope":1}"#,
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (400, Some("validation_failed"))
    );
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["/nope", "/first_name", "/email"]);

    let response = client()
        .get(format!("{}/nowhere", gateway.url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_of(response).await,
        (404, json!({"message": "Not Found"}))
    );
    assert_eq!(stack.count("customer").await, 0);
}

#[tokio::test]
async fn a_document_through_the_real_functions() {
    let stack = Stack::new().await;
    let gateway = stack.gateway().await;
    let token = token(Some(TENANT), READ_WRITE, &[]);
    let document = integration_tests::identity_document(
        "PASSPORT",
        "P7654321",
        &shared::testing::png(640, 400),
        None,
    );
    let body =
        json!({"first_name": "Ann", "email": "doc@example.com", "identity_document": document})
            .to_string();
    let (status, created) = json_of(post(&gateway.url(), Some(&token), &body).await).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["data"]["identity_document"]["number_last4"], "4321");
    assert_eq!(
        created["data"]["identity_document"]["verification"]["status"],
        "verified"
    );
    let (status, problem) = json_of(
        post(
            &gateway.url(),
            Some(&token),
            &body.replace("doc@", "again@"),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (409, Some("identity_document_taken"))
    );
    assert!(stack.objects().await.is_empty());
}

/// The whole lifecycle over HTTP through the real binaries: create, find by a `+`-encoded
/// mobile, patch with `If-Match`, list, erase.
#[tokio::test]
async fn a_customers_lifecycle_over_http() {
    let stack = Stack::new().await;
    let gateway = stack.gateway().await;
    let url = gateway.url();
    let token = token_for(TENANT);
    let response = post(
        &url,
        Some(&token),
        r#"{"first_name":"Ann","email":"ann@example.com","mobile":"+19203751411"}"#,
    )
    .await;
    assert_eq!(response.headers()["etag"], "\"1\"");
    let (status, created) = json_of(response).await;
    assert_eq!(status, 201);
    let id = created["data"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    let response = client()
        .get(format!("{url}/customers?mobile=%2B19203751411"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("lookup");
    let (status, found) = json_of(response).await;
    assert_eq!(
        (status, found["data"][0]["id"].as_str()),
        (200, Some(id.as_str()))
    );

    let patch = |if_match: &'static str| {
        client()
            .patch(format!("{url}/customers/{id}"))
            .bearer_auth(&token)
            .header("content-type", "application/merge-patch+json")
            .header("if-match", if_match)
            .body(r#"{"email":"ann@new.example"}"#)
            .send()
    };
    let response = patch("\"1\"").await.expect("patch");
    assert_eq!(response.headers()["etag"], "\"2\"");
    let (status, patched) = json_of(response).await;
    assert_eq!(
        (status, patched["data"]["email"].as_str()),
        (200, Some("ann@new.example"))
    );
    let (status, problem) = json_of(patch("\"1\"").await.expect("stale patch")).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (412, Some("precondition_failed"))
    );

    let response = client()
        .get(format!("{url}/customers?limit=10"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("list");
    let (status, page) = json_of(response).await;
    assert_eq!(status, 200);
    assert_eq!(page["data"][0]["email"], "ann@new.example");
    assert_eq!(page["next_cursor"], Value::Null);

    let response = client()
        .delete(format!("{url}/customers/{id}"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("delete");
    assert_eq!(response.status(), 204);
    let response = client()
        .get(format!("{url}/customers/{id}"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 404);
}
