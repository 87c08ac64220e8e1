//! The HTTP API front door: routes each request to the function the template names for it,
//! runs the JWT authorizer, and speaks payload format 2.0 to the function.

use crate::jwt::{gateway_claims, JwtConfig};
use crate::runtime::{LocalFunction, Outcome};
use crate::template::Route;
use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

/// API Gateway's own limit on a request payload.
const MAX_REQUEST_BYTES: usize = 10 * 1024 * 1024;

pub struct Target {
    pub route: Route,
    pub function: Arc<LocalFunction>,
}

pub struct Gateway {
    pub targets: Vec<Target>,
    pub jwt: JwtConfig,
}

fn message(status: StatusCode, text: &str) -> Response {
    (
        status,
        [("content-type", "application/json")],
        json!({ "message": text }).to_string(),
    )
        .into_response()
}

/// Matches `/customers/abc` against `/customers/{id}`; `{name+}` takes the rest of the path.
pub fn match_path(template: &str, path: &str) -> Option<BTreeMap<String, String>> {
    let mut params = BTreeMap::new();
    let mut actual = path.trim_start_matches('/').split('/');
    let parts = template.trim_start_matches('/').split('/');
    for part in parts {
        if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix("+}")) {
            let rest: Vec<&str> = actual.by_ref().collect();
            if rest.is_empty() || rest.iter().all(|s| s.is_empty()) {
                return None;
            }
            params.insert(name.to_owned(), rest.join("/"));
            return Some(params);
        }
        let segment = actual.next()?;
        match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            Some(name) if !segment.is_empty() => {
                params.insert(name.to_owned(), percent_decode(segment));
            }
            Some(_) => return None,
            None if part == segment => {}
            None => return None,
        }
    }
    actual.next().is_none().then_some(params)
}

fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn is_text(content_type: Option<&str>) -> bool {
    let Some(media) = content_type.and_then(|c| c.split(';').next()) else {
        return true;
    };
    let media = media.trim().to_ascii_lowercase();
    media.starts_with("text/")
        || media.ends_with("/json")
        || media.ends_with("+json")
        || media.ends_with("/xml")
        || media.ends_with("+xml")
        || media == "application/javascript"
        || media == "application/x-www-form-urlencoded"
}

pub async fn handle(
    State(gateway): State<Arc<Gateway>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let method = parts.method.as_str().to_owned();
    let found = gateway.targets.iter().find_map(|t| {
        let method_matches = t.route.method == method || t.route.method == "ANY";
        let params = match_path(&t.route.path, &path)?;
        method_matches.then_some((t, params))
    });
    let Some((target, path_parameters)) = found else {
        return message(StatusCode::NOT_FOUND, "Not Found");
    };
    let body = match to_bytes(body, MAX_REQUEST_BYTES).await {
        Ok(body) => body,
        Err(_) => return message(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large"),
    };
    let claims = if target.route.authorized {
        let authorization = parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        match gateway.jwt.verify(authorization) {
            Ok(claims) => Some(claims),
            Err(rejection) => {
                let mut response = message(StatusCode::UNAUTHORIZED, "Unauthorized");
                if let Ok(value) = HeaderValue::from_str(&rejection.www_authenticate()) {
                    response.headers_mut().insert("www-authenticate", value);
                }
                return response;
            }
        }
    } else {
        None
    };
    let request_id = request_id();
    let event = event(&EventParts {
        route: &target.route,
        method: &method,
        path: &path,
        query: parts.uri.query().unwrap_or(""),
        headers: &parts.headers,
        path_parameters,
        claims: claims.as_ref(),
        body: &body,
        peer,
        request_id: &request_id,
    });
    let outcome = target.function.invoke(Bytes::from(event.to_string())).await;
    let mut response = match outcome {
        Outcome::Response(document) => translate(&document),
        Outcome::Error(_) => message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
        Outcome::TimedOut => message(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable"),
    };
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("apigw-requestid", value);
    }
    response
}

fn request_id() -> String {
    // API Gateway's ids are short opaque tokens; the exact shape carries no meaning.
    let raw = uuid::Uuid::new_v4();
    BASE64.encode(&raw.as_bytes()[..10])
}

struct EventParts<'a> {
    route: &'a Route,
    method: &'a str,
    path: &'a str,
    query: &'a str,
    headers: &'a HeaderMap,
    path_parameters: BTreeMap<String, String>,
    claims: Option<&'a Map<String, Value>>,
    body: &'a Bytes,
    peer: SocketAddr,
    request_id: &'a str,
}

/// The payload format 2.0 event API Gateway sends to a Lambda integration.
fn event(p: &EventParts) -> Value {
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    let mut cookies = Vec::new();
    for (name, value) in p.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == "cookie" {
            cookies.extend(value.split(';').map(|c| c.trim().to_owned()));
            continue;
        }
        headers
            .entry(name.as_str().to_owned())
            .and_modify(|existing| {
                existing.push(',');
                existing.push_str(&value);
            })
            .or_insert(value);
    }
    let mut query: BTreeMap<String, String> = BTreeMap::new();
    for pair in p.query.split('&').filter(|s| !s.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        query
            .entry(percent_decode(&k.replace('+', " ")))
            .and_modify(|existing| {
                existing.push(',');
                existing.push_str(&percent_decode(&v.replace('+', " ")));
            })
            .or_insert_with(|| percent_decode(&v.replace('+', " ")));
    }
    let route_key = format!("{} {}", p.route.method, p.route.path);
    let now = time::OffsetDateTime::now_utc();
    let time_format = time::macros::format_description!(
        "[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000"
    );
    let text = is_text(headers.get("content-type").map(String::as_str));
    let (body, is_base64) = match std::str::from_utf8(p.body) {
        _ if p.body.is_empty() => (Value::Null, false),
        Ok(s) if text => (Value::String(s.to_owned()), false),
        _ => (Value::String(BASE64.encode(p.body)), true),
    };
    let host = headers
        .get("host")
        .cloned()
        .unwrap_or_else(|| "127.0.0.1".into());
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": p.path,
        "rawQueryString": p.query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": host,
            "domainPrefix": host.split('.').next().unwrap_or("local"),
            "http": {
                "method": p.method,
                "path": p.path,
                "protocol": "HTTP/1.1",
                "sourceIp": p.peer.ip().to_string(),
                "userAgent": headers.get("user-agent").cloned().unwrap_or_default(),
            },
            "requestId": p.request_id,
            "routeKey": route_key,
            "stage": "$default",
            "time": now.format(&time_format).unwrap_or_default(),
            "timeEpoch": (now.unix_timestamp_nanos() / 1_000_000) as i64,
        },
        "body": body,
        "isBase64Encoded": is_base64,
    });
    if !cookies.is_empty() {
        event["cookies"] = json!(cookies);
    }
    if !query.is_empty() {
        event["queryStringParameters"] = json!(query);
    }
    if !p.path_parameters.is_empty() {
        event["pathParameters"] = json!(p.path_parameters);
    }
    if let Some(claims) = p.claims {
        event["requestContext"]["authorizer"] =
            json!({ "jwt": { "claims": gateway_claims(claims), "scopes": null } });
    }
    event
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LambdaResponse {
    status_code: Option<u16>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    multi_value_headers: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    cookies: Vec<String>,
    body: Option<String>,
    #[serde(default)]
    is_base64_encoded: bool,
}

/// Turns the function's response document into the HTTP response, as API Gateway does; a
/// malformed document is API Gateway's 500.
fn translate(document: &[u8]) -> Response {
    let Ok(parsed) = serde_json::from_slice::<LambdaResponse>(document) else {
        return message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
    };
    let status = parsed
        .status_code
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let body = match (parsed.body, parsed.is_base64_encoded) {
        (None, _) => Vec::new(),
        (Some(b), false) => b.into_bytes(),
        (Some(b), true) => match BASE64.decode(b) {
            Ok(bytes) => bytes,
            Err(_) => return message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
        },
    };
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    let mut add = |name: &str, value: &str| {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::from_str(value)) {
            headers.append(name, value);
        }
    };
    for (name, values) in &parsed.multi_value_headers {
        for value in values {
            add(name, value);
        }
    }
    for (name, value) in &parsed.headers {
        add(name, value);
    }
    for cookie in &parsed.cookies {
        add("set-cookie", cookie);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_templates() {
        let p = match_path("/customers/{id}", "/customers/abc").unwrap();
        assert_eq!(p["id"], "abc");
        assert_eq!(
            match_path("/customers/{id}", "/customers/a%20b").unwrap()["id"],
            "a b"
        );
        assert!(match_path("/customers/{id}", "/customers").is_none());
        assert!(match_path("/customers/{id}", "/customers/").is_none());
        assert!(match_path("/customers/{id}", "/customers/a/b").is_none());
        assert!(match_path("/customers", "/customers").unwrap().is_empty());
        assert!(match_path("/customers", "/customersx").is_none());
        assert_eq!(
            match_path("/files/{path+}", "/files/a/b").unwrap()["path"],
            "a/b"
        );
    }

    #[test]
    fn text_and_binary_bodies() {
        assert!(is_text(Some("application/json; charset=utf-8")));
        assert!(is_text(Some("application/problem+json")));
        assert!(!is_text(Some("image/png")));
        assert!(!is_text(Some("application/octet-stream")));
    }

    #[test]
    fn translates_function_responses() {
        let r = translate(br#"{"statusCode":201,"headers":{"location":"/x"},"body":"{}","isBase64Encoded":false}"#);
        assert_eq!(r.status(), StatusCode::CREATED);
        assert_eq!(r.headers()["location"], "/x");
        let r = translate(b"not json");
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
