//! Auth under `sam local start-api`, which passes no authorizer claims: the functions verify
//! the bearer token themselves, with the answers API Gateway's authorizer and the functions
//! give in AWS (401 for no valid token, 403 for a missing scope or tenant), and only when the
//! local verifier is configured (never on Lambda: tests/tests/api/template.rs).

use integration_tests::calls::send;
use integration_tests::tokens::JWT_SECRET;
use integration_tests::{jwt, parameters, read, token, Event, Stack, OTHER_TENANT, TENANT};
use serde_json::json;
use shared::http::auth::local::LocalAuth;
use shared::lambda::App;

fn local_app(stack: &Stack, local: bool) -> App {
    let mut settings = stack.settings();
    let params = parameters();
    settings.local_auth = local
        .then(|| {
            LocalAuth::new(
                JWT_SECRET.as_bytes(),
                &params["JwtIssuer"],
                vec![params["JwtAudience"].clone()],
            )
        })
        .flatten();
    App::with_documents(&settings, &stack.sdk).expect("app")
}

fn create(authorization: Option<&str>) -> Event {
    let event = Event::new("POST /customers")
        .json(&json!({"first_name": "Ann", "email": "ann@example.com"}));
    match authorization {
        Some(value) => event.header("authorization", value),
        None => event,
    }
}

fn bearer(tenant: Option<&str>, scope: &str) -> String {
    format!("Bearer {}", token(tenant, scope, &[]))
}

#[tokio::test]
async fn a_local_run_verifies_the_bearer_token_as_the_authorizer_would() {
    let stack = Stack::new().await;
    let app = local_app(&stack, true);
    let (status, body) =
        read(&send(&app, create(Some(&bearer(Some(TENANT), "customers.write")))).await);
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["data"]["created_by"], "user-1", "the token's subject");
    let id = body["data"]["id"].as_str().unwrap_or_default().to_owned();
    // The customer is the token's tenant's: another tenant's token does not find it.
    let get = |tenant: &str| {
        Event::new("GET /customers/{id}")
            .path_parameter("id", &id)
            .header("authorization", &bearer(Some(tenant), "customers.read"))
    };
    assert_eq!(send(&app, get(TENANT)).await.status(), 200);
    assert_eq!(send(&app, get(OTHER_TENANT)).await.status(), 404);

    let mut forger = jwt();
    forger.secret = "a-secret-that-is-not-the-local-one-000".into();
    let forged = format!(
        "Bearer {}",
        forger.mint(&forger.claims("user-1", 60)).expect("mint")
    );
    let expired = format!(
        "Bearer {}",
        token(Some(TENANT), "customers.write", &[("exp", json!(1))])
    );
    for (authorization, status, code) in [
        (None, 401, "unauthorized"),
        (Some("Bearer not-a-token"), 401, "unauthorized"),
        (Some(forged.as_str()), 401, "unauthorized"),
        (Some(expired.as_str()), 401, "unauthorized"),
        (
            Some(&bearer(Some(TENANT), "customers.read")),
            403,
            "insufficient_scope",
        ),
        (
            Some(&bearer(None, "customers.write")),
            403,
            "tenant_required",
        ),
    ] {
        let (got, problem) = read(&send(&app, create(authorization)).await);
        assert_eq!(
            (got, problem["code"].as_str()),
            (status, Some(code)),
            "{authorization:?}"
        );
    }
    assert_eq!(
        stack.count("customer").await,
        1,
        "only the first create wrote"
    );
}

#[tokio::test]
async fn claims_from_an_authorizer_win_and_without_the_local_verifier_a_token_is_not_enough() {
    let stack = Stack::new().await;
    let local = local_app(&stack, true);
    // An authorizer's claims are the identity; the header is not read again.
    let event = create(Some(&bearer(Some(TENANT), "customers.write"))).by_tenant(OTHER_TENANT);
    let (status, body) = read(&send(&local, event).await);
    assert_eq!(status, 201, "{body}");
    let lookup = Event::new("GET /customers")
        .query("email", "ann@example.com")
        .by_tenant(OTHER_TENANT);
    let (_, found) = read(&send(&local, lookup).await);
    assert_eq!(found["data"].as_array().map(Vec::len), Some(1));

    // As deployed: a valid token without an authorizer's claims is 401, nothing written.
    let deployed = local_app(&stack, false);
    let (status, problem) = read(
        &send(
            &deployed,
            create(Some(&bearer(Some(TENANT), "customers.write"))),
        )
        .await,
    );
    assert_eq!(
        (status, problem["code"].as_str()),
        (401, Some("unauthorized"))
    );
    assert_eq!(stack.count("customer").await, 1);
}
