//! API Gateway events (HTTP API, payload 2.0) for calling a handler directly, built from the
//! route template: path parameters are given explicitly, as the gateway would extract them.

use crate::tokens::{claims, READ_WRITE};
use serde_json::{json, Map, Value};

pub struct Event {
    method: String,
    route: String,
    path_parameters: Map<String, Value>,
    query: Vec<(String, String)>,
    headers: Map<String, Value>,
    body: Option<String>,
    claims: Option<Map<String, Value>>,
}

impl Event {
    /// `route` is the template's key, e.g. `GET /customers/{id}`.
    pub fn new(route: &str) -> Self {
        let (method, path) = route.split_once(' ').unwrap_or(("GET", route));
        Self {
            method: method.to_owned(),
            route: path.to_owned(),
            path_parameters: Map::new(),
            query: Vec::new(),
            headers: Map::new(),
            body: None,
            claims: None,
        }
    }

    pub fn path_parameter(mut self, name: &str, value: &str) -> Self {
        self.path_parameters.insert(name.into(), value.into());
        self
    }

    pub fn query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.insert(name.to_ascii_lowercase(), value.into());
        self
    }

    /// `body` as JSON, with its content type.
    pub fn json(self, body: &Value) -> Self {
        self.header("content-type", "application/json")
            .raw_body(&body.to_string())
    }

    pub fn raw_body(mut self, body: &str) -> Self {
        self.body = Some(body.to_owned());
        self
    }

    /// The authorizer's claims of a caller of `tenant` with `scope`.
    pub fn by(mut self, tenant: &str, scope: &str) -> Self {
        self.claims = Some(claims(tenant, scope));
        self
    }

    /// A caller of `tenant` with read and write scopes.
    pub fn by_tenant(self, tenant: &str) -> Self {
        self.by(tenant, READ_WRITE)
    }

    pub fn claims(mut self, claims: Map<String, Value>) -> Self {
        self.claims = Some(claims);
        self
    }

    /// The route's key, as the template writes it: `PATCH /customers/{id}`.
    pub fn route_key(&self) -> String {
        format!("{} {}", self.method, self.route)
    }

    /// The path the route template and the path parameters make.
    fn path(&self) -> String {
        let mut path = self.route.clone();
        for (name, value) in &self.path_parameters {
            path = path.replace(&format!("{{{name}}}"), value.as_str().unwrap_or_default());
        }
        path
    }

    pub fn request(self) -> lambda_http::Request {
        let path = self.path();
        let route_key = format!("{} {}", self.method, self.route);
        let raw_query: Vec<String> = self
            .query
            .iter()
            .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
            .collect();
        let mut query = Map::new();
        for (name, value) in &self.query {
            query
                .entry(name.clone())
                .or_insert_with(|| value.clone().into());
        }
        let mut event = json!({
            "version": "2.0",
            "routeKey": route_key,
            "rawPath": path,
            "rawQueryString": raw_query.join("&"),
            "headers": self.headers,
            "requestContext": {
                "accountId": "123456789012", "apiId": "test", "domainName": "test",
                "domainPrefix": "test", "requestId": "test-request",
                "routeKey": route_key, "stage": "$default",
                "time": "25/Nov/2026:00:00:00 +0000", "timeEpoch": 0,
                "http": {"method": self.method, "path": path, "protocol": "HTTP/1.1",
                         "sourceIp": "127.0.0.1", "userAgent": "tests"}
            },
            "isBase64Encoded": false
        });
        if !query.is_empty() {
            event["queryStringParameters"] = Value::Object(query);
        }
        if !self.path_parameters.is_empty() {
            event["pathParameters"] = Value::Object(self.path_parameters);
        }
        if let Some(body) = self.body {
            event["body"] = Value::String(body);
        }
        if let Some(claims) = self.claims {
            event["requestContext"]["authorizer"] =
                json!({"jwt": {"claims": claims, "scopes": null}});
        }
        lambda_http::request::from_str(&event.to_string()).expect("event")
    }
}

/// What a client sends in a query string: everything but the unreserved characters escaped.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
