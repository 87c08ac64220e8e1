//! `GET /countries`: every ISO country with its calling code, cacheable, and the same data the
//! create checks `mobile_code_country` against.

use integration_tests::calls::create;
use integration_tests::{read, token, Event, Stack, TENANT};
use serde_json::{json, Value};

async fn list(
    stack: &Stack,
    query: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> lambda_http::Response<lambda_http::Body> {
    let mut event = Event::new("GET /countries").by(TENANT, "customers.read");
    for (name, value) in query {
        event = event.query(name, value);
    }
    for (name, value) in headers {
        event = event.header(name, value);
    }
    list_countries::handle(&stack.app(), event.request()).await
}

fn find<'a>(countries: &'a Value, code: &str) -> &'a Value {
    countries["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == code)
        .unwrap()
}

#[tokio::test]
async fn every_iso_country_with_its_dial_code() {
    let stack = Stack::new().await;
    let response = list(&stack, &[], &[]).await;
    assert_eq!(response.headers()["cache-control"], "public, max-age=86400");
    assert!(response.headers()["etag"]
        .to_str()
        .unwrap()
        .starts_with('"'));
    let (status, countries) = read(&response);
    assert_eq!(status, 200);
    assert_eq!(countries["data"].as_array().unwrap().len(), 249);
    let sa = find(&countries, "SA");
    assert_eq!(
        (
            sa["alpha3"].as_str(),
            sa["name"].as_str(),
            sa["dial_code"].as_str()
        ),
        (Some("SAU"), Some("Saudi Arabia"), Some("+966"))
    );
    assert!(sa["example_mobile"].as_str().unwrap().starts_with("+966"));
    assert_eq!(find(&countries, "US")["dial_code"], "+1");
    assert_eq!(find(&countries, "AQ")["dial_code"], Value::Null);
}

#[tokio::test]
async fn etag_revalidation_answers_304() {
    let stack = Stack::new().await;
    let first = list(&stack, &[], &[]).await;
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let again = list(&stack, &[], &[("if-none-match", &etag)]).await;
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"], etag.as_str());
    assert!(matches!(again.body(), lambda_http::Body::Empty));
    let stale = list(&stack, &[], &[("if-none-match", "\"something-else\"")]).await;
    assert_eq!(stale.status(), 200);
    let searched = list(&stack, &[("search", "sa")], &[("if-none-match", &etag)]).await;
    assert_eq!(
        searched.status(),
        200,
        "another representation, another tag"
    );
}

#[tokio::test]
async fn search_is_a_case_insensitive_prefix_on_name_or_code() {
    let stack = Stack::new().await;
    let codes_for = |found: &Value| -> Vec<String> {
        found["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["code"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, found) = read(&list(&stack, &[("search", "SAU")], &[]).await);
    assert_eq!(codes_for(&found), ["SA"]);
    let (_, found) = read(&list(&stack, &[("search", "chi")], &[]).await);
    let codes = codes_for(&found);
    assert!(
        codes.iter().any(|c| c == "CL") && codes.iter().any(|c| c == "CN"),
        "{codes:?}"
    );
    let (_, none) = read(&list(&stack, &[("search", "zzz")], &[]).await);
    assert_eq!(none["data"], json!([]));
    let (status, problem) = read(&list(&stack, &[("q", "chi")], &[]).await);
    assert_eq!(
        (
            status,
            problem["errors"][0]["field"].as_str(),
            problem["errors"][0]["code"].as_str()
        ),
        (400, Some("?q"), Some("unknown_parameter"))
    );
}

#[tokio::test]
async fn a_dial_code_from_the_list_normalises_a_national_mobile() {
    let stack = Stack::new().await;
    let (_, countries) = read(&list(&stack, &[("search", "SA")], &[]).await);
    let dial_code = find(&countries, "SA")["dial_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let body =
        json!({"first_name": "Omar", "mobile": "0512345678", "mobile_code_country": dial_code});
    let (status, created) = create(&stack, TENANT, &body).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["data"]["mobile"], "+966512345678");
}

#[tokio::test]
async fn countries_through_the_gateway() {
    let stack = Stack::new().await;
    let gateway = stack.gateway().await;
    let client = reqwest::Client::new();
    let token = token(Some(TENANT), "customers.read", &[]);
    let response = client
        .get(format!("{}/countries?search=saudi", gateway.url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"][0]["dial_code"], "+966");
    let revalidated = client
        .get(format!("{}/countries?search=saudi", gateway.url()))
        .bearer_auth(&token)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), 304);
    let write_only = integration_tests::token(Some(TENANT), "customers.write", &[]);
    let denied = client
        .get(format!("{}/countries", gateway.url()))
        .bearer_auth(&write_only)
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 403);
}
