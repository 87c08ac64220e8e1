//! `GET /docs` and `GET /openapi.json`: built from openapi.yaml, served without a token, the page
//! under a policy that names exactly its own inline scripts and stylesheet. (That it renders
//! every operation, with no console error and no other origin, is `make docs` in Chromium.)

use base64::Engine;
use integration_tests::{workspace_root, Event, Stack};
use lambda_http::{Body, Response};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::io::Read;

async fn get(stack: &Stack, route: &str, headers: &[(&str, &str)]) -> Response<Body> {
    let mut event = Event::new(route);
    for (name, value) in headers {
        event = event.header(name, value);
    }
    api_docs::handle(&stack.app(), event.request()).await
}

fn bytes(response: &Response<Body>) -> Vec<u8> {
    match response.body() {
        Body::Binary(b) => b.clone(),
        Body::Text(t) => t.clone().into_bytes(),
        Body::Empty => Vec::new(),
        _ => panic!("an unknown body"),
    }
}

fn header<'r>(response: &'r Response<Body>, name: &str) -> &'r str {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name}"))
        .to_str()
        .unwrap()
}

#[tokio::test]
async fn the_specification_served_is_openapi_yaml_with_this_deployment_as_its_server() {
    let stack = Stack::new().await;
    let response = get(&stack, "GET /openapi.json", &[]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-type"), "application/json");
    let text = String::from_utf8(bytes(&response)).unwrap();
    // In openapi.yaml's order, as it was written to be read: its first key first, and
    // `/customers` before `/countries` (sorted keys would turn both around).
    assert!(text.starts_with("{\"openapi\":"), "{}", &text[..40]);
    let at = |needle: &str| text.find(needle).unwrap_or_else(|| panic!("no {needle}"));
    assert!(at("\"/customers\":") < at("\"/countries\":"));
    let served: Value = serde_json::from_str(&text).unwrap();
    let yaml = std::fs::read_to_string(workspace_root().join("openapi.yaml")).unwrap();
    let mut written: Value = serde_yaml::from_str(&yaml).unwrap();
    assert_eq!(
        served["servers"],
        serde_json::json!([{"url": ".", "description": served["servers"][0]["description"]}])
    );
    written["servers"] = served["servers"].clone();
    // Through the same JSON parser as the served document (serde_json, without its
    // `float_roundtrip`, reads 1e-130 one ulp off).
    let written: Value = serde_json::from_str(&written.to_string()).unwrap();
    assert_eq!(
        difference(&served, &written, String::new()),
        None,
        "/openapi.json is openapi.yaml, but for its server"
    );
}

/// Where two documents first differ, as a JSON pointer.
fn difference(a: &Value, b: &Value, at: String) -> Option<String> {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            keys.into_iter().find_map(|k| {
                difference(
                    a.get(k).unwrap_or(&Value::Null),
                    b.get(k).unwrap_or(&Value::Null),
                    format!("{at}/{k}"),
                )
            })
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (a, b))| difference(a, b, format!("{at}/{i}"))),
        _ if a == b => None,
        _ => Some(format!("{at}: {a} against {b}")),
    }
}

#[tokio::test]
async fn the_page_allows_only_its_own_inline_scripts_and_stylesheet() {
    let stack = Stack::new().await;
    let response = get(&stack, "GET /docs", &[]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "content-type"),
        "text/html; charset=utf-8"
    );
    assert_eq!(header(&response, "x-content-type-options"), "nosniff");
    assert_eq!(header(&response, "referrer-policy"), "no-referrer");
    let page = String::from_utf8(bytes(&response)).unwrap();
    let policy = header(&response, "content-security-policy");
    let directives: Vec<&str> = policy.split("; ").collect();
    assert!(directives.contains(&"default-src 'none'"), "{policy}");
    assert!(directives.contains(&"connect-src 'self'"), "{policy}");
    assert!(directives.contains(&"frame-ancestors 'none'"), "{policy}");
    let sources = |directive: &str| -> Vec<String> {
        directives
            .iter()
            .find_map(|d| d.strip_prefix(directive))
            .unwrap_or_else(|| panic!("no {directive}"))
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    };
    let hash = |content: &str| {
        let digest = Sha256::digest(content.as_bytes());
        format!(
            "'sha256-{}'",
            base64::engine::general_purpose::STANDARD.encode(digest)
        )
    };
    // The page's own tags, as build.rs writes them: it refuses inlined text holding a closing
    // tag in any case, a CR or a NUL (functions/api-docs/src/inline.rs), so an element's content
    // runs to its first closing tag, byte for byte what the browser hashes (a `<script>` inside
    // the renderer's own text is not an element).
    let inline = |open: &str, close: &str| -> Vec<String> {
        let mut hashes = Vec::new();
        let mut rest = page.as_str();
        while let Some(start) = rest.find(open) {
            let content = &rest[start + open.len()..];
            let end = content.find(close).expect("closed");
            hashes.push(hash(&content[..end]));
            rest = &content[end + close.len()..];
        }
        hashes
    };
    // Exactly the page's scripts and stylesheet, and no source that would admit another.
    assert_eq!(sources("script-src "), inline("<script>", "</script>"));
    assert_eq!(sources("style-src "), inline("<style>", "</style>"));
    assert_eq!(inline("<script>", "</script>").len(), 2);
    assert!(!page.contains("<script src") && !page.contains("<link rel=\"stylesheet"));
    assert!(page.contains("<link rel=\"icon\" href=\"data:,\">"));
    assert!(page.contains("url: \"openapi.json\""));
    assert!(page.contains("validatorUrl: null"));
    assert!(page.contains("<title>Customers API "));
}

#[tokio::test]
async fn both_are_compressed_for_clients_that_accept_it_and_revalidate_by_their_tag() {
    let stack = Stack::new().await;
    for route in ["GET /docs", "GET /openapi.json"] {
        let plain = get(&stack, route, &[]).await;
        let zipped = get(&stack, route, &[("accept-encoding", "gzip, deflate, br")]).await;
        assert_eq!(header(&zipped, "content-encoding"), "gzip", "{route}");
        assert_eq!(header(&zipped, "vary"), "Accept-Encoding");
        let mut unzipped = Vec::new();
        flate2::read::GzDecoder::new(bytes(&zipped).as_slice())
            .read_to_end(&mut unzipped)
            .unwrap();
        assert!(unzipped == bytes(&plain), "{route}: the same document");
        assert!(
            bytes(&zipped).len() * 3 < unzipped.len(),
            "{route}: compressed"
        );
        assert_eq!(header(&plain, "cache-control"), "public, max-age=300");

        let tag = header(&zipped, "etag");
        assert_ne!(tag, header(&plain, "etag"), "{route}: one tag per encoding");
        let again = get(
            &stack,
            route,
            &[("accept-encoding", "gzip"), ("if-none-match", tag)],
        )
        .await;
        assert_eq!(again.status(), 304, "{route}");
        assert!(bytes(&again).is_empty());
    }
}

#[tokio::test]
async fn another_path_to_the_function_is_not_found() {
    let stack = Stack::new().await;
    let response = get(&stack, "GET /docs/index.html", &[]).await;
    assert_eq!(response.status(), 404);
}
